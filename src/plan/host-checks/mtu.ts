// A declared MTU the interface under it cannot carry: an overlay's frames get 50
// bytes of VXLAN around them on the underlay, and a macvlan device may not exceed
// its parent. Without a declared MTU netkeeper derives one that fits. Pure.

import type { Config } from '../../model/config.js';
import { VXLAN_OVERHEAD } from '../../model/defaults.js';
import type { Conflict, Observed } from '../../model/plan.js';
import type { Topology } from '../../model/topology.js';
import { underlayLink } from '../underlay.js';

export function mtuTooBig(config: Config, topo: Topology, observed: Observed): Conflict[] {
  const out: Conflict[] = [];
  const used = (name: string) => topo.containers.some((c) => c.local && c.attachments.some((a) => a.network === name));
  for (const n of config.networks) {
    if (n.mtu === undefined || !used(n.name)) continue;
    let limit: number | undefined;
    let why = '';
    if (n.driver === 'overlay') {
      const u = underlayLink(config, observed, topo.self);
      if (!u) continue;
      limit = u.mtu - VXLAN_OVERHEAD;
      why = `its underlay ${u.ifname} carries ${u.mtu} and VXLAN takes ${VXLAN_OVERHEAD} bytes of it, so at most ${limit} fits`;
    } else if (n.driver === 'macvlan' && n.parent) {
      limit = observed.facts.linkMtu[n.parent];
      why = `its parent ${n.parent} carries ${limit}, and a macvlan device may not exceed its parent`;
    }
    if (limit === undefined || n.mtu <= limit) continue;
    out.push({
      code: 'mtu-too-big',
      object: `Network ${n.name}`,
      message: `mtu ${n.mtu} does not fit: ${why}; lower mtu to ${limit} or leave it out (netkeeper then derives it)`,
      pos: n.pos,
    });
  }
  return out;
}
