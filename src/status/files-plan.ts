// What the files make of the kernel now, for drift: the same pure stages a pass
// runs (buildTopology → buildDesired with the firewall and overlay parts →
// diff; see src/plan/index.ts planPass()). Pure; the caller observes, and reads
// the host sysctls the desired state names between the two steps, as a pass does.

import type { Config } from '../model/config.js';
import type { Desired, Observed, Plan } from '../model/plan.js';
import type { Topology } from '../model/topology.js';
import { buildTopology } from '../plan/topology/index.js';
import { buildDesired } from '../plan/desired.js';
import { diff } from '../plan/diff.js';
import { selfHostErrors } from '../config/self-host.js';

export type FilesDesired = { ok: true; topo: Topology; desired: Desired } | { ok: false; problem: string };

export function filesDesired(config: Config, observed: Observed, self: string): FilesDesired {
  const hostErrors = selfHostErrors(config.hosts, self);
  const topo = hostErrors.length ? undefined : buildTopology(config, observed, self);
  if (!topo?.ok) {
    const e = hostErrors[0] ?? (topo && !topo.ok ? topo.errors[0] : undefined);
    return { ok: false, problem: e ? e.message : 'the files cannot be applied here' };
  }
  return { ok: true, topo: topo.value, desired: buildDesired(topo.value, observed.facts.resolvConf, { firewall: true, overlay: true }) };
}

/** The changes a pass would make (prune as the files say): each one is drift. */
export function driftPlan(topo: Topology, desired: Desired, observed: Observed): Plan {
  return diff(desired, observed, { prune: topo.settings.prune });
}
