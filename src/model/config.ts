// The validated contents of networks.d: one typed object per YAML document.
// Produced by src/config (parse → schema → rules); consumed by src/plan/topology/.
// Defaults are NOT filled here (except where noted); src/plan/topology/ derives them
// (shared defaults: src/model/defaults.ts).

import type { ExpectSpec } from './expect.js';

/** Where an object or a field was written: file path, 1-based line and column. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export type GatewayMode = 'nat' | 'routed' | 'isolated';
export type NetworkDriver = 'bridge' | 'macvlan' | 'overlay';
export type MacvlanMode = 'bridge' | 'private' | 'vepa' | 'passthru';

export type OverlayFabric = 'l2' | 'routed';

/** One host's share of a routed overlay, as the store holds it. */
export interface RoutedPeer {
  host: string;
  /** the host's subnet (CIDR) */
  subnet: string;
  /** the host's VTEP MAC on this network */
  vtepMac: string;
  /** the host's underlay address */
  underlay: string;
}

export interface RoutedFleet {
  /** the network's declared subnet, which the per-host subnets split */
  supernet: string;
  /** this host's claimed subnet (undefined: none claimed yet) */
  self?: { subnet: string; vtepMac: string };
  /** every other live host holding a subnet of this network */
  peers: RoutedPeer[];
}

export interface SubnetSpec {
  subnet: string; // normalized CIDR, e.g. 172.18.0.0/24
  gateway?: string;
  ipRange?: string;
  reserved?: string[];
}

export interface NetworkSpec {
  kind: 'Network';
  name: string;
  driver: NetworkDriver; // default 'bridge' (filled by the loader)
  interface?: string;
  subnets?: SubnetSpec[]; // undefined/empty: automatic subnet
  mtu?: number;
  gatewayMode: GatewayMode; // default 'nat'
  icc: boolean; // default true
  internal: boolean; // default false
  hostIP?: string;
  /** the subnets may overlap host routes netkeeper does not own (default: refused) */
  allowHostOverlap?: boolean;
  parent?: string; // macvlan
  mode?: MacvlanMode; // macvlan, default bridge
  vni?: number; // overlay
  port?: number; // overlay, default 4789
  /** overlay: 'l2' (default; per-container FDB/neighbour entries) or 'routed' (a per-host subnet, one route per remote host; src/plan/overlay-routed.ts) */
  fabric?: OverlayFabric;
  /** routed overlay: prefix length of each host's subnet (default 24) */
  hostSubnetSize?: number;
  /** routed overlay: this host's subnet and the other hosts', from the store (src/plan/fleet-routed.ts); never written in files */
  routedFleet?: RoutedFleet;
  /** bridge: the bridge's MAC (default derived from the name) */
  mac?: string;
  /** take ownership of the live objects this document describes (issue 14; src/plan/adopt.ts) */
  adopt?: boolean;
  /** true for the implicit default network `bridge` when not declared */
  implicit?: boolean;
  pos: SourcePos;
}

export type PortProtocol = 'tcp' | 'udp';

/** A published port range after parsing every SPEC form. Single ports have start === end. */
export interface PortSpec {
  hostIP?: string; // undefined: the network's hostIP, else 0.0.0.0 and :: (both families)
  hostPort: number; // 0 when `auto`
  hostPortEnd: number;
  /** no host port declared: chosen when planning (src/plan/ports.ts) */
  auto?: true;
  containerPort: number;
  containerPortEnd: number;
  protocol: PortProtocol;
  network?: string; // which attachment's address is the target; default the first that can carry ports
  pos: SourcePos;
}

export interface AttachmentSpec {
  network: string;
  ip?: string; // IPv4 or IPv6 literal, no prefix
  ip6?: string;
  mac?: string;
  ifname?: string;
  /** the veth's host end (default derived) */
  hostIfname?: string;
  aliases: string[];
  pos: SourcePos;
}

export interface RouteSpec {
  to: string; // 'default' or CIDR
  via?: string;
  dev?: string;
  pos: SourcePos;
}

export interface LinkRefSpec {
  container: string;
  alias?: string;
  ports: { port: number; protocol: PortProtocol }[];
  pos: SourcePos;
}

export type NetnsSpec = { type: 'named'; name: string } | { type: 'path'; path: string } | { type: 'pid'; pid: number };

export type ContainerMode = { type: 'bridge' } | { type: 'none' } | { type: 'host' } | { type: 'container'; container: string };

export interface ContainerSpec {
  kind: 'Container';
  name: string;
  netns: NetnsSpec; // default {type:'named', name}
  mode: ContainerMode;
  hostname?: string;
  networks: AttachmentSpec[]; // mode bridge without `networks`: [] here; topology adds `bridge`
  networksDeclared: boolean;
  ports: PortSpec[];
  dns?: { servers: string[]; search: string[]; options: string[] };
  extraHosts: { name: string; ip: string }[];
  links: LinkRefSpec[];
  routes: RouteSpec[];
  loopback: string[]; // CIDRs
  forwarding: boolean;
  masquerade: string[];
  host?: string;
  /** take ownership of the live objects this document describes */
  adopt?: boolean;
  pos: SourcePos;
}

export interface LinkEndpointSpec {
  container: string; // 'host' = the host's namespace
  ifname: string;
  ip?: string; // CIDR
  mac?: string;
  pos: SourcePos;
}

export interface LinkSpec {
  kind: 'Link';
  name: string;
  mtu?: number;
  /** take ownership of the live objects this document describes */
  adopt?: boolean;
  endpoints: [LinkEndpointSpec, LinkEndpointSpec];
  pos: SourcePos;
}

export interface HostSpec {
  kind: 'Host';
  name: string;
  address: string;
  pos: SourcePos;
}

export interface SettingsSpec {
  kind: 'Settings';
  name?: string;
  ipForward: boolean; // default true
  iptables: boolean; // default true
  prune: boolean; // default true
  /** overlay membership through etcd (src/shell/store/) */
  store?: StoreSpec;
  pos?: SourcePos;
}

export interface StoreSpec {
  etcd: { endpoints: string[]; prefix: string; ttl: number; tls?: { ca?: string; cert?: string; key?: string } };
}

export type Doc = NetworkSpec | ContainerSpec | LinkSpec | HostSpec | SettingsSpec | ExpectSpec;

export interface Config {
  networks: NetworkSpec[]; // declared ones only; the implicit `bridge` is added by topology
  containers: ContainerSpec[];
  links: LinkSpec[];
  hosts: HostSpec[];
  settings: SettingsSpec;
  /** reachability assertions (kind Expect); absent when none is declared. They make no kernel object. */
  expects?: ExpectSpec[];
  /** Number of YAML documents read (0 means an empty directory). */
  documentCount: number;
}
