// The link layer between namespaces: a packet sent out of a device toward a next
// hop lands in the namespace that answers for that address — over a veth to its
// peer, through a bridge to the port whose namespace has it (or the bridge's own
// namespace), between macvlan devices of one parent, or off this host (a VXLAN
// port, a physical device: not observed beyond, so unknown). Pure.

import type { LinkRes } from '../model/resources.js';
import type { Packet } from './packet.js';
import { isLocalAddr } from './routes.js';
import type { NsView, World } from './types.js';
import type { WalkEnd, Walker } from './walk.js';

export type Next = { kind: 'next'; ns: string; iif: string } | Extract<WalkEnd, { kind: 'stopped' | 'left' }>;

const stop = (verdict: 'unreachable' | 'unknown', reason: string): Next => ({ kind: 'stopped', verdict, reason });

function owns(w: Walker, ns: string, ip: string): boolean {
  const v = w.world.namespaces.get(ns);
  return !!v && isLocalAddr(v, ip);
}

function allLinks(w: Walker): LinkRes[] {
  return [...w.world.namespaces.values()].flatMap((v) => v.links);
}

/** A macvlan device on host device `parent` whose namespace has `ip`. */
function macvlanChild(w: Walker, parent: string, ip: string, except?: LinkRes): LinkRes | undefined {
  return allLinks(w).find((l) => l !== except && l.type === 'macvlan' && l.macvlan?.parent === parent && owns(w, l.ns, ip));
}

function leave(w: Walker, v: NsView, dev: string, nexthop: string, how: string): Next {
  w.hops.push({ kind: 'leave', ns: v.name, text: `leaves this host ${how} toward ${nexthop}; what is beyond is not observed` });
  return { kind: 'left', ns: v.name, dev, reason: `leaves this host ${how}; what is beyond is not observed` };
}

/** Where the remote end of an overlay is: the VTEPs of the VXLAN device's FDB. */
function overlayHost(w: Walker, vx: LinkRes): string {
  const fdb = w.world.fdb.filter((f) => f.dev === vx.ifname && f.dst && f.mac !== '00:00:00:00:00:00');
  return fdb.length ? `host ${[...new Set(fdb.map((f) => f.dst))].join(' or ')}` : 'another host';
}

/** Forward through bridge `br` of namespace `v` from port `ingress` (undefined: sent by the namespace itself). */
function viaBridge(w: Walker, v: NsView, br: string, ingress: string | undefined, nexthop: string, pkt: Packet): Next {
  if (isLocalAddr(v, nexthop)) {
    w.hops.push({ kind: 'bridge', ns: v.name, text: `bridge ${br} in ${v.name}: ${nexthop} is ${v.name}'s own address` });
    return { kind: 'next', ns: v.name, iif: br };
  }
  const ports = v.links.filter((l) => l.master === br);
  for (const p of ports) {
    if (p.type === 'veth' && p.peer && owns(w, p.peer.ns, nexthop)) {
      if (ingress !== undefined) {
        if (p.ifname === ingress && !p.hairpin) {
          w.hops.push({
            kind: 'bridge',
            ns: v.name,
            text: `bridge ${br}: ${nexthop} is behind the port the frame came in by (${p.ifname}) and hairpin is off`,
            outcome: 'drop',
          });
          return stop('unreachable', `hairpin off on ${p.ifname}`);
        }
        w.hops.push({ kind: 'bridge', ns: v.name, text: `bridge ${br} in ${v.name}: ${ingress} → ${p.ifname}` });
        if (w.world.hostSysctls.get('net.bridge.bridge-nf-call-iptables') === '1' && v.name === 'host') {
          const s = w.bridged(v, br, pkt);
          if (s && s.kind !== 'delivered') return s;
        }
      } else w.hops.push({ kind: 'bridge', ns: v.name, text: `bridge ${br} in ${v.name}: out by ${p.ifname}` });
      return { kind: 'next', ns: p.peer.ns, iif: p.peer.ifname };
    }
  }
  const vx = ports.find((p) => p.type === 'vxlan');
  if (vx) return leave(w, v, vx.ifname, nexthop, `through ${vx.ifname} (VXLAN ${vx.vxlan?.vni ?? ''}) to ${overlayHost(w, vx)}`);
  const wire = ports.find((p) => p.type === 'other');
  if (wire) return leave(w, v, wire.ifname, nexthop, `by bridge port ${wire.ifname}`);
  w.hops.push({ kind: 'bridge', ns: v.name, text: `bridge ${br} in ${v.name}: no port leads to ${nexthop}`, outcome: 'drop' });
  return stop('unreachable', `nothing on ${br} has ${nexthop}`);
}

/** The wire side of a veth/physical device `dev` of namespace `v` (macvlan children of it answer first). */
function overWire(w: Walker, v: NsView, link: LinkRes, nexthop: string, pkt: Packet, except?: LinkRes): Next {
  const child = v.name === 'host' ? macvlanChild(w, link.ifname, nexthop, except) : undefined;
  if (child && except) {
    w.hops.push({ kind: 'link', ns: v.name, text: `macvlan ${except.ifname} → ${child.ns}/${child.ifname} (same parent ${link.ifname})` });
    return { kind: 'next', ns: child.ns, iif: child.ifname };
  }
  if (link.type !== 'veth') return leave(w, v, link.ifname, nexthop, `by ${link.ifname}`);
  // a veth whose other end is in no observed namespace: another machine's cable
  if (!link.peer) return leave(w, v, link.ifname, nexthop, `by ${link.ifname} (its peer is in no observed namespace)`);
  const pv = w.world.namespaces.get(link.peer.ns);
  const pl = pv?.links.find((l) => l.ifname === link.peer!.ifname);
  if (!pv || !pl) return stop('unknown', `namespace ${link.peer.ns} was not observed`);
  if (pl.master) {
    w.hops.push({ kind: 'link', ns: v.name, text: `veth ${link.ifname} → ${pv.name}/${pl.ifname} (port of ${pl.master})` });
    return viaBridge(w, pv, pl.master, pl.ifname, nexthop, pkt);
  }
  const behind = pv.name === 'host' ? macvlanChild(w, pl.ifname, nexthop) : undefined;
  if (behind) {
    w.hops.push({ kind: 'link', ns: v.name, text: `veth ${link.ifname} → ${pv.name}/${pl.ifname} → macvlan ${behind.ns}/${behind.ifname}` });
    return { kind: 'next', ns: behind.ns, iif: behind.ifname };
  }
  if (!isLocalAddr(pv, nexthop)) {
    w.hops.push({ kind: 'link', ns: v.name, text: `veth ${link.ifname} → ${pv.name}/${pl.ifname}: nothing there answers for ${nexthop}`, outcome: 'drop' });
    return stop('unreachable', `no one answers for ${nexthop} behind ${link.ifname}`);
  }
  w.hops.push({ kind: 'link', ns: v.name, text: `veth ${link.ifname} → ${pv.name}/${pl.ifname}` });
  return { kind: 'next', ns: pv.name, iif: pl.ifname };
}

export function transmit(w: Walker, v: NsView, dev: string, nexthop: string, pkt: Packet, _local: boolean): Next {
  const link = v.links.find((l) => l.ifname === dev);
  if (!link) return stop('unknown', `device ${dev} in ${v.name} was not observed`);
  switch (link.type) {
    case 'bridge':
      return viaBridge(w, v, dev, undefined, nexthop, pkt);
    case 'veth':
      return overWire(w, v, link, nexthop, pkt);
    case 'macvlan': {
      const parentName = link.macvlan?.parent ?? '';
      const host = w.world.namespaces.get('host');
      const parent = host?.links.find((l) => l.ifname === parentName);
      if (!host || !parent) return stop('unknown', `the parent of macvlan ${dev} in ${v.name} was not found`);
      const sib = macvlanChild(w, parentName, nexthop, link);
      if (sib && link.macvlan?.mode !== 'bridge') return stop('unknown', `macvlan mode ${link.macvlan?.mode} between siblings is not evaluated`);
      if (!sib && isLocalAddr(host, nexthop)) {
        w.hops.push({ kind: 'link', ns: v.name, text: `macvlan ${dev} cannot reach the host through its parent ${parentName}`, outcome: 'drop' });
        return stop('unreachable', 'a macvlan device does not reach its parent host');
      }
      return overWire(w, host, parent, nexthop, pkt, link);
    }
    case 'vxlan':
      return leave(w, v, dev, nexthop, `through ${dev} (VXLAN)`);
    case 'dummy':
      w.hops.push({ kind: 'link', ns: v.name, text: `dummy device ${dev} discards the packet`, outcome: 'drop' });
      return stop('unreachable', `${dev} is a dummy device`);
    case 'loopback':
      return stop('unknown', `routed out of lo in ${v.name}`);
    default:
      return leave(w, v, dev, nexthop, `by ${dev}`);
  }
}

/** The macvlan device on host device `parent` whose namespace has `ip`, if any. */
export function macvlanOwner(world: World, parent: string, ip: string): LinkRes | undefined {
  for (const v of world.namespaces.values()) for (const l of v.links) if (l.type === 'macvlan' && l.macvlan?.parent === parent && isLocalAddr(v, ip)) return l;
  return undefined;
}
