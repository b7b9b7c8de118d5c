// The order a plan runs in: deletions before creations, by kind (hooks before chains,
// routes before addresses before links before namespaces when removed; the reverse
// when made), bridges before their ports, and routes by the gateways they stand on. Pure.

import { changeSubject, type Change } from '../model/plan.js';
import { routeDepths } from './route-order.js';

const PHASE_DELETE: Record<string, number> = { hook: 1, chain: 2, route: 3, neigh: 4, fdb: 4, addr: 5, link: 6, netns: 8, file: 9 };
const PHASE_CREATE: Record<string, number> = {
  netns: 20,
  link: 21,
  addr: 25,
  route: 26,
  neigh: 27,
  fdb: 27,
  sysctl: 28,
  chain: 29,
  hook: 30,
  file: 31,
};
const LINK_ORDER: Record<string, number> = { bridge: 0, vxlan: 1, macvlan: 2, veth: 2, loopback: 3 };

function phase(c: Change): number {
  const r = changeSubject(c);
  if (c.action === 'delete') return PHASE_DELETE[r.kind] * 10 + (r.kind === 'link' ? 3 - (LINK_ORDER[r.type] ?? 2) : 0);
  return PHASE_CREATE[r.kind] * 10 + (r.kind === 'link' ? (LINK_ORDER[r.type] ?? 2) : 0);
}

/** Changes in the order they are applied (sorted in place). */
export function orderChanges(changes: Change[]): Change[] {
  // routes within a phase: those a gateway stands on first when made, last when removed (route-order.ts)
  const depth = routeDepths(changes);
  const dep = (c: Change) => (c.action === 'delete' ? -1 : 1) * (depth.get(c) ?? 0);
  return changes.sort((a, b) => phase(a) - phase(b) || dep(a) - dep(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
