// The Network kind's JSON Schema (pure). Its raw type is derived from it (schemas.ts).

import { NETWORK_DEFAULTS } from '../model/defaults.js';
import { kindSchema, ref } from './schema-defs.js';

export const networkBody = {
  required: ['kind', 'name'],
  additionalProperties: false,
  properties: {
    kind: { const: 'Network', description: 'Always "Network".' },
    name: ref('name', 'Unique among Networks. A Network named "bridge" replaces the implicit default network.'),
    driver: {
      enum: ['bridge', 'macvlan', 'overlay'],
      default: NETWORK_DEFAULTS.driver,
      description: 'bridge: a Linux bridge on this host; macvlan: sub-interfaces of `parent`; overlay: a bridge plus a VXLAN device joining the Hosts.',
    },
    interface: ref('ifname', "bridge/overlay: the kernel bridge's name (default derived from the name)."),
    subnets: {
      type: 'array',
      description:
        'User-configured subnets, IPv4 and/or IPv6. Without subnets one is chosen automatically from free private ranges, and fixed container addresses are refused.',
      examples: [[{ subnet: '172.18.0.0/24', gateway: '172.18.0.1' }, { subnet: 'fd00:18::/64' }]],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['subnet'],
        properties: {
          subnet: ref('cidr', 'The subnet, e.g. 172.18.0.0/24; host bits must be zero.'),
          gateway: ref('ipAddress', "nat/routed: the host's address on the bridge (default: the first host address). isolated: a member's address, if any."),
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
      default: NETWORK_DEFAULTS.allowHostOverlap,
      description:
        'true: the subnets may overlap routes of this host that netkeeper does not own (docker0, a VPN, the LAN). ' +
        'Default false: such a subnet is refused, naming the route and its device, as Docker refuses overlapping pools.',
    },
    mtu: ref('mtu', "MTU of the bridge and of every interface on it. Overlay default: the underlay's MTU minus 50."),
    gatewayMode: {
      enum: ['nat', 'routed', 'isolated'],
      default: NETWORK_DEFAULTS.gatewayMode,
      description:
        'nat: the host is the gateway and masquerades outbound; only published ports reach containers from outside. ' +
        'routed: the host is the gateway, no masquerade; containers are reachable at their own addresses. ' +
        'isolated: a plain switch; the host takes no address and routes nothing; subnets may overlap other isolated networks.',
    },
    icc: { type: 'boolean', default: NETWORK_DEFAULTS.icc, description: 'Containers of this network may reach each other (false: only what `links` open).' },
    internal: {
      type: 'boolean',
      default: NETWORK_DEFAULTS.internal,
      description: 'true: members reach each other and the host, nothing beyond; no published ports.',
    },
    hostIP: ref('ipAddress', 'Default host address for ports published on this network (default 0.0.0.0).'),
    parent: ref('ifname', 'macvlan only (required): the host interface the macvlan devices hang from.'),
    mode: {
      enum: ['bridge', 'private', 'vepa', 'passthru'],
      default: NETWORK_DEFAULTS.macvlanMode,
      description: 'macvlan only: the macvlan mode.',
    },
    vni: {
      type: 'integer',
      minimum: 1,
      maximum: 16777215,
      description: 'overlay only (required): the VXLAN network identifier, unique across networks.',
      examples: [42],
    },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: NETWORK_DEFAULTS.port, description: 'overlay only: the VXLAN UDP port.' },
    fabric: {
      enum: ['l2', 'routed'],
      default: NETWORK_DEFAULTS.fabric,
      description:
        'overlay only. l2: one bridge spans the hosts; every remote container costs FDB and neighbour entries on every host. ' +
        'routed (needs a store): each host claims one subnet of size `hostSubnetSize` in the store and its containers take addresses from it; ' +
        "one route, one neighbour and one FDB entry per remote host (as flannel's vxlan backend). IPv4, one subnet.",
    },
    hostSubnetSize: {
      type: 'integer',
      minimum: 8,
      maximum: 30,
      default: NETWORK_DEFAULTS.hostSubnetSize,
      description: "routed overlay only: the prefix length of each host's subnet (24: a /24 per host), longer than the network's subnet.",
    },
    mac: ref(
      'mac',
      "bridge only: the bridge's MAC address (default derived from the name). Keep a live bridge's MAC when adopting it, so the containers' ARP entries for the gateway stay valid.",
    ),
    adopt: {
      type: 'boolean',
      default: false,
      description:
        'true: take ownership of a live bridge of this name (and its address) that netkeeper did not make, without re-creating it, as `--adopt` does for every object.',
    },
  },
} as const;

export const networkSchema = kindSchema(
  'Network',
  'netkeeper Network',
  'A container network: a Linux bridge (default), a macvlan on a parent interface, or a VXLAN overlay across Hosts.',
  networkBody,
  ['name', 'ifname', 'ipAddress', 'cidr', 'mtu', 'mac'],
);
