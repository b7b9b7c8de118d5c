// Rules of a routed overlay (Network `fabric: routed`, src/plan/overlay-routed.ts). Pure.
//
// The network's one IPv4 subnet is split into per-host subnets of `hostSubnetSize`
// (each host claims one in the store); every host's bridge takes the first address
// of its own, so a gateway or ipRange written for the whole subnet means nothing.

import { NETWORK_DEFAULTS } from '../model/defaults.js';
import { parseCidr } from '../model/ip.js';
import type { RuleCtx } from './rules-context.js';

export function checkFabric(ctx: RuleCtx): void {
  for (const n of ctx.networkList) {
    const wrong = (field: string, what: string) =>
      ctx.error(
        'driver-field',
        n,
        ctx.pos(n, field),
        `"${field}" applies only to ${what}, and this one is ${n.driver === 'overlay' ? `fabric ${n.fabric ?? 'l2'}` : n.driver}`,
      );
    if (n.driver !== 'overlay' && n.fabric !== undefined) wrong('fabric', 'overlay networks');
    if (n.fabric !== 'routed') {
      if (n.hostSubnetSize !== undefined && n.driver === 'overlay') wrong('hostSubnetSize', 'routed overlays (fabric: routed)');
      else if (n.hostSubnetSize !== undefined) wrong('hostSubnetSize', 'routed overlays (driver: overlay, fabric: routed)');
      continue;
    }
    if (n.driver !== 'overlay') continue;
    const size = n.hostSubnetSize ?? NETWORK_DEFAULTS.hostSubnetSize;
    const subs = n.subnets ?? [];
    const bad = (at: ReturnType<RuleCtx['pos']>, why: string) => ctx.error('routed-subnet', n, at, `a routed overlay ${why}`);
    if (subs.length !== 1) {
      bad(ctx.pos(n, subs.length ? 'subnets' : 'fabric'), `needs exactly one IPv4 subnet (it is split into per-host /${size} subnets); it has ${subs.length}`);
      continue;
    }
    const s = subs[0];
    const c = parseCidr(s.subnet);
    if (!c) continue; // (invalid-subnet says so)
    if (c.family !== 4) bad(ctx.pos(s, 'subnet'), `is IPv4 only for now: ${s.subnet} is IPv6`);
    else if (c.prefix >= size)
      bad(ctx.pos(s, 'subnet'), `splits its subnet into per-host /${size} subnets: ${s.subnet} must be larger (a shorter prefix) than /${size}`);
    if (s.gateway !== undefined) bad(ctx.pos(s, 'gateway'), `takes no gateway: every host's bridge holds the first address of its own subnet`);
    if (s.ipRange !== undefined) bad(ctx.pos(s, 'ipRange'), `takes no ipRange: each host hands out addresses from its own subnet`);
  }
}
