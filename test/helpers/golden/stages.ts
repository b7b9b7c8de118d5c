// The pure stages of one pass, as src/shell/pass.ts runs them between observe and
// apply: Config and ObservedHost → plan (src/plan/index.ts) → Program (src/render/).
// Used by the golden scenarios.

import { parseConfig, type SourceFile } from '../../../src/config/index.js';
import type { Config } from '../../../src/model/config.js';
import type { Diagnostic } from '../../../src/model/diagnostic.js';
import type { Desired, Observed, Plan } from '../../../src/model/plan.js';
import type { ObservedHost } from '../../../src/model/observed-host.js';
import type { Topology } from '../../../src/model/topology.js';
import { planPass } from '../../../src/plan/index.js';
import { render, type Program } from '../../../src/render/index.js';

export interface Stages {
  config: Config;
  topo: Topology;
  desired: Desired;
  /** what was observed, with the host sysctls the desired state names */
  observed: Observed;
  plan: Plan;
  program: Program;
}

export function parseFiles(files: SourceFile[]): Config {
  const r = parseConfig(files);
  if (!r.ok) throw new Error(`invalid files: ${r.errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`);
  return r.value;
}

/** An ObservedHost of only the kernel's resources (no adopted namespaces, no RA facts; host sysctls already in `observed`). */
export function hostOf(observed: Observed): ObservedHost {
  return { observed, hostSysctls: new Map(), identity: { adopted: new Map(), named: new Map() } };
}

export function planStages(config: Config, host: ObservedHost, self: string, opts: { destroy?: boolean } = {}): Stages | { errors: Diagnostic[] } {
  const r = planPass(config, host, { host: self, ...(opts.destroy ? { destroy: true } : {}) });
  if (!r.ok) return { errors: r.errors };
  const program = render(r.plan.changes, [...r.observed.resources.values(), ...r.desired.resources.values()]);
  return { config, topo: r.topo, desired: r.desired, observed: r.observed, plan: r.plan, program };
}
