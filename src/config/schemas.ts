// The JSON Schemas of networks.d, one per kind: the public contract.
// schemas/<kind>.schema.json are exact dumps of these objects (a unit test keeps
// them equal; regenerate with `NK_WRITE_SCHEMAS=1 npx vitest run test/unit/config/schema-files.test.ts`).
// Custom formats (registered in validate-schema.ts): "ipv4", "ipv6", "ip-address"
// (IPv4 or IPv6 literal), "cidr" (address/prefix), "route-destination" ("default" or a CIDR).

import { DEFAULT_VXLAN_PORT } from '../model/defaults.js';

type Schema = Record<string, unknown>;

export const NAME_PATTERN = '^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$';
export const IFNAME_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]*$';
export const MAC_PATTERN = '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$';
export const PORT_STRING_PATTERN =
  '^((([0-9]{1,3}(\\.[0-9]{1,3}){3}|\\[[0-9A-Fa-f:.]+\\]):([0-9]{1,5}(-[0-9]{1,5})?)?|[0-9]{1,5}(-[0-9]{1,5})?):)?[0-9]{1,5}(-[0-9]{1,5})?(/(tcp|udp))?$';
const DNS_NAME_PATTERN = '^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?$';

const DEFS: Record<string, Schema> = {
  name: {
    type: 'string',
    pattern: NAME_PATTERN,
    description:
      'An object name as Docker allows it: letters (either case), digits, "_", "." and "-", starting with a letter or digit, at most 63 characters. ' +
      'Names are case-sensitive: homeA and homea are two objects.',
  },
  ifname: {
    type: 'string',
    minLength: 1,
    maxLength: 15,
    pattern: IFNAME_PATTERN,
    description: 'A kernel interface name: at most 15 characters of letters, digits, "_", "." and "-".',
  },
  ipAddress: { type: 'string', format: 'ip-address', description: 'An IPv4 or IPv6 address, without prefix length.' },
  cidr: { type: 'string', format: 'cidr', description: 'An address with prefix length, e.g. 10.1.1.1/32 or fd00::1/64.' },
  mac: {
    type: 'string',
    pattern: MAC_PATTERN,
    description: 'A unicast MAC address, six colon-separated hex bytes, e.g. 02:42:ac:12:00:0a.',
  },
  mtu: { type: 'integer', minimum: 68, maximum: 65535, description: 'Interface MTU in bytes (68-65535).' },
  dnsName: {
    type: 'string',
    pattern: DNS_NAME_PATTERN,
    description: 'A host or domain name (letters, digits, "-", "_", dot-separated labels).',
  },
  portString: {
    type: 'string',
    pattern: PORT_STRING_PATTERN,
    description:
      'A published port "[hostIP:]hostPort[-end]:containerPort[-end][/tcp|udp]", e.g. "8080:80", "127.0.0.1:5353:53/udp", ' +
      '"9000-9003:9000-9003", "[::1]:8080:80". Without a host port ("80", "127.0.0.1::80", "[::]::80/udp") netkeeper ' +
      'chooses one from 49153-65535 and keeps it while the container keeps the port.',
  },
  portOrRange: {
    description: 'A port (1-65535) or a range "9000-9003".',
    if: { type: 'integer' },
    then: { type: 'integer', minimum: 1, maximum: 65535 },
    else: { type: 'string', pattern: '^[0-9]{1,5}(-[0-9]{1,5})?$' },
  },
};

function schema(kind: string, title: string, description: string, body: Schema, defs: string[]): Schema {
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

const ref = (d: string, description?: string): Schema => (description ? { $ref: `#/definitions/${d}`, description } : { $ref: `#/definitions/${d}` });

export const networkSchema = schema(
  'Network',
  'netkeeper Network',
  'A container network: a Linux bridge (default), a macvlan on a parent interface, or a VXLAN overlay across Hosts.',
  {
    required: ['kind', 'name'],
    additionalProperties: false,
    properties: {
      kind: { const: 'Network', description: 'Always "Network".' },
      name: ref('name', 'Unique among Networks. A Network named "bridge" replaces the implicit default network.'),
      driver: {
        enum: ['bridge', 'macvlan', 'overlay'],
        default: 'bridge',
        description: 'bridge: a Linux bridge on this host; macvlan: sub-interfaces of `parent`; overlay: a bridge plus a VXLAN device joining the Hosts.',
      },
      interface: ref('ifname', 'bridge/overlay: the kernel bridge\'s name (default derived from the name).'),
      subnets: {
        type: 'array',
        description: 'User-configured subnets, IPv4 and/or IPv6. Without subnets one is chosen automatically from free private ranges, and fixed container addresses are refused.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['subnet'],
          properties: {
            subnet: ref('cidr', 'The subnet, e.g. 172.18.0.0/24; host bits must be zero.'),
            gateway: ref(
              'ipAddress',
              'nat/routed: the host\'s address on the bridge (default: the first host address). isolated: a member\'s address, if any.',
            ),
            ipRange: ref('cidr', 'Dynamic addresses are handed out from this range inside the subnet (default: the whole subnet).'),
            reserved: {
              type: 'array',
              items: ref('ipAddress'),
              description: 'Addresses inside the subnet that are never handed out.',
            },
          },
        },
      },
      allowHostOverlap: {
        type: 'boolean',
        default: false,
        description:
          'true: the subnets may overlap routes of this host that netkeeper does not own (docker0, a VPN, the LAN). ' +
          'Default false: such a subnet is refused, naming the route and its device, as Docker refuses overlapping pools.',
      },
      mtu: ref('mtu', 'MTU of the bridge and of every interface on it. Overlay default: the underlay\'s MTU minus 50.'),
      gatewayMode: {
        enum: ['nat', 'routed', 'isolated'],
        default: 'nat',
        description:
          'nat: the host is the gateway and masquerades outbound; only published ports reach containers from outside. ' +
          'routed: the host is the gateway, no masquerade; containers are reachable at their own addresses. ' +
          'isolated: a plain switch; the host takes no address and routes nothing; subnets may overlap other isolated networks.',
      },
      icc: { type: 'boolean', default: true, description: 'Containers of this network may reach each other (false: only what `links` open).' },
      internal: {
        type: 'boolean',
        default: false,
        description: 'true: members reach each other and the host, nothing beyond; no published ports.',
      },
      hostIP: ref('ipAddress', 'Default host address for ports published on this network (default 0.0.0.0).'),
      parent: ref('ifname', 'macvlan only (required): the host interface the macvlan devices hang from.'),
      mode: {
        enum: ['bridge', 'private', 'vepa', 'passthru'],
        default: 'bridge',
        description: 'macvlan only: the macvlan mode.',
      },
      vni: { type: 'integer', minimum: 1, maximum: 16777215, description: 'overlay only (required): the VXLAN network identifier, unique across networks.' },
      port: { type: 'integer', minimum: 1, maximum: 65535, default: DEFAULT_VXLAN_PORT, description: 'overlay only: the VXLAN UDP port.' },
    },
  },
  ['name', 'ifname', 'ipAddress', 'cidr', 'mtu'],
);

export const containerSchema = schema(
  'Container',
  'netkeeper Container',
  'A container: a network namespace (named, adopted, shared or the host\'s) with its interfaces, addresses, routes, published ports and /etc/netns files.',
  {
    required: ['kind', 'name'],
    additionalProperties: false,
    properties: {
      kind: { const: 'Container', description: 'Always "Container".' },
      name: ref('name', 'Unique among Containers; "host" is reserved (it names the host\'s namespace in Link endpoints).'),
      netns: {
        description:
          'The namespace. A string: the name under /run/netns (default: the container\'s name; created and owned). ' +
          '{path: /proc/1234/ns/net} or {pid: 1234}: adopt an existing namespace (never deleted, only plumbed).',
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
        default: 'bridge',
        description:
          'bridge: join `networks` (default). none: own namespace with only lo up. host: the host\'s own namespace (no interfaces made, no ports). ' +
          'container:<name>: share that container\'s namespace (no networks, ports, routes of its own).',
      },
      hostname: ref('dnsName', 'Written to /etc/netns/<name>/hostname (default: the container\'s name).'),
      networks: {
        type: 'array',
        description: 'Attachments in order; the first gives the default route. A bare string is a network name. Without `networks` the container joins the network "bridge".',
        items: {
          if: { type: 'string' },
          then: ref('name'),
          else: {
            type: 'object',
            additionalProperties: false,
            required: ['network'],
            properties: {
              network: ref('name', 'The Network to join.'),
              ip: ref('ipAddress', 'Fixed address (only on networks with user-configured subnets); otherwise allocated and kept stable.'),
              ip6: ref('ipAddress', 'Fixed IPv6 address, for a network with an IPv6 subnet.'),
              mac: ref('mac', 'Default: 02:42 followed by the IPv4 address\'s four bytes.'),
              ifname: ref('ifname', 'Interface name inside the namespace (default eth0, eth1, ... by position).'),
              aliases: { type: 'array', items: ref('dnsName'), description: 'Extra names of this container for the other members of the network.' },
            },
          },
        },
      },
      ports: {
        type: 'array',
        description:
          'Published ports (DNAT from the host), as with docker run -p. Without a host address, on both IPv4 and IPv6 when the ' +
          'container has both (an address in brackets, or [::], is IPv6 only). Without a host port, netkeeper chooses one.',
        items: {
          if: { type: 'object' },
          then: {
            type: 'object',
            additionalProperties: false,
            required: ['containerPort'],
            properties: {
              hostIP: ref('ipAddress', 'Host address to publish on (default: the network\'s hostIP, else 0.0.0.0).'),
              hostPort: ref('portOrRange', 'Host port or range (default: chosen by netkeeper from 49153-65535).'),
              containerPort: ref('portOrRange', 'Container port or range of the same length.'),
              protocol: { enum: ['tcp', 'udp'], default: 'tcp', description: 'tcp (default) or udp.' },
              network: ref('name', 'Which attachment\'s address is the target (default: the first whose network can carry published ports: nat or routed, not internal).'),
            },
          },
          else: {
            if: { type: 'integer' },
            then: { type: 'integer', minimum: 1, maximum: 65535, description: 'A container port alone (as in Docker\'s -p 80): the host port is chosen.' },
            else: ref('portString'),
          },
        },
      },
      dns: {
        type: 'object',
        additionalProperties: false,
        description: 'Written to /etc/netns/<name>/resolv.conf.',
        properties: {
          servers: { type: 'array', items: ref('ipAddress'), description: 'nameserver lines.' },
          search: { type: 'array', items: ref('dnsName'), description: 'search domains.' },
          options: { type: 'array', items: { type: 'string', pattern: '^\\S+$', description: 'a resolver option is one word, e.g. "ndots:2"' }, description: 'options, e.g. "ndots:2".' },
        },
      },
      extraHosts: {
        type: 'array',
        description: 'Extra /etc/netns/<name>/hosts lines, "name:address" (the address may be IPv6: "v6host:fd00::5").',
        items: { type: 'string', pattern: '^[^:\\s]+:\\S+$', description: 'an extra host is "name:address"' },
      },
      links: {
        type: 'array',
        description: 'Like --link: a hosts alias for another container, and allow rules when icc is off. A string is "container" or "container:alias".',
        items: {
          if: { type: 'string' },
          then: {
            type: 'string',
            pattern: '^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$',
            description: 'a link is "container" or "container:alias"',
          },
          else: {
            type: 'object',
            additionalProperties: false,
            required: ['container'],
            properties: {
              container: ref('name', 'The linked container.'),
              alias: ref('dnsName', 'Name of the linked container in this one\'s hosts file (default: its name).'),
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
          },
        },
      },
      routes: {
        type: 'array',
        description: 'Extra routes in the namespace; `to: default` replaces the default route.',
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
      forwarding: { type: 'boolean', default: false, description: 'true: the namespace routes packets (a router container).' },
      masquerade: { type: 'array', items: ref('ifname'), description: 'SNAT what leaves these interfaces of the namespace (a NAT router).' },
      host: ref('name', 'Multi-host: the Host that runs this container (default: this host).'),
    },
  },
  ['name', 'ifname', 'ipAddress', 'cidr', 'mac', 'dnsName', 'portString', 'portOrRange'],
);

export const linkSchema = schema(
  'Link',
  'netkeeper Link',
  'A point-to-point cable: a veth pair with one end in each namespace.',
  {
    required: ['kind', 'name', 'endpoints'],
    additionalProperties: false,
    properties: {
      kind: { const: 'Link', description: 'Always "Link".' },
      name: ref('name', 'Unique among Links.'),
      mtu: ref('mtu', 'MTU of both ends.'),
      endpoints: {
        type: 'array',
        minItems: 2,
        maxItems: 2,
        description: 'Exactly two ends.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['container', 'ifname'],
          properties: {
            container: ref('name', 'A Container, or "host" for the host\'s own namespace.'),
            ifname: ref('ifname', 'Interface name of this end.'),
            ip: ref('cidr', 'Address with prefix; with /32 (/128) each side gets a route to the other\'s address.'),
            mac: ref('mac', 'MAC of this end.'),
          },
        },
      },
    },
  },
  ['name', 'ifname', 'cidr', 'mac', 'mtu'],
);

export const hostSchema = schema(
  'Host',
  'netkeeper Host',
  'A machine taking part in overlay networks.',
  {
    required: ['kind', 'name', 'address'],
    additionalProperties: false,
    properties: {
      kind: { const: 'Host', description: 'Always "Host".' },
      name: ref('name', 'The host\'s name, as given by --host (default: the machine\'s hostname).'),
      address: ref('ipAddress', 'Underlay address: VXLAN packets go to and from it. Unique among Hosts.'),
    },
  },
  ['name', 'ipAddress'],
);

export const settingsSchema = schema(
  'Settings',
  'netkeeper Settings',
  'Global switches; at most one Settings document.',
  {
    required: ['kind'],
    additionalProperties: false,
    properties: {
      kind: { const: 'Settings', description: 'Always "Settings".' },
      name: ref('name', 'Optional.'),
      ipForward: { type: 'boolean', default: true, description: 'Keep net.ipv4.ip_forward (and IPv6 forwarding) on when needed.' },
      iptables: { type: 'boolean', default: true, description: 'false: never touch firewall or NAT rules.' },
      prune: { type: 'boolean', default: true, description: 'Remove owned objects that left the files.' },
    },
  },
  ['name'],
);

export const KINDS = ['Network', 'Container', 'Link', 'Host', 'Settings'] as const;
export type Kind = (typeof KINDS)[number];

export const SCHEMAS: Record<Kind, Schema> = {
  Network: networkSchema,
  Container: containerSchema,
  Link: linkSchema,
  Host: hostSchema,
  Settings: settingsSchema,
};

/** File name under schemas/ for each kind. */
export const SCHEMA_FILES: Record<Kind, string> = {
  Network: 'network.schema.json',
  Container: 'container.schema.json',
  Link: 'link.schema.json',
  Host: 'host.schema.json',
  Settings: 'settings.schema.json',
};
