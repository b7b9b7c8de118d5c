// A routed overlay's part of the topology (Network `fabric: routed`): this host's
// VTEP and the other hosts' subnets, from what the store merge put on the spec
// (src/plan/fleet-routed.ts). Without a store there is no per-host subnet to use.

import type { NetworkSpec } from '../../model/config.js';
import { formatIP, parseCidr } from '../../model/ip.js';
import type { TNetwork } from '../../model/topology.js';
import { declaredAt, err, netObj, type Ctx } from './context.js';

const networkAddress = (cidr: string) => {
  const c = parseCidr(cidr)!;
  return formatIP(c.family, c.network);
};

export function routedOf(ctx: Ctx, s: NetworkSpec, t: TNetwork): void {
  const f = s.routedFleet;
  if (!f?.self) {
    err(
      ctx,
      'routed-needs-store',
      netObj(s.name),
      f
        ? `routed overlay ${s.name}: this host holds no subnet of ${f.supernet} in the store yet`
        : `routed overlay ${s.name} (fabric: routed): each host claims its subnet in the fleet store, and no store is configured (Settings.store or --store)`,
      declaredAt(s),
    );
    return;
  }
  t.routed = {
    supernet: f.supernet,
    vtep: networkAddress(f.self.subnet),
    vtepMac: f.self.vtepMac,
    peers: f.peers.map((p) => ({ host: p.host, subnet: p.subnet, vtep: networkAddress(p.subnet), vtepMac: p.vtepMac, underlay: p.underlay })),
  };
}
