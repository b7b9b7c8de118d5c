// The resolved model: config with every default derived and every address allocated.
// Built by src/plan/topology/ from Config + Observed; read by the desired-state
// builders (interfaces, routes, files, firewall, overlay) and by `status`.

import type { GatewayMode, NetworkDriver, PortProtocol, SourcePos } from './config.js';

export interface TSubnet {
  /** normalized CIDR */
  subnet: string;
  family: 4 | 6;
  prefixLen: number;
  /** undefined: no gateway (isolated without one) */
  gateway?: string;
  /** the host takes this address on the bridge (nat/routed bridge and overlay networks) */
  hostHasGateway: boolean;
  ipRange: string;
  reserved: string[];
  /** chosen automatically (network declared without subnets) */
  auto: boolean;
}

export interface TRoutedPeer {
  host: string;
  /** the host's subnet (CIDR) */
  subnet: string;
  /** its VTEP address: the network address of its subnet (as flannel) */
  vtep: string;
  vtepMac: string;
  /** its underlay address */
  underlay: string;
}

export interface TRouted {
  /** the network's whole subnet */
  supernet: string;
  /** this host's VTEP address (its subnet's network address) and MAC */
  vtep: string;
  vtepMac: string;
  peers: TRoutedPeer[];
}

export interface TNetwork {
  name: string;
  driver: NetworkDriver;
  /** bridge / overlay: kernel bridge name; macvlan: undefined */
  bridge?: string;
  subnets: TSubnet[];
  mtu: number;
  gatewayMode: GatewayMode;
  icc: boolean;
  internal: boolean;
  hostIP: string;
  parent?: string;
  macvlanMode?: string;
  vni?: number;
  vxlanPort?: number;
  /** overlay: name of the VXLAN device */
  vxlanDev?: string;
  /** routed overlay (fabric: routed): this host's VTEP and the other hosts' subnets (src/plan/overlay-routed.ts) */
  routed?: TRouted;
  /** overlay: MAC of the anycast gateway on every host's bridge */
  gatewayMac?: string;
  /** true when declared in a file (user-defined); false for the implicit `bridge` */
  declared: boolean;
  pos?: SourcePos;
}

export interface TAttachment {
  network: string;
  ifname: string;
  /** host-side veth name (bridge/overlay networks) */
  hostIfname?: string;
  ip4?: string; // address without prefix
  ip6?: string;
  prefix4?: number;
  prefix6?: number;
  mac: string;
  mtu: number;
  aliases: string[];
}

export interface TPort {
  hostIP: string;
  hostPort: number;
  hostPortEnd: number;
  containerIP: string;
  containerPort: number;
  containerPortEnd: number;
  protocol: PortProtocol;
  network: string;
  /** the host port was chosen by netkeeper (declared without one) */
  auto?: true;
}

export interface TLinkRef {
  container: string;
  alias: string;
  ports: { port: number; protocol: PortProtocol }[];
}

export interface TContainer {
  name: string;
  /** netns name under /run/netns (bridge/none/container modes); undefined for mode host */
  netns?: string;
  netnsOrigin: 'named' | 'adopted' | 'shared' | 'host';
  /** nsenter --net= path */
  netnsPath?: string;
  /** mode container:<name>: the container whose namespace this one shares */
  sharedWith?: string;
  mode: 'bridge' | 'none' | 'host' | 'container';
  hostname: string;
  attachments: TAttachment[];
  ports: TPort[];
  dns: { servers: string[]; search: string[]; options: string[] };
  extraHosts: { name: string; ip: string }[];
  links: TLinkRef[];
  routes: { to: string; via?: string; dev?: string }[];
  loopback: string[];
  forwarding: boolean;
  masquerade: string[];
  /** which Host runs it */
  host: string;
  /** true when `host` is this reconciler's host */
  local: boolean;
}

export interface TLinkEnd {
  /** netns name, or 'host' */
  ns: string;
  container: string;
  ifname: string;
  ip?: string; // CIDR
  mac?: string;
}

export interface TLink {
  name: string;
  mtu: number;
  ends: [TLinkEnd, TLinkEnd];
}

export interface THost {
  name: string;
  address: string;
}

export interface Topology {
  /** this reconciler's Host name */
  self: string;
  networks: TNetwork[];
  containers: TContainer[];
  links: TLink[];
  hosts: THost[];
  settings: { ipForward: boolean; iptables: boolean; prune: boolean };
}
