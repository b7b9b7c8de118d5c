// Turning on IPv6 forwarding makes the kernel ignore router advertisements on every
// interface whose accept_ra is not 2 — and a host that takes its IPv6 default route
// from RAs loses it when the route's lifetime runs out (or at once, on the next RA).
// netkeeper refuses to do that to a host, naming the interface and the fix. Pure.

import { HOST_NS } from '../model/resources.js';
import type { Change } from '../model/plan.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { DefaultRoute } from '../model/observed-host.js';

export const IPV6_FORWARDING = 'net.ipv6.conf.all.forwarding';

export type { DefaultRoute } from '../model/observed-host.js';

/** The change that turns IPv6 forwarding on in the host namespace, if the plan has one. */
export function turnsOnIpv6Forwarding(changes: readonly Change[]): Change | undefined {
  return changes.find(
    (c) =>
      c.after?.kind === 'sysctl' &&
      c.after.ns === HOST_NS &&
      c.after.name === IPV6_FORWARDING &&
      c.after.value === '1' &&
      !(c.before?.kind === 'sysctl' && c.before.value === '1'),
  );
}

/** Interfaces whose default route comes from router advertisements (proto ra, 9). */
export function raRouteDevices(routes: readonly DefaultRoute[]): string[] {
  const devs = new Set<string>();
  for (const r of routes) {
    if (r.protocol !== 'ra' && r.protocol !== 9 && r.protocol !== '9') continue;
    if (r.dev) devs.add(r.dev);
    for (const n of r.nexthops ?? []) if (n.dev) devs.add(n.dev);
  }
  return [...devs].sort();
}

/** A conflict for each interface that would lose its RA-learned default route (accept_ra not 2). */
export function raConflicts(routes: readonly DefaultRoute[], acceptRa: ReadonlyMap<string, string | undefined>): Diagnostic[] {
  return raRouteDevices(routes)
    .filter((dev) => acceptRa.get(dev) !== '2')
    .map((dev) => ({
      code: 'ipv6-forwarding-drops-ra-route',
      object: `sysctl ${IPV6_FORWARDING}`,
      message:
        `the host's IPv6 default route on ${dev} comes from router advertisements, which the kernel ignores once ` +
        `forwarding is on (accept_ra is ${acceptRa.get(dev) ?? 'unknown'}): the host would lose that route. ` +
        `Run \`sysctl -w net.ipv6.conf.${dev}.accept_ra=2\` (and keep it in /etc/sysctl.d/), then run netkeeper again`,
    }));
}
