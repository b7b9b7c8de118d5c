// Desired and Observed share this one shape: a set of keyed resources.
// Keys are stable strings; the namespace part is `host` for the host's own
// network namespace, otherwise the netns name under /run/netns.

export const HOST_NS = 'host';

/** Ownership marks and their parsing live in ./marks.ts; re-exported for callers of MARK here. */
export { MARK } from './marks.js';

export type LinkType = 'bridge' | 'veth' | 'vxlan' | 'macvlan' | 'dummy' | 'loopback' | 'other';

interface Base {
  key: string;
  /** namespace: HOST_NS or a netns name */
  ns: string;
  /** observed: carries netkeeper's mark; desired: always true */
  owned: boolean;
}

export interface NetnsRes extends Base {
  kind: 'netns';
  name: string;
  /**
   * named: netkeeper creates /run/netns/<name>;
   * adopted: an existing namespace entered by `path` (never deleted);
   * shared: /run/netns/<name> is a bind mount of the namespace of `sharedWith` (mode container:)
   */
  origin: 'named' | 'adopted' | 'shared';
  /** file to enter the namespace with (nsenter --net=PATH) */
  path: string;
  sharedWith?: string;
  /**
   * observed only: the file exists but cannot be entered — no namespace is
   * mounted on it (what an `ip netns add` killed between making the file and
   * mounting the namespace leaves behind)
   */
  broken?: string;
}

export interface LinkRes extends Base {
  kind: 'link';
  ifname: string;
  type: LinkType;
  up: boolean;
  mtu?: number;
  mac?: string;
  /** bridge port of (same namespace); null = explicitly no master */
  master?: string | null;
  alias?: string;
  /** veth: where the other end is */
  peer?: { ns: string; ifname: string };
  /** proxy: the device answers ARP/ND from its own permanent neighbour entries (overlay) */
  /** external: observed only, a metadata (collect_md) device, which takes its UDP port whole */
  vxlan?: { vni: number; local: string; port: number; dev?: string; learning: boolean; proxy?: boolean; external?: boolean };
  macvlan?: { parent: string; mode: string };
  /** bridge port: learn source MACs (kernel default true); false on overlay VXLAN ports */
  portLearning?: boolean;
  /** bridge port: hairpin mode (frames may leave by the port they came in: a container reaching its own published port) */
  hairpin?: boolean;
  /** IPv6 link-local autoconf off (addrgenmode none) */
  addrgenNone?: boolean;
  /** observed only: ifindex in its namespace */
  ifindex?: number;
}

export interface AddrRes extends Base {
  kind: 'addr';
  ifname: string;
  /** address with prefix, e.g. 172.18.0.10/24 */
  cidr: string;
}

export interface RouteRes extends Base {
  kind: 'route';
  /** 'default' (IPv4), 'default6', or a CIDR */
  dst: string;
  via?: string;
  dev?: string;
  /** route carries the `onlink` flag */
  onlink?: boolean;
}

export interface SysctlRes extends Base {
  kind: 'sysctl';
  /** dotted name, e.g. net.ipv4.ip_forward */
  name: string;
  value: string;
}

export interface FileRes extends Base {
  kind: 'file';
  path: string;
  /** the text (empty for a symbolic link) */
  content: string;
  /** a symbolic link to this target (relative): a container's hosts file pointing at its networks' shared one */
  link?: string;
}

export interface NeighRes extends Base {
  kind: 'neigh';
  dev: string;
  ip: string;
  mac: string;
}

export interface FdbRes extends Base {
  kind: 'fdb';
  dev: string;
  mac: string;
  /** remote VTEP address ('' for a master entry) */
  dst: string;
  /** an entry in the bridge's own table (`bridge fdb … master static`): the MAC is behind port `dev` */
  master?: boolean;
}

export type IptFamily = 'ipv4' | 'ipv6';

/** One iptables chain netkeeper owns, with its full ordered rule list (iptables-save syntax, without "-A CHAIN"). */
export interface ChainRes extends Base {
  kind: 'chain';
  family: IptFamily;
  table: string;
  chain: string;
  rules: string[];
  /** created once and never rewritten (NK-USER) */
  userOwned?: boolean;
}

/** A jump (or other single rule) netkeeper inserts into a built-in chain, identified by its comment. */
export interface HookRes extends Base {
  kind: 'hook';
  family: IptFamily;
  table: string;
  chain: string;
  /** the rule spec without "-A CHAIN", including the comment match */
  rule: string;
  /** insert at the top (-I) or append (-A) */
  position: 'first' | 'last';
}

export type Resource = NetnsRes | LinkRes | AddrRes | RouteRes | SysctlRes | FileRes | NeighRes | FdbRes | ChainRes | HookRes;

export type ResourceKind = Resource['kind'];

export type ResourceMap = Map<string, Resource>;

export const key = {
  netns: (name: string) => `netns:${name}`,
  link: (ns: string, ifname: string) => `link:${ns}/${ifname}`,
  addr: (ns: string, ifname: string, cidr: string) => `addr:${ns}/${ifname}/${cidr}`,
  route: (ns: string, dst: string) => `route:${ns}/${dst}`,
  sysctl: (ns: string, name: string) => `sysctl:${ns}/${name}`,
  file: (path: string) => `file:${path}`,
  neigh: (ns: string, dev: string, ip: string) => `neigh:${ns}/${dev}/${ip}`,
  fdb: (ns: string, dev: string, mac: string, dst: string) => `fdb:${ns}/${dev}/${mac}/${dst}`,
  fdbMaster: (ns: string, dev: string, mac: string) => `fdb:${ns}/${dev}/${mac}/master`,
  chain: (ns: string, family: IptFamily, table: string, chain: string) => `chain:${ns}/${family === 'ipv6' ? 'ip6/' : ''}${table}/${chain}`,
  hook: (ns: string, family: IptFamily, table: string, chain: string, target: string) =>
    `hook:${ns}/${family === 'ipv6' ? 'ip6/' : ''}${table}/${chain}/${target}`,
};

/** An owned iptables chain with its rules (desired, or read back from iptables-save). */
export function chainRes(ns: string, family: IptFamily, table: string, chain: string, rules: string[], userOwned = false): ChainRes {
  return {
    kind: 'chain',
    key: key.chain(ns, family, table, chain),
    ns,
    owned: true,
    family,
    table,
    chain,
    rules,
    ...(userOwned ? { userOwned: true } : {}),
  };
}

export function toMap(resources: Iterable<Resource>): ResourceMap {
  const m: ResourceMap = new Map();
  for (const r of resources) m.set(r.key, r);
  return m;
}
