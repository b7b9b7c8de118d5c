// The JSON Schema of kind Expect: a reachability assertion, probed after every
// applied pass and by `netkeeper check` (pure). Its raw type is derived from it
// (schemas.ts).

import { EXPECT_DEFAULTS } from '../model/expect.js';
import { kindSchema, ref } from './schema-defs.js';

const endpoint = (what: string) =>
  ({
    type: 'string',
    minLength: 1,
    maxLength: 63,
    description: `${what}: a declared Container, "host" (the host's own namespace), or an address (IPv4 or IPv6).`,
    examples: ['web', 'host', '172.18.0.10'],
  }) as const;

export const expectBody = {
  required: ['kind', 'name', 'from', 'to'],
  additionalProperties: false,
  properties: {
    kind: { const: 'Expect', description: 'Always "Expect".' },
    name: ref('name', 'Unique among Expects; reports and `status` name the expectation by it.'),
    from: endpoint('Where the probe starts'),
    to: endpoint('What the probe reaches for'),
    port: {
      type: 'integer',
      minimum: 1,
      maximum: 65535,
      description: 'Destination port (tcp and udp). Omit for an ICMP echo.',
      examples: [5432, 53],
    },
    protocol: {
      enum: ['tcp', 'udp', 'icmp'],
      description: 'tcp: a connect; udp: a datagram and its answer; icmp: an echo request. Default: tcp with a port, icmp without.',
    },
    result: {
      enum: ['reachable', 'unreachable'],
      default: EXPECT_DEFAULTS.result,
      description: 'What the probe must find.',
    },
  },
} as const;

export const expectSchema = kindSchema(
  'Expect',
  'netkeeper Expect',
  'A reachability assertion: reconcile probes it for real after every applied pass (exit 5 when it fails); `netkeeper check` probes it alone.',
  expectBody,
  ['name'],
);
