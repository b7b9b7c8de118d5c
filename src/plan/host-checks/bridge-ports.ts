// A Linux bridge takes at most 1023 ports. `validate` counts the ports the files
// give a network's bridge; here the interfaces someone attached to it by hand (which
// netkeeper leaves alone) count too, so the pass is refused before the kernel
// refuses it half-way. Pure.

import type { Conflict } from '../../model/plan.js';
import type { Desired, Observed } from '../../model/plan.js';
import { MAX_BRIDGE_PORTS } from '../../model/defaults.js';
import { HOST_NS } from '../../model/resources.js';
import type { Topology } from '../../model/topology.js';

const LIST_MAX = 5;

export function bridgePortsFull(topo: Topology, desired: Desired, observed: Observed): Conflict[] {
  const out: Conflict[] = [];
  for (const n of topo.networks) {
    if (!n.bridge) continue;
    let ports = 0;
    for (const r of desired.resources.values()) if (r.kind === 'link' && r.ns === HOST_NS && r.master === n.bridge) ports++;
    if (ports === 0) continue;
    const foreign: string[] = [];
    for (const r of observed.resources.values())
      if (r.kind === 'link' && r.ns === HOST_NS && !r.owned && r.master === n.bridge && !desired.resources.has(r.key)) foreign.push(r.ifname);
    if (ports + foreign.length <= MAX_BRIDGE_PORTS) continue;
    const shown = foreign.slice(0, LIST_MAX).join(', ') + (foreign.length > LIST_MAX ? ` and ${foreign.length - LIST_MAX} more` : '');
    out.push({
      code: 'bridge-ports-full',
      object: `Network ${n.name}`,
      message:
        `bridge ${n.bridge} would have ${ports + foreign.length} ports and a Linux bridge takes at most ${MAX_BRIDGE_PORTS}: ` +
        `${ports} from the files and ${foreign.length} attached by hand (${shown}); detach those or spread the containers over more networks`,
      ...(n.pos ? { pos: n.pos } : {}),
    });
  }
  return out;
}
