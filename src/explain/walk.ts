// The packet walk: from a namespace (locally generated) or an interface (arriving),
// through routing, netfilter hooks in kernel order, and the link to the next
// namespace (veth, bridge, macvlan), until the packet is delivered, dropped, or
// leaves what is observed. Run once for the request and once for the reply, whose
// NAT is undone where the request's was applied (conntrack). Pure.

import { Netfilter } from './hooks.js';
import { isLoopback4 } from './ipv4.js';
import type { CtState, HookCtx, Packet } from './packet.js';
import { isLocalAddr, lookupRoute, routeText, sourceFor } from './routes.js';
import { macvlanOwner, transmit } from './transmit.js';
import { listening } from './listeners.js';
import type { Hop, NsView, Verdict, World } from './types.js';

export interface NatRecord {
  dnat?: { origDst: string; origPort?: number; dst: string; port?: number };
  snat?: { origSrc: string; src: string };
}

export type WalkEnd =
  | { kind: 'delivered'; ns: string; pkt: Packet }
  | { kind: 'stopped'; verdict: Exclude<Verdict, 'reachable'>; reason: string }
  /** sent off this host by device `dev` of namespace `ns` */
  | { kind: 'left'; ns: string; dev: string; reason: string };

const MAX_STEPS = 40;

export class Walker {
  readonly hops: Hop[] = [];
  /** per namespace: the NAT the request got there (the reply's conntrack) */
  readonly nat = new Map<string, NatRecord>();
  /** namespaces the request went through */
  readonly seen = new Set<string>();
  /** the source address the first namespace chose (a packet sent without one) */
  firstSource?: string;
  private nf: Netfilter;

  constructor(
    readonly world: World,
    readonly reply: boolean,
    request?: Walker,
  ) {
    this.nf = new Netfilter(world);
    if (request) {
      for (const [k, v] of request.nat) this.nat.set(k, v);
      for (const s of request.seen) this.seen.add(s);
    }
  }

  private ct(ns: string): CtState {
    const n = this.nat.get(ns);
    if (!this.reply) return { state: 'NEW', dnat: !!n?.dnat, snat: !!n?.snat };
    return { state: this.seen.has(ns) ? 'ESTABLISHED' : 'NEW', dnat: !!n?.dnat, snat: !!n?.snat };
  }

  private ctx(v: NsView, pkt: Packet, iif?: string, oif?: string): HookCtx {
    return { pkt, ...(iif ? { iif } : {}), ...(oif ? { oif } : {}), ct: this.ct(v.name), isLocal: (ip) => isLocalAddr(v, ip) };
  }

  private hook(v: NsView, table: string, chain: string, pkt: Packet, iif?: string, oif?: string) {
    const r = this.nf.run(v.name, table, chain, this.ctx(v, pkt, iif, oif));
    if (r.hop) this.hops.push(r.hop);
    return r.d;
  }

  private stop(verdict: 'unreachable' | 'unknown', reason: string): WalkEnd {
    return { kind: 'stopped', verdict, reason };
  }

  /** Apply a nat decision of the request; undefined when the packet goes on. */
  private applyNat(v: NsView, d: ReturnType<Walker['hook']>, pkt: Packet, oif?: string): WalkEnd | undefined {
    const rec = this.nat.get(v.name) ?? {};
    if (d.kind === 'unknown') return this.stop('unknown', `${d.why} in ${v.name} (${d.rule.text})`);
    if (d.kind === 'drop') return this.stop('unreachable', `dropped in ${v.name} by ${d.rule?.text ?? d.policyOf}`);
    if (d.kind === 'dnat') {
      const port =
        d.port === undefined
          ? pkt.dport
          : d.portEnd !== undefined && pkt.dport !== undefined && pkt.dport >= d.port && pkt.dport <= d.portEnd
            ? pkt.dport
            : d.port;
      rec.dnat = { origDst: pkt.dst, ...(pkt.dport !== undefined ? { origPort: pkt.dport } : {}), dst: d.ip, ...(port !== undefined ? { port } : {}) };
      pkt.dst = d.ip;
      if (port !== undefined && pkt.proto !== 'icmp') pkt.dport = port;
    } else if (d.kind === 'snat' || d.kind === 'masquerade') {
      const src = d.kind === 'snat' ? d.ip : oif ? sourceFor(v, oif, pkt.dst) : undefined;
      if (!src) return this.stop('unknown', `masquerade in ${v.name}: no address on ${oif}`);
      rec.snat = { origSrc: pkt.src, src };
      pkt.src = src;
    }
    this.nat.set(v.name, rec);
    return undefined;
  }

  /** The reply meets the request's conntrack entry: undo SNAT (before routing) or DNAT (on the way out). */
  private undo(v: NsView, pkt: Packet, which: 'snat' | 'dnat'): void {
    const n = this.nat.get(v.name);
    if (which === 'snat' && n?.snat && pkt.dst === n.snat.src) {
      pkt.dst = n.snat.origSrc;
      this.hops.push({ kind: 'nat', ns: v.name, text: `conntrack: reply to ${n.snat.src} goes back to ${n.snat.origSrc}` });
    }
    if (which === 'dnat' && n?.dnat && pkt.src === n.dnat.dst) {
      pkt.src = n.dnat.origDst;
      if (n.dnat.origPort !== undefined && pkt.proto !== 'icmp') pkt.sport = n.dnat.origPort;
      this.hops.push({ kind: 'nat', ns: v.name, text: `conntrack: reply source ${n.dnat.dst} becomes ${n.dnat.origDst} again` });
    }
  }

  /** Deliver locally: filter INPUT, then the reply's source is restored. */
  private deliver(v: NsView, pkt: Packet, iif: string): WalkEnd {
    const d = this.hook(v, 'filter', 'INPUT', pkt, iif);
    const stop = this.applyNat(v, d, pkt);
    if (stop) return stop;
    if (this.reply) this.undo(v, pkt, 'dnat');
    else if (pkt.proto !== 'icmp' && pkt.dport !== undefined && listening(v.listeners, pkt.proto, pkt.dst, pkt.dport) === false) {
      this.hops.push({ kind: 'deliver', ns: v.name, text: `nothing in ${v.name} listens on ${pkt.dst}:${pkt.dport}/${pkt.proto}: refused`, outcome: 'drop' });
      return this.stop('unreachable', `nothing listens on ${pkt.dst}:${pkt.dport}/${pkt.proto} in ${v.name}`);
    }
    this.hops.push({ kind: 'deliver', ns: v.name, text: `delivered to ${pkt.dst}${pkt.dport !== undefined ? `:${pkt.dport}` : ''} in ${v.name}` });
    return { kind: 'delivered', ns: v.name, pkt };
  }

  private routeHop(v: NsView, pkt: Packet): ReturnType<typeof lookupRoute> {
    const r = lookupRoute(v, pkt.dst);
    if (r.kind === 'local') this.hops.push({ kind: 'route', ns: v.name, text: `${pkt.dst} is local in ${v.name}`, rule: `local ${pkt.dst}` });
    else if (r.kind === 'none') this.hops.push({ kind: 'route', ns: v.name, text: `no route to ${pkt.dst} in ${v.name}`, outcome: 'drop' });
    else {
      const declared = this.world.attribute?.route(v.name, r.route);
      const text =
        r.kind === 'unicast'
          ? `route in ${v.name}: via ${r.nexthop === pkt.dst ? 'direct' : r.nexthop} dev ${r.dev}`
          : r.kind === 'reject'
            ? `route in ${v.name} rejects ${pkt.dst}`
            : `route in ${v.name}: ${r.why}`;
      this.hops.push({
        kind: 'route',
        ns: v.name,
        text,
        rule: routeText(r.route),
        ...(declared ? { declared } : {}),
        ...(r.kind === 'reject' ? { outcome: 'drop' as const } : r.kind === 'unknown' ? { outcome: 'unknown' as const } : {}),
      });
    }
    return r;
  }

  /** Walk from namespace `ns`: generated there (no iif) or arriving on `iif`. */
  run(startNs: string, pkt: Packet, startIif?: string): WalkEnd {
    let ns = startNs;
    let iif = startIif;
    for (let step = 0; step < MAX_STEPS; step++) {
      const v = this.world.namespaces.get(ns);
      if (!v) return this.stop('unknown', `namespace ${ns} was not observed`);
      if (!this.reply) this.seen.add(ns);
      let r: ReturnType<typeof lookupRoute>;
      let stop: WalkEnd | undefined;
      if (iif === undefined) {
        r = this.routeHop(v, pkt);
        if (r.kind === 'none' || r.kind === 'reject') return this.stop('unreachable', `no route to ${pkt.dst} in ${ns}`);
        if (r.kind === 'unknown') return this.stop('unknown', r.why);
        if (pkt.src === '')
          pkt.src = r.kind === 'unicast' ? (sourceFor(v, r.dev, r.nexthop, r.route.prefsrc) ?? '') : isLoopback4(pkt.dst) ? '127.0.0.1' : pkt.dst;
        if (pkt.src === '') return this.stop('unknown', `${ns} has no address to send from`);
        this.firstSource ??= pkt.src;
        if (!this.reply) {
          const before = pkt.dst;
          stop = this.applyNat(v, this.hook(v, 'nat', 'OUTPUT', pkt, undefined, r.kind === 'unicast' ? r.dev : 'lo'), pkt);
          if (stop) return stop;
          if (pkt.dst !== before) {
            r = this.routeHop(v, pkt);
            if (r.kind === 'none' || r.kind === 'reject') return this.stop('unreachable', `no route to ${pkt.dst} in ${ns}`);
            if (r.kind === 'unknown') return this.stop('unknown', r.why);
          }
        }
        const oif = r.kind === 'unicast' ? r.dev : 'lo';
        // a 127.0.0.0/8 source routed out of a real device needs route_localnet on it (checked by the route lookup)
        if (r.kind === 'unicast' && isLoopback4(pkt.src) && this.world.hostSysctls.get(`net.ipv4.conf.${oif}.route_localnet`) !== '1') {
          this.hops.push({ kind: 'note', ns, text: `a 127.0.0.0/8 source may not leave by ${oif}: route_localnet is off there`, outcome: 'drop' });
          return this.stop('unreachable', `source ${pkt.src} may not leave by ${oif} (route_localnet is off)`);
        }
        stop = this.applyNat(v, this.hook(v, 'filter', 'OUTPUT', pkt, undefined, oif), pkt);
        if (stop) return stop;
        if (!this.reply) {
          stop = this.applyNat(v, this.hook(v, 'nat', 'POSTROUTING', pkt, undefined, oif), pkt, oif);
          if (stop) return stop;
        }
        if (r.kind === 'local') {
          if (this.reply) this.undo(v, pkt, 'snat');
          return this.deliver(v, pkt, 'lo');
        }
      } else {
        // a frame for a macvlan device's address arriving on its parent goes to that device, not to the host's stack
        const child = ns === 'host' ? macvlanOwner(this.world, iif, pkt.dst) : undefined;
        if (child) {
          this.hops.push({ kind: 'link', ns, text: `${iif} → macvlan ${child.ns}/${child.ifname}` });
          ns = child.ns;
          iif = child.ifname;
          continue;
        }
        if ((isLoopback4(pkt.src) || isLoopback4(pkt.dst)) && !(ns === 'host' && this.world.hostSysctls.get(`net.ipv4.conf.${iif}.route_localnet`) === '1')) {
          this.hops.push({ kind: 'note', ns, text: `martian: a 127.0.0.0/8 address arriving on ${iif} is dropped`, outcome: 'drop' });
          return this.stop('unreachable', `martian packet on ${iif} in ${ns}`);
        }
        stop = this.applyNat(v, this.hook(v, 'raw', 'PREROUTING', pkt, iif), pkt);
        if (stop) return stop;
        if (!this.reply) {
          stop = this.applyNat(v, this.hook(v, 'nat', 'PREROUTING', pkt, iif), pkt);
          if (stop) return stop;
        } else this.undo(v, pkt, 'snat');
        r = this.routeHop(v, pkt);
        if (r.kind === 'none' || r.kind === 'reject') return this.stop('unreachable', `no route to ${pkt.dst} in ${ns}`);
        if (r.kind === 'unknown') return this.stop('unknown', r.why);
        if (r.kind === 'local') return this.deliver(v, pkt, iif);
        if (!v.forwarding) {
          this.hops.push({ kind: 'note', ns, text: `forwarding is off in ${ns} (net.ipv4.ip_forward=0)`, outcome: 'drop' });
          return this.stop('unreachable', `${ns} does not forward`);
        }
        stop = this.applyNat(v, this.hook(v, 'filter', 'FORWARD', pkt, iif, r.dev), pkt);
        if (stop) return stop;
        if (!this.reply) {
          stop = this.applyNat(v, this.hook(v, 'nat', 'POSTROUTING', pkt, iif, r.dev), pkt, r.dev);
          if (stop) return stop;
        }
      }
      if (this.reply) this.undo(v, pkt, 'dnat');
      const next = transmit(this, v, r.dev, r.nexthop, pkt, iif === undefined);
      if (next.kind !== 'next') return next;
      ns = next.ns;
      iif = next.iif;
    }
    return this.stop('unknown', 'the packet loops (more than 40 hops)');
  }

  /** Bridged traffic between two ports with br_netfilter on: the bridge's hooks in its namespace. */
  bridged(v: NsView, br: string, pkt: Packet): WalkEnd | undefined {
    if (!this.reply) this.seen.add(v.name);
    let stop = this.applyNat(v, this.hook(v, 'raw', 'PREROUTING', pkt, br), pkt);
    if (stop) return stop;
    if (!this.reply) {
      const before = pkt.dst;
      stop = this.applyNat(v, this.hook(v, 'nat', 'PREROUTING', pkt, br), pkt);
      if (stop) return stop;
      if (pkt.dst !== before) return this.stop('unknown', `DNAT of bridged traffic on ${br} is not evaluated`);
    }
    stop = this.applyNat(v, this.hook(v, 'filter', 'FORWARD', pkt, br, br), pkt);
    if (stop) return stop;
    if (!this.reply) return this.applyNat(v, this.hook(v, 'nat', 'POSTROUTING', pkt, br, br), pkt, br);
    return undefined;
  }
}
