// The Container kind's JSON Schema (pure). Its raw type is derived from it (schemas.ts).
// Unions (a string or a mapping, ...) are if/then/else rather than oneOf so that a
// wrong value gets one precise error, not one per alternative.

import { CONTAINER_DEFAULTS } from '../model/defaults.js';
import { kindSchema, ref } from './schema-defs.js';

const attachment = {
  type: 'object',
  additionalProperties: false,
  required: ['network'],
  properties: {
    network: ref('name', 'The Network to join.'),
    ip: ref('ipAddress', 'Fixed address (only on networks with user-configured subnets); otherwise allocated and kept stable.'),
    ip6: ref('ipAddress', 'Fixed IPv6 address, for a network with an IPv6 subnet.'),
    mac: ref('mac', "Default: 02:42 followed by the IPv4 address's four bytes."),
    ifname: ref('ifname', 'Interface name inside the namespace (default eth0, eth1, ... by position).'),
    hostIfname: ref(
      'ifname',
      "bridge/overlay networks: the name of the veth's host end (default derived from the container and ifname), e.g. a live vethXXXX to adopt.",
    ),
    aliases: { type: 'array', items: ref('dnsName'), description: 'Extra names of this container for the other members of the network.' },
  },
} as const;

const portMapping = {
  type: 'object',
  additionalProperties: false,
  required: ['containerPort'],
  properties: {
    hostIP: ref('ipAddress', "Host address to publish on (default: the network's hostIP, else 0.0.0.0)."),
    hostPort: ref('portOrRange', 'Host port or range (default: chosen by netkeeper from 49153-65535).'),
    containerPort: ref('portOrRange', 'Container port or range of the same length.'),
    protocol: { enum: ['tcp', 'udp'], default: CONTAINER_DEFAULTS.protocol, description: 'tcp (default) or udp.' },
    network: ref('name', "Which attachment's address is the target (default: the first whose network can carry published ports: nat or routed, not internal)."),
  },
} as const;

const linkRef = {
  type: 'object',
  additionalProperties: false,
  required: ['container'],
  properties: {
    container: ref('name', 'The linked container.'),
    alias: ref('dnsName', "Name of the linked container in this one's hosts file (default: its name)."),
    ports: {
      type: 'array',
      description: 'Ports opened towards the linked container when icc is off: 5432, "5432/tcp" or "53/udp" (default: all).',
      items: {
        if: { type: 'integer' },
        then: { type: 'integer', minimum: 1, maximum: 65535 },
        else: { type: 'string', pattern: '^[0-9]{1,5}(/(tcp|udp))?$', description: 'a link port is 5432, "5432/tcp" or "53/udp"' },
      },
    },
  },
} as const;

export const containerBody = {
  required: ['kind', 'name'],
  additionalProperties: false,
  properties: {
    kind: { const: 'Container', description: 'Always "Container".' },
    name: ref('name', 'Unique among Containers; "host" is reserved (it names the host\'s namespace in Link endpoints).'),
    netns: {
      description:
        "The namespace. A string: the name under /run/netns (default: the container's name; created and owned). " +
        '{path: /proc/1234/ns/net} or {pid: 1234}: adopt an existing namespace (never deleted, only plumbed).',
      examples: ['web', { path: '/proc/1234/ns/net' }, { pid: 1234 }],
      if: { type: 'string' },
      then: {
        type: 'string',
        pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$',
        description: 'a namespace name under /run/netns: letters, digits, "_", "." and "-"',
      },
      else: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        maxProperties: 1,
        properties: {
          path: { type: 'string', pattern: '^/', description: 'Absolute path of a namespace file, e.g. /proc/1234/ns/net.' },
          pid: { type: 'integer', minimum: 1, description: 'A process whose network namespace is adopted.' },
        },
      },
    },
    mode: {
      type: 'string',
      pattern: '^(bridge|none|host|container:[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62})$',
      default: CONTAINER_DEFAULTS.mode,
      description:
        "bridge: join `networks` (default). none: own namespace with only lo up. host: the host's own namespace (no interfaces made, no ports). " +
        "container:<name>: share that container's namespace (no networks, ports, routes of its own).",
      examples: ['bridge', 'none', 'host', 'container:web'],
    },
    hostname: ref('dnsName', "Written to /etc/netns/<name>/hostname (default: the container's name)."),
    networks: {
      type: 'array',
      description:
        'Attachments in order; the first gives the default route. A bare string is a network name. Without `networks` the container joins the network "bridge".',
      examples: [['frontend', { network: 'backend', ip: '172.19.0.10', aliases: ['db'] }]],
      items: { if: { type: 'string' }, then: ref('name'), else: attachment },
    },
    ports: {
      type: 'array',
      description:
        'Published ports (DNAT from the host), as with docker run -p. Without a host address, on both IPv4 and IPv6 when the ' +
        'container has both (an address in brackets, or [::], is IPv6 only). Without a host port, netkeeper chooses one.',
      examples: [['8080:80', '127.0.0.1:5353:53/udp', { hostPort: 8443, containerPort: 443 }]],
      items: {
        if: { type: 'object' },
        then: portMapping,
        else: {
          if: { type: 'integer' },
          then: { type: 'integer', minimum: 1, maximum: 65535, description: "A container port alone (as in Docker's -p 80): the host port is chosen." },
          else: ref('portString'),
        },
      },
    },
    dns: {
      type: 'object',
      additionalProperties: false,
      description: 'Written to /etc/netns/<name>/resolv.conf.',
      examples: [{ servers: ['10.0.0.2'], search: ['example.com'], options: ['ndots:2'] }],
      properties: {
        servers: { type: 'array', items: ref('ipAddress'), description: 'nameserver lines.' },
        search: { type: 'array', items: ref('dnsName'), description: 'search domains.' },
        options: {
          type: 'array',
          items: { type: 'string', pattern: '^\\S+$', description: 'a resolver option is one word, e.g. "ndots:2"' },
          description: 'options, e.g. "ndots:2".',
        },
      },
    },
    extraHosts: {
      type: 'array',
      description: 'Extra /etc/netns/<name>/hosts lines, "name:address" (the address may be IPv6: "v6host:fd00::5").',
      examples: [['db.local:10.0.0.5']],
      items: { type: 'string', pattern: '^[^:\\s]+:\\S+$', description: 'an extra host is "name:address"' },
    },
    links: {
      type: 'array',
      description: 'Like --link: a hosts alias for another container, and allow rules when icc is off. A string is "container" or "container:alias".',
      examples: [['db:database', { container: 'cache', ports: [6379] }]],
      items: {
        if: { type: 'string' },
        then: {
          type: 'string',
          pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$',
          description: 'a link is "container" or "container:alias"',
        },
        else: linkRef,
      },
    },
    routes: {
      type: 'array',
      description: 'Extra routes in the namespace; `to: default` replaces the default route.',
      examples: [
        [
          { to: 'default', via: '10.0.0.1' },
          { to: '10.25.0.0/16', dev: 'eth1' },
        ],
      ],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['to'],
        properties: {
          to: { type: 'string', format: 'route-destination', description: '"default" or a CIDR (host bits zero).' },
          via: ref('ipAddress', 'Next hop.'),
          dev: ref('ifname', 'Outgoing interface of this container.'),
        },
      },
    },
    loopback: { type: 'array', items: ref('cidr'), description: 'Extra addresses on lo, e.g. 10.10.10.1/32.' },
    forwarding: { type: 'boolean', default: CONTAINER_DEFAULTS.forwarding, description: 'true: the namespace routes packets (a router container).' },
    masquerade: { type: 'array', items: ref('ifname'), description: 'SNAT what leaves these interfaces of the namespace (a NAT router).' },
    host: ref('name', 'Multi-host: the Host that runs this container (default: this host).'),
    adopt: {
      type: 'boolean',
      default: false,
      description:
        "true: take ownership of this container's live namespace and interfaces that netkeeper did not make (a hand-made `ip netns add`, its veths), without re-creating them, as `--adopt` does for every object.",
    },
  },
} as const;

export const containerSchema = kindSchema(
  'Container',
  'netkeeper Container',
  "A container: a network namespace (named, adopted, shared or the host's) with its interfaces, addresses, routes, published ports and /etc/netns files.",
  containerBody,
  ['name', 'ifname', 'ipAddress', 'cidr', 'mac', 'dnsName', 'portString', 'portOrRange'],
);
