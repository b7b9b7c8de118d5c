// `ip -N -j route show table all proto 77` (or `table main proto 77`) → RouteRes,
// and `ip -N -j route show table main` → the host's foreign route destinations.

import { key, type RouteRes } from '../model/resources.js';
import { isOwnedRouteProtocol } from '../model/marks.js';
import type { IpRoute } from './ip-json.js';
import type { HostRoute } from '../model/plan.js';
import { formatAddrPrefix, parseCidrOrHost } from '../model/ip.js';

const MAIN = new Set([undefined, 'main', '254']);
const UNICAST = new Set([undefined, 'unicast', '1']);

export function isIpv6Route(r: IpRoute): boolean {
  // iproute2 prints no family for routes; the kernel sends RTA_PREF only for IPv6
  // routes, so `pref` is present exactly on IPv6 ones.
  if (r.pref !== undefined) return true;
  if (r.dst && r.dst !== 'default' && r.dst.includes(':')) return true;
  return false;
}

/** dst as netkeeper keys it: 'default', 'default6', or a canonical CIDR (host routes get /32 or /128). */
export function normalizeDst(r: IpRoute): string | undefined {
  const dst = r.dst;
  if (!dst) return undefined;
  const v6 = isIpv6Route(r);
  if (dst === 'default' || dst === '0.0.0.0/0' || dst === '::/0') return v6 ? 'default6' : 'default';
  const c = parseCidrOrHost(dst);
  return c ? formatAddrPrefix(c) : dst.toLowerCase();
}

export interface RouteFilter {
  /** keep only main-table routes (default true) */
  mainOnly?: boolean;
}

/**
 * Routes netkeeper owns. Input is already filtered on `proto 77` by the kernel (so it
 * carries no `protocol` key); entries that do carry another protocol are dropped.
 * Only unicast routes of the main table are kept.
 */
export function parseRoutes(raw: IpRoute[], ns: string, filter: RouteFilter = {}): RouteRes[] {
  const out: RouteRes[] = [];
  for (const r of raw) {
    if (r.protocol !== undefined && !isOwnedRouteProtocol(r.protocol)) continue;
    if ((filter.mainOnly ?? true) && !MAIN.has(r.table)) continue;
    if (!UNICAST.has(r.type)) continue;
    const dst = normalizeDst(r);
    if (!dst) continue;
    const res: RouteRes = { kind: 'route', key: key.route(ns, dst), ns, owned: true, dst };
    const via = r.gateway ?? r.via?.host;
    if (via) res.via = via.toLowerCase();
    if (r.dev) res.dev = r.dev;
    if (r.flags?.includes('onlink')) res.onlink = true;
    out.push(res);
  }
  return out;
}

/** Routes not made by netkeeper and not on a netkeeper interface, with device and gateway (defaults left out). */
export function foreignRoutes(raw: IpRoute[], ownedIfnames: ReadonlySet<string>): HostRoute[] {
  const out = new Map<string, HostRoute>();
  for (const r of raw) {
    if (isOwnedRouteProtocol(r.protocol) || (r.dev && ownedIfnames.has(r.dev)) || !MAIN.has(r.table)) continue;
    const dst = normalizeDst(r);
    if (!dst || dst === 'default' || dst === 'default6' || out.has(dst)) continue;
    const via = r.gateway ?? r.via?.host;
    out.set(dst, { dst, ...(r.dev ? { dev: r.dev } : {}), ...(via ? { via } : {}) });
  }
  return [...out.values()];
}

/**
 * Destinations (CIDR) of routes not made by netkeeper and not on a netkeeper interface.
 * Default routes are left out: they overlap everything and say nothing about which
 * private ranges are in use.
 */
export function foreignRouteDsts(raw: IpRoute[], ownedIfnames: ReadonlySet<string>): string[] {
  const seen = new Set<string>();
  for (const r of raw) {
    if (isOwnedRouteProtocol(r.protocol)) continue;
    if (r.dev && ownedIfnames.has(r.dev)) continue;
    if (!MAIN.has(r.table)) continue;
    const dst = normalizeDst(r);
    if (!dst || dst === 'default' || dst === 'default6') continue;
    seen.add(dst);
  }
  return [...seen];
}
