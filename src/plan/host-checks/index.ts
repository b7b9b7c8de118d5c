// Checks of the live host before anything changes (pure): what the kernel would
// refuse half-way, or what a change would silently break on the host. Each finding
// is a conflict without keys, so the whole pass is refused and nothing applied; `plan`
// shows them like every conflict (file:line of the declaration, the live object).
//
//   ports-in-use   a new published port that a host process listens on
//   bridge-ports   a bridge over 1023 ports with the interfaces attached by hand
//   mtu            a declared MTU the underlay (overlay) or parent (macvlan) cannot carry
//   vxlan          an overlay's VNI or UDP port taken by a foreign device or a process
//
// (a macvlan parent missing or down: ../macvlan.ts; addresses the host holds are
// never handed out: ../topology/addresses.ts)

import type { Config } from '../../model/config.js';
import type { ObservedHost } from '../../model/observed-host.js';
import type { Conflict, Desired, Observed } from '../../model/plan.js';
import type { Topology } from '../../model/topology.js';
import { bridgePortsFull } from './bridge-ports.js';
import { mtuTooBig } from './mtu.js';
import { portsInUse } from './ports-in-use.js';
import { vxlanInUse } from './vxlan.js';

export function hostChecks(config: Config, topo: Topology, desired: Desired, observed: Observed, host: Pick<ObservedHost, 'listeners'>): Conflict[] {
  const listeners = host.listeners ?? [];
  return [
    ...portsInUse(config, topo, observed.resources.values(), listeners),
    ...bridgePortsFull(topo, desired, observed),
    ...mtuTooBig(config, topo, observed),
    ...vxlanInUse(topo, desired, observed, listeners),
  ];
}
