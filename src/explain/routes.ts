// Route lookup in one namespace: local addresses first (the local table, derived
// from the addresses and lo's 127.0.0.0/8), then the main table by longest prefix
// and lowest metric. Policy routing rules are not read (the main table is assumed).
// Pure.

import { cidr4, inCidr, ip4, isLoopback4 } from './ipv4.js';
import type { NsView, RouteEntry } from './types.js';
import type { IpRoute } from '../observe/ip-json.js';
import { isOwnedRouteProtocol } from '../model/marks.js';

export type Lookup =
  | { kind: 'local' }
  | { kind: 'unicast'; route: RouteEntry; dev: string; nexthop: string }
  | { kind: 'none' }
  | { kind: 'reject'; route: RouteEntry }
  | { kind: 'unknown'; route: RouteEntry; why: string };

export function isLocalAddr(ns: NsView, ip: string): boolean {
  const lo = ns.links.find((l) => l.ifname === 'lo');
  if (isLoopback4(ip)) return lo?.up !== false;
  return ns.addrs.some((a) => a.ip === ip);
}

/** A route as `ip route` prints it. */
export function routeText(r: RouteEntry): string {
  const dst = r.dst === '0.0.0.0/0' ? 'default' : r.dst.endsWith('/32') ? r.dst.slice(0, -3) : r.dst;
  const type = r.type === 'unicast' ? '' : `${r.type} `;
  return `${type}${dst}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}${r.prefsrc ? ` src ${r.prefsrc}` : ''}${r.metric ? ` metric ${r.metric}` : ''}`;
}

export function lookupRoute(ns: NsView, dst: string): Lookup {
  if (isLocalAddr(ns, dst)) return { kind: 'local' };
  let best: RouteEntry | undefined;
  let bestLen = -1;
  for (const r of ns.routes) {
    if (!inCidr(dst, r.dst)) continue;
    const len = cidr4(r.dst)?.len ?? -1;
    if (len > bestLen || (len === bestLen && best && r.metric < best.metric)) {
      best = r;
      bestLen = len;
    }
  }
  if (!best) return { kind: 'none' };
  if (best.type !== 'unicast') return { kind: 'reject', route: best };
  if (best.multipath) return { kind: 'unknown', route: best, why: 'multipath routes are not evaluated' };
  const dev = best.dev ?? (best.via ? connectedDev(ns, best.via) : undefined);
  if (!dev) return { kind: 'unknown', route: best, why: `no device for next hop ${best.via ?? '?'}` };
  const link = ns.links.find((l) => l.ifname === dev);
  if (link && !link.up) return { kind: 'reject', route: best };
  return { kind: 'unicast', route: best, dev, nexthop: best.via ?? dst };
}

function connectedDev(ns: NsView, ip: string): string | undefined {
  return ns.routes.find((r) => r.dev && !r.via && inCidr(ip, r.dst))?.dev;
}

/** The source address a namespace picks for a packet out of `dev` toward `nexthop`. */
export function sourceFor(ns: NsView, dev: string, nexthop: string, prefsrc?: string): string | undefined {
  if (prefsrc) return prefsrc;
  const on = ns.addrs.filter((a) => a.ifname === dev && ip4(a.ip) !== undefined);
  const same = on.find((a) => inCidr(nexthop, `${a.ip}/${a.prefix}`));
  return (same ?? on[0] ?? ns.addrs.find((a) => a.ifname !== 'lo' && ip4(a.ip) !== undefined) ?? ns.addrs.find((a) => ip4(a.ip) !== undefined))?.ip;
}

/** `ip -j -N route show table main` → IPv4 route entries. */
export function parseRouteEntries(raw: IpRoute[]): RouteEntry[] {
  const out: RouteEntry[] = [];
  for (const r of raw as (IpRoute & { prefsrc?: string; nexthops?: unknown[] })[]) {
    if (r.table !== undefined && r.table !== 'main' && r.table !== '254') continue;
    const dst = r.dst === 'default' ? '0.0.0.0/0' : r.dst && !r.dst.includes('/') ? `${r.dst}/32` : r.dst;
    if (!dst || !cidr4(dst)) continue;
    const type =
      r.type === undefined || r.type === '1'
        ? 'unicast'
        : (({ '6': 'blackhole', '7': 'unreachable', '8': 'prohibit' } as Record<string, string>)[r.type] ?? r.type);
    const via = r.gateway ?? r.via?.host;
    out.push({
      dst,
      ...(via ? { via } : {}),
      ...(r.dev ? { dev: r.dev } : {}),
      metric: r.metric ?? 0,
      type,
      ...(r.prefsrc ? { prefsrc: r.prefsrc } : {}),
      ...(r.nexthops ? { multipath: true } : {}),
      owned: isOwnedRouteProtocol(r.protocol),
    });
  }
  return out;
}
