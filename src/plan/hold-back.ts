// A conflict blocks only what it touches. Pure.
//
// diff names the objects it cannot bring to their declared state — an unowned
// interface, namespace or file in the way, an adopted namespace that is gone — as
// conflicts (errors) or warnings with the keys they are about. holdBack takes those
// objects, and every change that depends on them, out of the plan; the rest of the
// host (other containers, the firewall and its isolation rules) is applied as usual.
//
// What depends on what (the same rules over desired and observed objects):
// - a namespace: everything in it (interfaces, addresses, routes, sysctls, its
//   /etc/netns files, a router's chains), the other end of every veth into it, and
//   the names bound to it (mode container:);
// - an interface: its addresses, neighbour and FDB entries, the routes through it
//   (by dev, or by a gateway inside one of its held addresses), its own sysctls
//   (net.ipv4.conf.<if>.*), the other end of its veth, and the ports of a bridge;
// - a chain: the jumps into it.
// A file, sysctl, address or route holds back only itself.

import type { Conflict, Plan } from '../model/plan.js';
import { HOST_NS, key, type Resource } from '../model/resources.js';
import { vethPeer } from '../model/marks.js';
import { cidrContains, parseCidr, parseIP, type Cidr } from '../model/ip.js';

/** The veth peer of a link: declared, or from its kernel alias mark (nk:veth:NS/IF). */
function peerOf(r: Resource): { ns: string; ifname: string } | undefined {
  return r.kind === 'link' ? vethPeer(r) : undefined;
}

/** net.ipv4.conf.<if>.<key> (and ipv6, neigh): the interface it belongs to. */
function sysctlIfname(name: string): string | undefined {
  const m = /^net\.ipv[46]\.(?:conf|neigh)\.(.+)\.[^.]+$/.exec(name);
  return m && m[1] !== 'all' && m[1] !== 'default' ? m[1] : undefined;
}

/** The chain a rule jumps (or goes) to. */
function jumpTarget(rule: string): string | undefined {
  return /(?:^|\s)-[jg]\s+(\S+)/.exec(rule)?.[1];
}

function dependsOnHeld(r: Resource, held: ReadonlySet<string>, heldAddrs: ReadonlyMap<string, Cidr[]>): boolean {
  if (r.kind !== 'netns' && r.ns !== HOST_NS && held.has(key.netns(r.ns))) return true;
  const linkHeld = (ns: string, ifname: string | undefined) => ifname !== undefined && held.has(key.link(ns, ifname));
  switch (r.kind) {
    case 'netns':
      return r.sharedWith !== undefined && held.has(key.netns(r.sharedWith));
    case 'link': {
      const p = peerOf(r);
      if (p && (linkHeld(p.ns, p.ifname) || (p.ns !== HOST_NS && held.has(key.netns(p.ns))))) return true;
      return typeof r.master === 'string' && linkHeld(r.ns, r.master);
    }
    case 'addr':
      return linkHeld(r.ns, r.ifname);
    case 'neigh':
    case 'fdb':
      return linkHeld(r.ns, r.dev);
    case 'route': {
      if (r.dev !== undefined) return linkHeld(r.ns, r.dev);
      const via = r.via ? parseIP(r.via) : undefined;
      return via !== undefined && (heldAddrs.get(r.ns) ?? []).some((c) => cidrContains(c, via));
    }
    case 'sysctl':
      return linkHeld(r.ns, sysctlIfname(r.name));
    case 'hook': {
      const target = jumpTarget(r.rule);
      return target !== undefined && held.has(key.chain(r.ns, r.family, r.table, target));
    }
    default:
      return false;
  }
}

/** `roots` and every key among `resources` that depends on them, directly or not. */
export function dependents(roots: Iterable<string>, resources: Iterable<Resource>): Set<string> {
  const held = new Set(roots);
  const all = [...resources];
  const heldAddrs = new Map<string, Cidr[]>();
  const noteAddr = (r: Resource) => {
    if (r.kind !== 'addr') return;
    const c = parseCidr(r.cidr);
    if (c) heldAddrs.set(r.ns, [...(heldAddrs.get(r.ns) ?? []), c]);
  };
  for (const r of all) if (held.has(r.key)) noteAddr(r);
  let grew = held.size > 0;
  while (grew) {
    grew = false;
    for (const r of all) {
      if (held.has(r.key) || !dependsOnHeld(r, held, heldAddrs)) continue;
      held.add(r.key);
      noteAddr(r);
      grew = true;
    }
  }
  return held;
}

/**
 * Take out of the plan every change a conflict or warning with `keys` holds back,
 * recording them in its `heldBack`. `resources`: the desired and observed objects
 * (dependencies are found among them). A conflict without `keys` holds back nothing
 * here: it blocks the whole plan (the caller applies nothing).
 */
export function holdBack(plan: Plan, resources: Iterable<Resource>): Plan {
  const todo = [...plan.conflicts, ...(plan.warnings ?? [])].some((c) => c.keys && c.heldBack === undefined);
  if (!todo) return plan;
  const all = [...resources, ...plan.changes.flatMap((c) => [c.before, c.after].filter((r): r is Resource => r !== undefined))];
  const removed = new Set<string>();
  const hold = (c: Conflict): Conflict => {
    if (!c.keys || c.heldBack !== undefined) return c;
    const held = dependents(c.keys, all);
    const heldBack = plan.changes.filter((ch) => held.has(ch.key)).map((ch) => ch.key);
    for (const k of heldBack) removed.add(k);
    return { ...c, heldBack };
  };
  const conflicts = plan.conflicts.map(hold);
  const warnings = plan.warnings?.map(hold);
  return {
    changes: plan.changes.filter((c) => !removed.has(c.key)),
    conflicts,
    ...(warnings ? { warnings } : {}),
  };
}

/** Whether the plan may be applied (what its conflicts hold back left out): no conflict blocks it whole. */
export function blocksAll(plan: Plan): boolean {
  return plan.conflicts.some((c) => !c.keys);
}
