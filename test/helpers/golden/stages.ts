// The pure stages of one pass, as src/shell/pass.ts runs them between observe and
// apply: files → Config → Topology → Desired → Plan (diff, hold-back, warnings) →
// Program (ip/bridge batches, files, sysctls) and the iptables-restore inputs.
// Used by the golden scenarios and by the fake-kernel converge helper.

import { parseConfig, type SourceFile } from '../../../src/config/index.js';
import type { Config } from '../../../src/model/config.js';
import type { Diagnostic } from '../../../src/model/diagnostic.js';
import { changeSubject, type Desired, type Observed, type Plan } from '../../../src/model/plan.js';
import type { Topology } from '../../../src/model/topology.js';
import { buildTopology } from '../../../src/plan/topology/index.js';
import { routeProblems } from '../../../src/plan/route-check.js';
import { buildDesired } from '../../../src/plan/desired.js';
import { buildFirewall, renderIptables, type IptablesBatch } from '../../../src/plan/firewall.js';
import { buildOverlay } from '../../../src/plan/overlay.js';
import { diff } from '../../../src/plan/diff.js';
import { holdBack } from '../../../src/plan/hold-back.js';
import { macvlanConflicts } from '../../../src/plan/macvlan.js';
import { foreignChainWarnings } from '../../../src/plan/firewall-foreign.js';
import { render, type Program } from '../../../src/plan/render.js';

export interface Stages {
  config: Config;
  topo: Topology;
  desired: Desired;
  plan: Plan;
  program: Program;
  iptables: IptablesBatch[];
}

export function parseFiles(files: SourceFile[]): Config {
  const r = parseConfig(files);
  if (!r.ok) throw new Error(`invalid files: ${r.errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`);
  return r.value;
}

/**
 * `beforeDiff`: what the shell adds to Observed once Desired is known (the pass reads
 * the host sysctls Desired names from /proc/sys).
 */
export function planStages(
  config: Config,
  observed: Observed,
  host: string,
  opts: { destroy?: boolean; beforeDiff?: (d: Desired, o: Observed) => void } = {},
): Stages | { errors: Diagnostic[] } {
  const t = buildTopology(config, observed, host);
  if (!t.ok) return { errors: t.errors };
  const topo = t.value;
  const unreachable = opts.destroy ? [] : routeProblems(config, topo);
  if (unreachable.length) return { errors: unreachable };
  const desired: Desired = opts.destroy ? { resources: new Map() } : buildDesired(topo, observed.facts.resolvConf, [buildFirewall, buildOverlay]);
  opts.beforeDiff?.(desired, observed);
  let plan = diff(desired, observed, { prune: opts.destroy ? true : topo.settings.prune });
  if (!opts.destroy) plan = holdBack({ ...plan, conflicts: [...plan.conflicts, ...macvlanConflicts(topo, observed)] }, [...desired.resources.values(), ...observed.resources.values()]);
  const foreign = foreignChainWarnings(observed.resources.values());
  if (foreign.length) plan.warnings = [...(plan.warnings ?? []), ...foreign];
  const program = render(plan.changes, [...observed.resources.values(), ...desired.resources.values()]);
  const iptables = renderIptables(plan.changes.filter((c) => ['chain', 'hook'].includes(changeSubject(c).kind)));
  return { config, topo, desired, plan, program, iptables };
}
