// The evaluator's inputs and outputs: a query (FROM, TO, port, protocol), the
// world it is evaluated over (the observed kernel, per namespace), and the
// explanation (hops with what decided each, and a verdict). Pure data.

import type { LinkRes, FdbRes } from '../model/resources.js';

export type Proto = 'tcp' | 'udp' | 'icmp';
export type Verdict = 'reachable' | 'unreachable' | 'unknown';

/** An endpoint as the user names it: a container, `host`, or an address. */
export type Endpoint = { kind: 'container'; name: string } | { kind: 'host' } | { kind: 'address'; ip: string };

export interface Query {
  from: Endpoint;
  to: Endpoint;
  /** tcp/udp destination port; absent for icmp (echo) */
  port?: number;
  proto: Proto;
}

/** One main-table route of a namespace (IPv4). */
export interface RouteEntry {
  /** CIDR; 0.0.0.0/0 for default */
  dst: string;
  via?: string;
  dev?: string;
  metric: number;
  /** unicast | blackhole | unreachable | prohibit | ... */
  type: string;
  prefsrc?: string;
  /** several next hops (not evaluated: unknown) */
  multipath?: boolean;
  /** netkeeper made it (protocol 77) */
  owned: boolean;
}

export interface NsAddr {
  ifname: string;
  ip: string;
  prefix: number;
}

/** A socket that takes packets: a TCP listener or a bound UDP socket (IPv4 or dual-stack). */
export interface Listener {
  proto: 'tcp' | 'udp';
  /** bound address; 0.0.0.0: any */
  ip: string;
  port: number;
}

/** One network namespace as the evaluator sees it. */
export interface NsView {
  /** 'host' or the netns name */
  name: string;
  links: LinkRes[];
  addrs: NsAddr[];
  routes: RouteEntry[];
  /** iptables-save text (IPv4); absent: not read (treated as no rules) */
  iptables?: string;
  /** net.ipv4.ip_forward */
  forwarding: boolean;
  /** sockets that take packets; absent: not read (delivery is not judged) */
  listeners?: Listener[];
}

/** Where a netkeeper-made thing was declared. */
export interface Declared {
  /** e.g. `Container web port 8080:80` */
  what: string;
  /** file:line */
  at: string;
}

/** Attributes a kernel object netkeeper owns to the declaration that produced it (src/explain/attribute.ts). */
export interface Attributor {
  rule(ns: string, chain: string, rule: string): Declared | undefined;
  route(ns: string, r: RouteEntry): Declared | undefined;
}

export interface World {
  namespaces: Map<string, NsView>;
  /** container name → netns name ('host' for mode host) */
  containers: Map<string, string>;
  fdb: FdbRes[];
  /** host sysctls by dotted name: net.bridge.bridge-nf-call-iptables, net.ipv4.conf.<if>.route_localnet */
  hostSysctls: Map<string, string>;
  attribute?: Attributor;
  /** network name by host bridge (from the files), to name networks in exposure */
  bridgeNetwork?: Map<string, string>;
}

export type HopKind = 'start' | 'route' | 'netfilter' | 'link' | 'bridge' | 'nat' | 'deliver' | 'leave' | 'reply' | 'note';

export interface Hop {
  kind: HopKind;
  /** namespace the hop happens in */
  ns: string;
  /** what happened, in words */
  text: string;
  /** the route or rule that decided it (route text, `-A CHAIN ...`) */
  rule?: string;
  /** table/chain for netfilter hops */
  chain?: string;
  /** netkeeper's declaration behind the rule or route */
  declared?: Declared;
  /** the hop stopped the packet (unreachable) or could not be evaluated (unknown) */
  outcome?: 'drop' | 'unknown';
}

export interface Explanation {
  query: Query;
  verdict: Verdict;
  /** the packet as it leaves the source: addresses and port */
  packet?: { src: string; dst: string; dport?: number; proto: Proto };
  hops: Hop[];
  /** where the request was delivered (after any DNAT), when it was */
  delivered?: { ns: string; ip: string; port?: number };
  /** one line: why */
  reason: string;
}

export type { LinkRes };
