// Is a route's next hop reachable directly from its namespace (pure)? The kernel
// takes `ip route add X via G` only when a route without a gateway (a connected
// subnet, a /32 peer route, a `dev` route) holds G ("Nexthop has invalid gateway"
// otherwise). Shared by validate (src/config/rules-addresses.ts, from the files)
// and plan (src/plan/route-check.ts, with allocated addresses and automatic subnets).

import { type Cidr, cidrContains, type Family, formatIP, type IP } from './ip.js';
import { isLinkLocal6 } from './ip-classes.js';

/** A prefix the namespace reaches directly, and on which interface. */
export interface Onlink {
  cidr: Cidr;
  dev: string;
  /** "Network frontend", "Link a-b", "route to 10.1.1.1/32" */
  what: string;
}

/**
 * Why the kernel would refuse a route via `via` (on `dev`, when given), or
 * undefined when a prefix holds it. `unknown`: per family, interfaces whose
 * connected prefix is not known (no next hop on them can be judged).
 */
export function nextHopProblem(
  r: { to: string; dev?: string },
  via: IP,
  prefixes: Onlink[],
  unknown: Map<Family, Set<string>> = new Map(),
): string | undefined {
  if (isLinkLocal6(via)) return r.dev === undefined ? 'a link-local next hop needs "dev" (the interface it is on)' : undefined;
  const onDev = (dev: string) => r.dev === undefined || r.dev === dev;
  if ([...(unknown.get(via.family) ?? [])].some(onDev)) return undefined;
  if (prefixes.some((p) => onDev(p.dev) && cidrContains(p.cidr, via))) return undefined;
  const known = prefixes
    .filter((p) => onDev(p.dev) && p.cidr.family === via.family)
    .map((p) => `${formatIP(p.cidr.family, p.cidr.network)}/${p.cidr.prefix} (${p.what}, ${p.dev})`);
  const onWhat = r.dev !== undefined ? ` on ${r.dev}` : '';
  return (
    `the next hop is not on any network of this container${onWhat}, so the kernel refuses the route ("Nexthop has invalid gateway"); ` +
    (known.length
      ? `it reaches directly ${known.slice(0, 5).join(', ')}${known.length > 5 ? ', …' : ''}`
      : `it reaches no IPv${via.family} prefix directly${onWhat}`) +
    '; add a subnet, a Link address or a route with "dev" that holds it'
  );
}
