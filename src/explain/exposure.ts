// Who can reach what, from the same evaluator as explain: for every port netkeeper
// publishes (its NK-PORTS-<bridge> DNAT rules), explain is asked from the host
// (127.0.0.1 and each host address), from a container of each network (to the
// host's address on its bridge; its own port included: hairpin), and from another
// machine on each uplink (a host device that leads off this host). A probe counts
// when the request is delivered to the DNAT target — whether something listens
// there is not the question. Then every container address that another machine
// reaches without a published port (routed networks, macvlan). Pure.

import { explain } from './explain.js';
import { inCidr, ip4, isIp4, isPrivate4 } from './ipv4.js';
import { parseRuleset } from './iptables-parse.js';
import type { Explanation, Proto, Query, World } from './types.js';

export interface PublishedPort {
  hostIP: string;
  port: number;
  proto: 'tcp' | 'udp';
  target: { ip: string; port: number; container?: string };
  rule: string;
}

export interface ExposureRow {
  what: string;
  /** the audience in words: loopback only, this host, containers on <networks>, other machines (...) */
  reach: string[];
  /** published port, or a container address reachable without one */
  kind: 'port' | 'address';
  port?: PublishedPort;
  address?: { container: string; ip: string; via: string[] };
}

export interface Exposure {
  rows: ExposureRow[];
  warnings: string[];
}

interface Uplink {
  ifname: string;
  ip: string;
  prefix: number;
  /** carries the host's default route */
  defaultRoute: boolean;
}

export function publishedPorts(world: World): PublishedPort[] {
  const nat = parseRuleset(world.namespaces.get('host')?.iptables ?? '').get('nat');
  const out: PublishedPort[] = [];
  for (const [name, chain] of nat ?? []) {
    if (!name.startsWith('NK-PORTS-')) continue;
    for (const r of chain.rules) {
      if (r.target?.name !== 'DNAT') continue;
      const opt = (n: string) => r.opts.find((o) => o.name === n && !o.negated)?.args[0];
      const to = r.target.opts.find((o) => o.name === '--to-destination')?.args[0] ?? '';
      const [tip, tport] = to.split(':');
      const dport = opt('--dport');
      const proto = opt('-p');
      if (!dport || (proto !== 'tcp' && proto !== 'udp') || !isIp4(tip)) continue;
      const port = Number(dport.split(':')[0]);
      const container = [...world.containers].find(([, ns]) => world.namespaces.get(ns)?.addrs.some((a) => a.ip === tip))?.[0];
      out.push({
        hostIP: opt('-d')?.replace(/\/32$/, '') ?? '0.0.0.0',
        port,
        proto,
        target: { ip: tip, port: tport ? Number(tport.split('-')[0]) : port, ...(container ? { container } : {}) },
        rule: r.text,
      });
    }
  }
  return out;
}

/** Host devices that lead off this host: not lo, not a bridge, not a veth into an observed namespace; with an IPv4 address. */
export function uplinks(world: World): Uplink[] {
  const host = world.namespaces.get('host');
  if (!host) return [];
  const out: Uplink[] = [];
  for (const l of host.links) {
    if (l.type === 'loopback' || l.type === 'bridge' || l.type === 'vxlan' || l.type === 'macvlan' || l.master) continue;
    if (l.type === 'veth' && l.peer) continue;
    const a = host.addrs.find((x) => x.ifname === l.ifname);
    if (!a) continue;
    const defaultRoute = host.routes.some((r) => r.dst === '0.0.0.0/0' && r.dev === l.ifname);
    out.push({ ifname: l.ifname, ip: a.ip, prefix: a.prefix, defaultRoute });
  }
  return out;
}

/** An address on the uplink's subnet that no one here has: "another machine" there. */
function stranger(world: World, u: Uplink): string | undefined {
  const base = ip4(u.ip);
  if (base === undefined || u.prefix >= 31) return undefined;
  const size = 2 ** (32 - u.prefix);
  const net = base - (base % size);
  const taken = (ip: string) => [...world.namespaces.values()].some((v) => v.addrs.some((a) => a.ip === ip));
  for (let k = size - 2; k >= 1; k--) {
    const v = net + k;
    const ip = [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
    if (!taken(ip)) return ip;
  }
  return undefined;
}

/** Networks by host bridge: the containers with a veth on it. */
function bridgeMembers(world: World): Map<string, string[]> {
  const host = world.namespaces.get('host');
  const out = new Map<string, string[]>();
  const byNs = new Map([...world.containers].map(([c, ns]) => [ns, c]));
  for (const l of host?.links ?? []) {
    if (!l.master || l.type !== 'veth' || !l.peer) continue;
    const c = byNs.get(l.peer.ns);
    if (!c) continue;
    out.set(l.master, [...(out.get(l.master) ?? []), c]);
  }
  return out;
}

/** explain without judging listeners: exposure asks about the path, not the service. */
function pathWorld(world: World): World {
  const namespaces = new Map([...world.namespaces].map(([k, v]) => [k, { ...v, listeners: undefined }]));
  return { ...world, namespaces };
}

export function exposure(worldIn: World): Exposure {
  const world = pathWorld(worldIn);
  const networkOf = (b: string) => world.bridgeNetwork?.get(b) ?? b;
  const host = world.namespaces.get('host');
  const hostAddrs = (host?.addrs ?? []).filter((a) => a.ifname !== 'lo' && isIp4(a.ip));
  const ups = uplinks(world);
  const members = bridgeMembers(world);
  const rows: ExposureRow[] = [];
  const warnings: string[] = [];
  const q = (from: Query['from'], to: string, port: number | undefined, proto: Proto): Explanation =>
    explain({ from, to: { kind: 'address', ip: to }, ...(port !== undefined ? { port } : {}), proto }, world);
  const hits = (e: Explanation, p: PublishedPort) => e.delivered?.ip === p.target.ip && (e.delivered.port ?? p.target.port) === p.target.port;
  const publicAddrs = hostAddrs.filter((a) => !isPrivate4(a.ip)).map((a) => a.ip);

  for (const p of publishedPorts(world)) {
    const reach: string[] = [];
    const loop = hits(q({ kind: 'host' }, '127.0.0.1', p.port, p.proto), p);
    const fromHost = hostAddrs.filter((a) => hits(q({ kind: 'host' }, a.ip, p.port, p.proto), p));
    const nets: string[] = [];
    for (const [br, cs] of members) {
      const gw = hostAddrs.find((a) => a.ifname === br);
      if (!gw) continue;
      if (cs.some((c) => hits(q({ kind: 'container', name: c }, gw.ip, p.port, p.proto), p))) nets.push(networkOf(br));
    }
    const outside: string[] = [];
    for (const u of ups) {
      const src = stranger(world, u);
      if (!src) continue;
      const to = hostAddrs.filter((a) => hits(q({ kind: 'address', ip: src }, a.ip, p.port, p.proto), p)).map((a) => a.ip);
      if (to.length) outside.push(`arriving on ${u.ifname}, to ${to.length === hostAddrs.length && to.length > 1 ? 'any host address' : to.join(', ')}`);
    }
    if (loop && !fromHost.length && !nets.length && !outside.length) reach.push('loopback only');
    else {
      if (loop || fromHost.length) reach.push('this host');
      if (nets.length) reach.push(`containers on ${nets.join(', ')}`);
      if (outside.length) reach.push(`other machines (${outside.join('; ')})`);
      if (!reach.length) reach.push('nobody');
    }
    const who = p.target.container ?? p.target.ip;
    rows.push({ kind: 'port', what: `${p.hostIP}:${p.port}/${p.proto} → ${who}:${p.target.port}`, reach, port: p });
    if (p.hostIP === '0.0.0.0' && outside.length && publicAddrs.length)
      warnings.push(
        `${p.port}/${p.proto} (${who}) is published on 0.0.0.0 and other machines reach it; this host has public-looking address ${publicAddrs.join(', ')}: publish on a specific address if that is not meant`,
      );
  }

  // container addresses other machines reach without a published port
  for (const [c, ns] of world.containers) {
    const v = world.namespaces.get(ns);
    if (!v || ns === 'host') continue;
    for (const a of v.addrs) {
      if (a.ifname === 'lo' || !isIp4(a.ip)) continue;
      const via: string[] = [];
      for (const u of ups) {
        const src = stranger(world, u);
        if (!src || inCidr(a.ip, `${u.ip}/${u.prefix}`)) continue;
        if (q({ kind: 'address', ip: src }, a.ip, undefined, 'icmp').verdict === 'reachable') via.push(u.ifname);
      }
      if (!via.length) continue;
      rows.push({ kind: 'address', what: `${c} ${a.ip}`, reach: [`other machines (arriving on ${via.join(', ')})`], address: { container: c, ip: a.ip, via } });
      const wide = ups.filter((u) => via.includes(u.ifname) && (u.defaultRoute || !isPrivate4(u.ip)));
      if (wide.length)
        warnings.push(
          `${c} ${a.ip} is reachable from other machines at its own address through ${wide.map((u) => u.ifname).join(', ')}, the host's way to the world: a routed network open to the world`,
        );
    }
  }
  return { rows, warnings };
}
