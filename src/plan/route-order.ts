// Routes in dependency order within each namespace (pure). The kernel takes a route
// `via` a gateway only when a route already reaches that gateway directly ("Nexthop
// has invalid gateway" otherwise): a route via a Link's /32 peer needs the peer
// route first, a route via a neighbour reached by a declared `dev` route needs that
// route first. Sorting by key alone put "10.0.0.0/8 via 10.1.1.2" before
// "10.1.1.2/32 dev p0", and such a router converged only on a second pass.

import type { Change } from '../model/plan.js';
import type { RouteRes } from '../model/resources.js';
import { cidrContains, type Cidr, parseCidrOrHost, parseIP } from '../model/ip.js';

function dstCidr(r: RouteRes): Cidr | undefined {
  if (r.dst === 'default') return parseCidrOrHost('0.0.0.0/0');
  if (r.dst === 'default6') return parseCidrOrHost('::/0');
  return parseCidrOrHost(r.dst);
}

/**
 * For each route change, how many routes of the same change set (same namespace,
 * same direction: made, or removed) it stands on: 0 for a route without `via`, else
 * one more than the deepest route of the set whose destination holds its gateway.
 * Made routes go in increasing depth, removed ones in decreasing depth.
 */
export function routeDepths(changes: Change[]): Map<Change, number> {
  const out = new Map<Change, number>();
  const groups = new Map<string, { c: Change; r: RouteRes; dst?: Cidr }[]>();
  for (const c of changes) {
    const r = c.action === 'delete' ? c.before : c.after;
    if (r?.kind !== 'route') continue;
    const g = `${c.action === 'delete' ? '-' : '+'}${r.ns}`;
    const list = groups.get(g) ?? groups.set(g, []).get(g)!;
    list.push({ c, r, dst: dstCidr(r) });
  }
  for (const list of groups.values()) {
    const depth = new Map<Change, number>();
    const visiting = new Set<Change>();
    const walk = (e: (typeof list)[number]): number => {
      const known = depth.get(e.c);
      if (known !== undefined) return known;
      const gw = e.r.via !== undefined ? parseIP(e.r.via) : undefined;
      if (!gw || visiting.has(e.c)) return 0; // no gateway; or a cycle (the kernel would refuse one anyway)
      visiting.add(e.c);
      let d = 0;
      for (const o of list) if (o !== e && o.dst && cidrContains(o.dst, gw)) d = Math.max(d, walk(o) + 1);
      visiting.delete(e.c);
      depth.set(e.c, d);
      return d;
    };
    for (const e of list) out.set(e.c, walk(e));
  }
  return out;
}
