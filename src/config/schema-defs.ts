// The shared pieces of the per-kind JSON Schemas: value patterns, the `definitions`
// every kind draws from, and the helpers that assemble one kind's schema (pure).
// Written `as const` so the raw document types can be derived from them
// (schema-types.ts): a field's type and its schema are one text.

export const NAME_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$';
export const IFNAME_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]*$';
export const MAC_PATTERN = '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$';
export const PORT_STRING_PATTERN =
  '^((([0-9]{1,3}(\\.[0-9]{1,3}){3}|\\[[0-9A-Fa-f:.]+\\]):([0-9]{1,5}(-[0-9]{1,5})?)?|[0-9]{1,5}(-[0-9]{1,5})?):)?[0-9]{1,5}(-[0-9]{1,5})?(/(tcp|udp))?$';
const DNS_NAME_PATTERN = '^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?$';

export const DEFS = {
  name: {
    type: 'string',
    pattern: NAME_PATTERN,
    description:
      'An object name as Docker allows it: letters (either case), digits, "_", "." and "-", starting with a letter or digit, at most 63 characters. ' +
      'Names are case-sensitive: homeA and homea are two objects.',
    examples: ['frontend', 'web', 'db-1'],
  },
  ifname: {
    type: 'string',
    minLength: 1,
    maxLength: 15,
    pattern: IFNAME_PATTERN,
    description: 'A kernel interface name: at most 15 characters of letters, digits, "_", "." and "-".',
    examples: ['eth0', 'br-front', 'enp3s0'],
  },
  ipAddress: {
    type: 'string',
    format: 'ip-address',
    description: 'An IPv4 or IPv6 address, without prefix length.',
    examples: ['172.18.0.10', 'fd00:1::10'],
  },
  cidr: {
    type: 'string',
    format: 'cidr',
    description: 'An address with prefix length, e.g. 10.1.1.1/32 or fd00::1/64.',
    examples: ['172.18.0.0/24', 'fd00:1::/64', '10.10.10.1/32'],
  },
  mac: {
    type: 'string',
    pattern: MAC_PATTERN,
    description: 'A unicast MAC address, six colon-separated hex bytes, e.g. 02:42:ac:12:00:0a.',
    examples: ['02:42:ac:12:00:0a'],
  },
  mtu: { type: 'integer', minimum: 68, maximum: 65535, description: 'Interface MTU in bytes (68-65535).', examples: [1500, 1450] },
  dnsName: {
    type: 'string',
    pattern: DNS_NAME_PATTERN,
    description: 'A host or domain name (letters, digits, "-", "_", dot-separated labels).',
    examples: ['db', 'example.com'],
  },
  portString: {
    type: 'string',
    pattern: PORT_STRING_PATTERN,
    description:
      'A published port "[hostIP:]hostPort[-end]:containerPort[-end][/tcp|udp]", e.g. "8080:80", "127.0.0.1:5353:53/udp", ' +
      '"9000-9003:9000-9003", "[::1]:8080:80". Without a host port ("80", "127.0.0.1::80", "[::]::80/udp") netkeeper ' +
      'chooses one from 49153-65535 and keeps it while the container keeps the port.',
    examples: ['8080:80', '127.0.0.1:5353:53/udp', '9000-9003:9000-9003', '80'],
  },
  portOrRange: {
    description: 'A port (1-65535) or a range "9000-9003".',
    if: { type: 'integer' },
    then: { type: 'integer', minimum: 1, maximum: 65535 },
    else: { type: 'string', pattern: '^[0-9]{1,5}(-[0-9]{1,5})?$' },
    examples: [80, '9000-9003'],
  },
} as const;

export type DefName = keyof typeof DEFS;

/** A reference to one of DEFS, typed so the derived types can follow it. */
export function ref<D extends DefName>(d: D, description?: string): { $ref: `#/definitions/${D}`; description?: string } {
  return description ? { $ref: `#/definitions/${d}`, description } : { $ref: `#/definitions/${d}` };
}

export type Schema = Record<string, unknown>;

/** One kind's complete schema: the body, and the definitions it refers to. */
export function kindSchema(kind: string, title: string, description: string, body: object, defs: readonly DefName[]): Schema {
  const definitions: Record<string, Schema> = {};
  for (const d of defs) definitions[d] = DEFS[d];
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://netkeeper.invalid/schemas/${kind.toLowerCase()}.schema.json`,
    title,
    description,
    type: 'object',
    ...body,
    definitions,
  };
}
