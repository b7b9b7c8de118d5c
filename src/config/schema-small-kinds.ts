// The JSON Schemas of the three small kinds: Link, Host and Settings (pure).
// Their raw types are derived from them (schemas.ts).

import { DEFAULT_SETTINGS } from '../model/defaults.js';
import { kindSchema, ref } from './schema-defs.js';

export const linkBody = {
  required: ['kind', 'name', 'endpoints'],
  additionalProperties: false,
  properties: {
    kind: { const: 'Link', description: 'Always "Link".' },
    name: ref('name', 'Unique among Links.'),
    mtu: ref('mtu', 'MTU of both ends.'),
    adopt: {
      type: 'boolean',
      default: false,
      description:
        'true: take ownership of a live veth pair with these ends that netkeeper did not make, without re-creating it, as `--adopt` does for every object.',
    },
    endpoints: {
      type: 'array',
      minItems: 2,
      maxItems: 2,
      description: 'Exactly two ends.',
      examples: [
        [
          { container: 'r1', ifname: 'to-r2', ip: '10.0.12.1/32' },
          { container: 'r2', ifname: 'to-r1', ip: '10.0.12.2/32' },
        ],
      ],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['container', 'ifname'],
        properties: {
          container: ref('name', 'A Container, or "host" for the host\'s own namespace.'),
          ifname: ref('ifname', 'Interface name of this end.'),
          ip: ref('cidr', "Address with prefix; with /32 (/128) each side gets a route to the other's address."),
          mac: ref('mac', 'MAC of this end.'),
        },
      },
    },
  },
} as const;

export const linkSchema = kindSchema('Link', 'netkeeper Link', 'A point-to-point cable: a veth pair with one end in each namespace.', linkBody, [
  'name',
  'ifname',
  'cidr',
  'mac',
  'mtu',
]);

export const hostBody = {
  required: ['kind', 'name', 'address'],
  additionalProperties: false,
  properties: {
    kind: { const: 'Host', description: 'Always "Host".' },
    name: ref('name', "The host's name, as given by --host (default: the machine's hostname)."),
    address: ref('ipAddress', 'Underlay address: VXLAN packets go to and from it. Unique among Hosts.'),
  },
} as const;

export const hostSchema = kindSchema('Host', 'netkeeper Host', 'A machine taking part in overlay networks.', hostBody, ['name', 'ipAddress']);

export const settingsBody = {
  required: ['kind'],
  additionalProperties: false,
  properties: {
    kind: { const: 'Settings', description: 'Always "Settings".' },
    name: ref('name', 'Optional.'),
    ipForward: { type: 'boolean', default: DEFAULT_SETTINGS.ipForward, description: 'Keep net.ipv4.ip_forward (and IPv6 forwarding) on when needed.' },
    iptables: { type: 'boolean', default: DEFAULT_SETTINGS.iptables, description: 'false: never touch firewall or NAT rules.' },
    prune: { type: 'boolean', default: DEFAULT_SETTINGS.prune, description: 'Remove owned objects that left the files.' },
    store: {
      type: 'object',
      additionalProperties: false,
      required: ['etcd'],
      description: 'Overlay membership through a key-value store (README "Fleets: overlays with etcd"); --store overrides it.',
      properties: {
        etcd: {
          type: 'object',
          additionalProperties: false,
          required: ['endpoints'],
          description: 'An etcd v3 cluster.',
          examples: [{ endpoints: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'], prefix: '/netkeeper', tls: { ca: '/etc/netkeeper/ca.pem' } }],
          properties: {
            endpoints: {
              type: 'array',
              minItems: 1,
              items: { type: 'string', pattern: '^(https?://)?[^\\s/,]+:[0-9]+$' },
              description: 'Client URLs (host:port, http:// or https://) of the cluster members.',
            },
            prefix: { type: 'string', pattern: '^/[^\\s]*$', default: '/netkeeper', description: 'Key prefix of this fleet.' },
            ttl: { type: 'integer', minimum: 2, maximum: 3600, default: 10, description: "Seconds a host's lease outlives its last keep-alive." },
            tls: {
              type: 'object',
              additionalProperties: false,
              description: 'TLS: CA bundle, and client certificate and key (PEM files).',
              properties: {
                ca: { type: 'string', description: 'CA bundle the servers are checked against.' },
                cert: { type: 'string', description: 'Client certificate.' },
                key: { type: 'string', description: "The client certificate's key." },
              },
            },
          },
        },
      },
    },
  },
} as const;

export const settingsSchema = kindSchema('Settings', 'netkeeper Settings', 'Global switches; at most one Settings document.', settingsBody, ['name']);
