// An expectation → the probe that tests it (pure): which namespace sends, from
// which source address, to which address and port, and where a listener must
// answer (the destination's namespace, or — for a port published on the host —
// the container the port leads to). Only addresses of declared namespaces and of
// this host are ever aimed at: anything else is skipped with the reason.
//
// From an address: an address of a declared container or of this host is sent
// from that namespace, bound to that address. Any other address is "another
// machine": netkeeper cannot send from it, so the expectation is skipped (said
// so, never counted as held or failed).

import { endpointText, type ExpectEndpoint, type ExpectSpec } from '../model/expect.js';
import { cidrContains, parseCidr, parseIP } from '../model/ip.js';
import type { TContainer, Topology } from '../model/topology.js';

/** A namespace a probe runs in: `path` for nsenter --net=, undefined for the host's own. */
export interface ProbeNs {
  /** "host" or the container's name */
  label: string;
  path?: string;
}

export interface ProbePlan {
  name: string;
  protocol: ExpectSpec['protocol'];
  expected: ExpectSpec['result'];
  from: ProbeNs;
  /** bind the probe to this source address (an address FROM named) */
  src?: string;
  dst: string;
  port?: number;
  /** where a listener must answer (tcp/udp): namespace and port */
  listen?: { ns: ProbeNs; port: number };
  /** "web → db:5432/tcp (172.18.0.3)" */
  text: string;
}

export type Resolved = { ok: true; plan: ProbePlan } | { ok: false; name: string; expected: ExpectSpec['result']; text: string; skipped: string };

const HOST: ProbeNs = { label: 'host' };
const family = (a: string) => parseIP(a)?.family;
const bare = (cidr: string) => cidr.split('/')[0];

interface Owner {
  ns: ProbeNs;
  /** the container (undefined: the host) */
  c?: TContainer;
}

export interface ResolveInput {
  topo: Topology;
  /** addresses of the host's own namespace now (no prefix) */
  hostAddresses: string[];
}

export class Resolver {
  private readonly byName = new Map<string, TContainer>();
  private readonly owners = new Map<string, Owner>();

  constructor(private readonly input: ResolveInput) {
    for (const c of input.topo.containers) this.byName.set(c.name, c);
    for (const a of input.hostAddresses) this.owners.set(a, { ns: HOST });
    // what the host holds once the files are applied: gateways on its bridges, its Link ends
    for (const n of input.topo.networks) for (const s of n.subnets) if (s.hostHasGateway && s.gateway) this.owners.set(s.gateway, { ns: HOST });
    for (const l of input.topo.links) for (const e of l.ends) if (e.ns === 'host' && e.ip) this.owners.set(bare(e.ip), { ns: HOST });
    for (const c of input.topo.containers) {
      if (!c.local) continue;
      for (const a of this.addressesOf(c)) if (!this.owners.has(a)) this.owners.set(a, { ns: this.nsOf(c), c: this.rootOf(c) });
    }
  }

  private rootOf(c: TContainer): TContainer {
    return (c.sharedWith && this.byName.get(c.sharedWith)) || c;
  }

  private nsOf(c: TContainer): ProbeNs {
    const r = this.rootOf(c);
    if (r.mode === 'host' || r.netnsPath === undefined) return HOST;
    return { label: r.name, path: r.netnsPath };
  }

  /** A container's addresses: its attachments, its Link ends, its loopback extras. */
  private addressesOf(c0: TContainer): string[] {
    const c = this.rootOf(c0);
    const out: string[] = [];
    for (const a of c.attachments) {
      if (a.ip4) out.push(a.ip4);
      if (a.ip6) out.push(a.ip6);
    }
    for (const l of this.input.topo.links) for (const e of l.ends) if (e.container === c.name && e.ip) out.push(bare(e.ip));
    for (const l of c.loopback) out.push(bare(l));
    return out;
  }

  /** Who owns an address: a declared container, the host (its addresses, loopback), or nobody. */
  private ownerOfAddress(addr: string, from: Owner | undefined): Owner | undefined {
    const ip = parseIP(addr);
    if (!ip) return undefined;
    const loop = parseCidr(ip.family === 4 ? '127.0.0.0/8' : '::1/128')!;
    if (cidrContains(loop, ip)) return from ?? { ns: HOST };
    return this.owners.get(addr);
  }

  private endpoint(e: ExpectEndpoint): Owner | { skipped: string } {
    if (e.type === 'host') return { ns: HOST };
    if (e.type === 'container') {
      const c = this.byName.get(e.name);
      if (!c) return { skipped: `container ${e.name} is not declared` };
      if (!c.local) return { skipped: `${e.name} runs on Host ${c.host}: probe it there` };
      return { ns: this.nsOf(c), c: this.rootOf(c) };
    }
    return { skipped: '' };
  }

  /** The address to aim at in `to`, as seen from `from`. */
  private destAddress(to: Owner, from: Owner): string | undefined {
    if (!to.c) {
      // the host: from itself its loopback; from a container the gateway it uses, else a Link end, else a host address
      if (!from.c) return '127.0.0.1';
      for (const a of from.c.attachments) {
        const net = this.input.topo.networks.find((n) => n.name === a.network);
        const s = net?.subnets.find((s) => s.hostHasGateway && s.gateway && family(s.gateway) === (a.ip4 ? 4 : 6));
        if (s?.gateway) return s.gateway;
      }
      for (const l of this.input.topo.links) {
        const [x, y] = l.ends;
        const hostEnd = x.container === from.c.name && y.ns === 'host' ? y : y.container === from.c.name && x.ns === 'host' ? x : undefined;
        if (hostEnd?.ip) return bare(hostEnd.ip);
      }
      return this.input.hostAddresses.find((a) => !a.startsWith('127.') && a !== '::1');
    }
    const c = to.c;
    // an address on a network the source shares, else the first one it has
    const shared = from.c ? new Set(from.c.attachments.map((a) => a.network)) : undefined;
    const att = c.attachments.find((a) => shared?.has(a.network) && (a.ip4 ?? a.ip6)) ?? c.attachments.find((a) => a.ip4 ?? a.ip6);
    if (att) return att.ip4 ?? att.ip6;
    return this.addressesOf(c)[0];
  }

  /** The published port (if any) `dst:port` hits on the host, and where it leads. */
  private published(dst: string, port: number, protocol: 'tcp' | 'udp'): { ns: ProbeNs; port: number } | undefined {
    const fam = family(dst);
    const isLoop = dst.startsWith('127.') || dst === '::1';
    for (const c of this.input.topo.containers) {
      if (!c.local) continue;
      for (const p of c.ports) {
        if (p.protocol !== protocol || port < p.hostPort || port > p.hostPortEnd) continue;
        const any = fam === 4 ? p.hostIP === '0.0.0.0' : p.hostIP === '::';
        if (!any && p.hostIP !== dst && !(isLoop && p.hostIP === (fam === 4 ? '127.0.0.1' : '::1'))) continue;
        return { ns: this.nsOf(c), port: p.containerPort + (port - p.hostPort) };
      }
    }
    return undefined;
  }

  resolve(x: ExpectSpec): Resolved {
    const base = { name: x.name, expected: x.result };
    const skip = (why: string, text: string): Resolved => ({ ok: false, ...base, text, skipped: why });
    const label = `${endpointText(x.from)} → ${endpointText(x.to)}${x.protocol === 'icmp' ? ' (icmp)' : `:${x.port}/${x.protocol}`}`;

    // the sender
    let from: Owner;
    let src: string | undefined;
    if (x.from.type === 'address') {
      const o = this.ownerOfAddress(x.from.address, undefined);
      if (!o || x.from.address.startsWith('127.')) {
        return skip(
          `${x.from.address} is another machine (no declared namespace and no address of this host): netkeeper cannot send from it; probe from that machine, or ask netkeeper explain`,
          label,
        );
      }
      from = o;
      src = x.from.address;
    } else {
      const o = this.endpoint(x.from);
      if ('skipped' in o) return skip(o.skipped, label);
      from = o;
    }

    // the destination
    let to: Owner;
    let dst: string | undefined;
    if (x.to.type === 'address') {
      const o = this.ownerOfAddress(x.to.address, from);
      if (!o) return skip(`${x.to.address} is not an address of a declared namespace or of this host: netkeeper probes nothing else`, label);
      to = o;
      dst = x.to.address;
    } else {
      const o = this.endpoint(x.to);
      if ('skipped' in o) return skip(o.skipped, label);
      to = o;
      dst = this.destAddress(to, from);
      if (dst === undefined) return skip(`${endpointText(x.to)} has no address to aim at`, label);
    }
    if (src && family(src) !== family(dst)) return skip(`${src} and ${dst} are of different families`, label);

    const text = `${label}${x.to.type === 'address' ? '' : ` (${dst})`}`;
    const plan: ProbePlan = { ...base, protocol: x.protocol, from: from.ns, dst, text };
    if (src) plan.src = src;
    if (x.protocol !== 'icmp' && x.port !== undefined) {
      plan.port = x.port;
      // a port published on the host answers in the container it leads to
      const pub = !to.c ? this.published(dst, x.port, x.protocol) : undefined;
      plan.listen = pub ?? { ns: to.ns, port: x.port };
    }
    return { ok: true, plan };
  }
}

export function resolveExpectations(expects: ExpectSpec[], input: ResolveInput): Resolved[] {
  const r = new Resolver(input);
  return expects.map((x) => r.resolve(x));
}
