// The fake kernel's state: network namespaces, each with its links, addresses,
// routes, neighbours, bridge FDB, sysctls and iptables tables; and the files that
// name namespaces (/run/netns/<name> bind mounts, /proc/<pid>/ns/net).
//
// Links point at each other (master, veth peer, macvlan parent) by object, so a
// namespace can be destroyed with everything in it. Ifindexes are per namespace,
// as in the kernel; the nsid one namespace uses for another is handed out on
// first use, as the kernel does.

import { parseCidrOrHost, formatIP, formatNetwork, makeCidr } from '../../../src/model/ip.js';
import type { IptFamily } from '../../../src/model/resources.js';

export type FakeLinkKind = 'loopback' | 'bridge' | 'veth' | 'vxlan' | 'macvlan' | 'dummy';

export interface FakeAddr {
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  label?: string;
  nodad?: boolean;
}

export interface FakeLink {
  ns: FakeNs;
  ifindex: number;
  ifname: string;
  kind: FakeLinkKind;
  up: boolean;
  mtu: number;
  mac: string;
  alias?: string;
  master?: FakeLink;
  /** veth: the other end (any namespace) */
  peer?: FakeLink;
  /** macvlan: its parent (any namespace) */
  parent?: FakeLink;
  vxlan?: { id: number; local?: string; port: number; dev?: string; learning: boolean; proxy: boolean };
  macvlanMode?: string;
  /** bridge port flags */
  learning: boolean;
  hairpin: boolean;
  addrgenNone: boolean;
  addrs: FakeAddr[];
  /** bridge: its MTU was set by hand (else it follows the smallest port's, as the kernel does) */
  mtuSetByUser?: boolean;
}

export interface FakeRoute {
  family: 'inet' | 'inet6';
  /** 'default' or a canonical network CIDR (host routes as /32, /128) */
  dst: string;
  gateway?: string;
  dev?: string;
  protocol: number;
  table: number;
  /** 0 universe, 253 link */
  scope: number;
  onlink: boolean;
  prefsrc?: string;
}

export interface FakeNeigh {
  dst: string;
  dev: string;
  lladdr: string;
}

export interface FakeFdb {
  dev: string;
  mac: string;
  /** remote VTEP (a `self` entry of a VXLAN device) */
  dst?: string;
  /** an entry in the bridge's table (`master static`) */
  master: boolean;
}

export interface FakeChain {
  builtin: boolean;
  policy?: string;
  rules: string[];
}

/** table name → chains in creation order */
export type FakeTables = Map<string, Map<string, FakeChain>>;

export class FakeNs {
  readonly id: number;
  links = new Map<number, FakeLink>();
  routes: FakeRoute[] = [];
  neigh: FakeNeigh[] = [];
  fdb: FakeFdb[] = [];
  /** /proc/sys paths relative to /proc/sys ("net/ipv4/ip_forward") → value */
  sysctls = new Map<string, string>();
  iptables: Record<IptFamily, FakeTables> = { ipv4: new Map(), ipv6: new Map() };
  /** nsid this namespace uses for another (by id) */
  nsids = new Map<number, number>();
  nextIfindex = 1;
  alive = true;
  /** MACs handed out by this kernel (shared by its namespaces: one sequence per kernel, so runs are reproducible) */
  readonly macSeq: { n: number };

  constructor(id: number, macSeq: { n: number } = { n: 0x10 }) {
    this.id = id;
    this.macSeq = macSeq;
    this.sysctls.set('net/ipv4/ip_forward', '0');
    this.sysctls.set('net/ipv6/conf/all/forwarding', '0');
  }

  byName(ifname: string): FakeLink | undefined {
    for (const l of this.links.values()) if (l.ifname === ifname) return l;
    return undefined;
  }

  nsidOf(other: FakeNs): number {
    let id = this.nsids.get(other.id);
    if (id === undefined) {
      id = this.nsids.size;
      this.nsids.set(other.id, id);
    }
    return id;
  }
}

/** A locally administered MAC, distinct within one fake kernel and the same in every run. */
export function nextMac(seq: { n: number }): string {
  const n = ++seq.n;
  const b = [0x0a, 0x5e, 0x00, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function newLink(ns: FakeNs, ifname: string, kind: FakeLinkKind, extra: Partial<FakeLink> = {}): FakeLink {
  const link: FakeLink = {
    ns,
    ifindex: ns.nextIfindex++,
    ifname,
    kind,
    up: false,
    mtu: kind === 'loopback' ? 65536 : 1500,
    mac: kind === 'loopback' ? '00:00:00:00:00:00' : nextMac(ns.macSeq),
    learning: true,
    hairpin: false,
    addrgenNone: false,
    addrs: [],
    ...extra,
  };
  ns.links.set(link.ifindex, link);
  return link;
}

/** A bridge's MTU follows its smallest port unless it was set by hand (br_mtu_auto_adjust). */
export function adjustBridgeMtu(bridge: FakeLink | undefined): void {
  if (!bridge || bridge.kind !== 'bridge' || bridge.mtuSetByUser) return;
  const ports = [...bridge.ns.links.values()].filter((l) => l.master === bridge);
  bridge.mtu = ports.length ? Math.min(...ports.map((p) => p.mtu)) : 1500;
}

/** Canonical route destination as iproute2 prints it: 'default', a network, or a bare host address. */
export function routeDst(text: string): { family: 'inet' | 'inet6'; dst: string } | undefined {
  if (text === 'default') return { family: 'inet', dst: 'default' };
  const c = parseCidrOrHost(text);
  if (!c) return undefined;
  const family = c.family === 4 ? 'inet' : 'inet6';
  if (c.prefix === 0) return { family, dst: 'default' };
  const full = c.family === 4 ? 32 : 128;
  return { family, dst: c.prefix === full ? formatIP(c.family, c.network) : formatNetwork(makeCidr(c.family, c.addr, c.prefix)) };
}

/** Connected routes: what the kernel adds for an address on an up link (proto kernel, scope link). */
export function connectedRoutes(link: FakeLink): FakeRoute[] {
  if (!link.up) return [];
  const out: FakeRoute[] = [];
  for (const a of link.addrs) {
    const full = a.family === 'inet' ? 32 : 128;
    if (a.prefixlen === full) continue;
    const c = parseCidrOrHost(`${a.local}/${a.prefixlen}`)!;
    out.push({
      family: a.family,
      dst: formatNetwork(c),
      dev: link.ifname,
      protocol: 2,
      table: 254,
      scope: 253,
      onlink: false,
      ...(a.family === 'inet' ? { prefsrc: a.local } : {}),
    });
  }
  return out;
}
