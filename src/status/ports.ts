// `status`: published ports per container, as the kernel has them now. Pure.
//
// Read from the observed NK-PORTS-<bridge> chains (nat table, host namespace,
// both families): each DNAT rule is one published port or range — host IP (none:
// any local address), host port(s), protocol → container IP:port(s). The
// container is found by its address: the namespace holding it, preferring the
// one whose veth is a port of that bridge (isolated switches may repeat
// subnets), then named by the files where they are readable (a netns may be
// named apart from its container) or else by the namespace itself. Single-port
// rules that netkeeper wrote for one mapped range ("9000-9003:8000-8003") are
// shown as that range again.

import type { TPort, Topology } from '../model/topology.js';
import { HOST_NS } from '../model/resources.js';
import { aliasDetail, vethPeer } from '../model/marks.js';
import { dnatHostIP, parseDnat } from '../observe/dnat.js';
import type { AddrRes, ChainRes, IptFamily, LinkRes, NetnsRes, Resource } from '../model/resources.js';
import { textTable } from '../model/text-table.js';

/** A published port as the kernel has it: a declared port's fields, read back from its DNAT rule. */
export interface PublishedPort extends Omit<TPort, 'network'> {
  /** the container the DNAT leads to (undefined: no observed namespace holds the address) */
  container?: string;
  /** the namespace holding the container address */
  ns?: string;
  /** network of the bridge (from the bridge's nk:net: mark) */
  network?: string;
  bridge: string;
  family: IptFamily;
}

const PORTS_PREFIX = 'NK-PORTS-';
/** One DNAT rule of an NK-PORTS-<bridge> chain → a published port (undefined: not a DNAT rule). */
export function parseDnatRule(rule: string, family: IptFamily, bridge: string): PublishedPort | undefined {
  const r = parseDnat(rule);
  if (!r) return undefined;
  const { dest: _dest, ...rest } = r;
  return { bridge, family, ...rest, hostIP: dnatHostIP(r, family) };
}

/** `next` continues `prev`: one mapped range that netkeeper wrote as single-port rules. */
function extends_(prev: PublishedPort, next: PublishedPort): boolean {
  if (
    prev.bridge !== next.bridge ||
    prev.family !== next.family ||
    prev.protocol !== next.protocol ||
    prev.hostIP !== next.hostIP ||
    prev.containerIP !== next.containerIP ||
    next.hostPort !== prev.hostPortEnd + 1 ||
    next.hostPortEnd !== next.hostPort ||
    next.containerPortEnd !== next.containerPort
  )
    return false;
  const shifting = prev.containerPortEnd - prev.containerPort === prev.hostPortEnd - prev.hostPort && next.containerPort === prev.containerPortEnd + 1;
  const toOne = prev.containerPort === prev.containerPortEnd && next.containerPort === prev.containerPort;
  return shifting || toOne;
}

interface Where {
  ns: string;
  /** the interface holding the address is a port of this bridge (through its veth peer) */
  onBridge?: string;
}

/**
 * Published ports in the observed resources. `names` maps a netns name to the
 * container it belongs to (from the files); without an entry the namespace's
 * own name is shown (by default a container's netns is named after it).
 */
export function publishedPorts(resources: Iterable<Resource>, names: ReadonlyMap<string, string> = new Map()): PublishedPort[] {
  const all = [...resources];
  // host veth → (namespace, ifname) of its peer, with the bridge it is a port of
  const bridgeOfEnd = new Map<string, string>();
  const networkOfBridge = new Map<string, string>();
  for (const r of all) {
    if (r.kind !== 'link' || r.ns !== HOST_NS) continue;
    const l = r as LinkRes;
    const network = l.type === 'bridge' ? aliasDetail(l.alias, 'net') : undefined;
    if (network !== undefined) networkOfBridge.set(l.ifname, network);
    if (!l.master) continue;
    const peer = vethPeer(l);
    if (peer) bridgeOfEnd.set(`${peer.ns}/${peer.ifname}`, l.master);
  }
  // container address → where it lives
  const holders = new Map<string, Where[]>();
  for (const r of all) {
    if (r.kind !== 'addr' || r.ns === HOST_NS) continue;
    const a = r as AddrRes;
    const ip = a.cidr.split('/')[0].toLowerCase();
    const list = holders.get(ip) ?? [];
    list.push({ ns: a.ns, onBridge: bridgeOfEnd.get(`${a.ns}/${a.ifname}`) });
    holders.set(ip, list);
  }
  // namespace → every name bound to it (mode container: shares a namespace under a second name)
  const aliases = new Map<string, string[]>();
  for (const r of all) {
    if (r.kind !== 'netns') continue;
    const n = r as NetnsRes;
    const primary = n.sharedWith ?? n.name;
    aliases.set(primary, [...(aliases.get(primary) ?? [primary]), ...(n.sharedWith ? [n.name] : [])]);
  }
  const nameOf = (ns: string): string => {
    for (const n of aliases.get(ns) ?? [ns]) {
      const c = names.get(n);
      if (c) return c;
    }
    return ns;
  };

  const out: PublishedPort[] = [];
  const chains = all
    .filter((r): r is ChainRes => r.kind === 'chain' && r.ns === HOST_NS && r.table === 'nat' && r.chain.startsWith(PORTS_PREFIX))
    .sort((a, b) => (a.family === b.family ? a.chain.localeCompare(b.chain) : a.family === 'ipv4' ? -1 : 1));
  for (const c of chains) {
    const bridge = c.chain.slice(PORTS_PREFIX.length);
    let prev: PublishedPort | undefined;
    for (const rule of c.rules) {
      const p = parseDnatRule(rule, c.family, bridge);
      if (!p) continue;
      if (prev && extends_(prev, p)) {
        prev.hostPortEnd = p.hostPort;
        prev.containerPortEnd = p.containerPort;
        continue;
      }
      const cands = holders.get(p.containerIP) ?? [];
      const at = cands.find((w) => w.onBridge === bridge) ?? (cands.length === 1 ? cands[0] : undefined);
      const network = networkOfBridge.get(bridge);
      prev = { ...(at ? { container: nameOf(at.ns), ns: at.ns } : {}), ...(network ? { network } : {}), ...p };
      out.push(prev);
    }
  }
  return out.sort(
    (a, b) =>
      (a.container === b.container ? 0 : a.container === undefined ? 1 : b.container === undefined ? -1 : a.container.localeCompare(b.container)) ||
      (a.family === b.family ? 0 : a.family === 'ipv4' ? -1 : 1) ||
      a.hostPort - b.hostPort ||
      a.protocol.localeCompare(b.protocol) ||
      a.hostIP.localeCompare(b.hostIP),
  );
}

const range = (a: number, b: number) => (a === b ? `${a}` : `${a}-${b}`);
const hostPart = (ip: string, family: IptFamily) => (family === 'ipv6' ? `[${ip}]` : ip);

/** The `status` section: one row per published port (range), or nothing when there is none. */
export function formatPorts(ports: PublishedPort[]): string[] {
  if (ports.length === 0) return [];
  const rows = ports.map((p) => [
    `  ${p.container ?? '?'}`,
    `${hostPart(p.hostIP, p.family)}:${range(p.hostPort, p.hostPortEnd)}`,
    p.protocol,
    `${hostPart(p.containerIP, p.family)}:${range(p.containerPort, p.containerPortEnd)}`,
    p.network ?? p.bridge,
  ]);
  return ['', `Published ports: ${ports.length}`, ...textTable([['  CONTAINER', 'HOST', 'PROTO', 'CONTAINER ADDRESS', 'NETWORK'], ...rows])];
}

/** A port declared without a host port, with the host port chosen for it (for `plan`). */
export interface ChosenPort {
  container: string;
  network: string;
  protocol: 'tcp' | 'udp';
  containerPort: number;
  containerPortEnd: number;
  /** "0.0.0.0:49200", "[::]:49200", "127.0.0.1:49200-49201" */
  host: string[];
}

/** The host ports netkeeper chose for this host's ports declared without one; one entry per declared port. */
export function chosenPorts(topo: Topology): ChosenPort[] {
  const out: ChosenPort[] = [];
  for (const c of topo.containers) {
    if (!c.local) continue;
    const byPort = new Map<string, ChosenPort>();
    for (const p of c.ports) {
      if (!p.auto) continue;
      const k = `${p.network}/${p.protocol}/${p.containerPort}/${p.hostPort}`;
      const e =
        byPort.get(k) ??
        byPort
          .set(k, {
            container: c.name,
            network: p.network,
            protocol: p.protocol,
            containerPort: p.containerPort,
            containerPortEnd: p.containerPortEnd,
            host: [],
          })
          .get(k)!;
      e.host.push(`${hostPart(p.hostIP, p.hostIP.includes(':') ? 'ipv6' : 'ipv4')}:${range(p.hostPort, p.hostPortEnd)}`);
    }
    out.push(...byPort.values());
  }
  return out;
}

/** `plan`: the chosen host ports, or nothing when no port was declared without one. */
export function formatChosenPorts(ports: ChosenPort[]): string[] {
  if (ports.length === 0) return [];
  const rows = ports.map((p) => [`  ${p.container}`, `${range(p.containerPort, p.containerPortEnd)}/${p.protocol}`, p.host.join(', '), p.network]);
  return ['', 'Host ports chosen by netkeeper (ports declared without one):', ...textTable([['  CONTAINER', 'PORT', 'HOST', 'NETWORK'], ...rows])];
}
