// The plan stage: the files (Config) and what observe read (ObservedHost) → the
// changes that bring the kernel to the files, or why nothing may be planned. Pure.
//
//   self-host check → topology → route check → adopted-namespace check →
//   desired (core, firewall, overlay) → diff → macvlan conflicts, checks of the live
//   host (host-checks/) and hold-back →
//   foreign NK-* chain and redundant hand-written DNAT warnings → RA guard
//
// The verify of a pass plans again against the kernel as it is after apply, with
// the topology and desired state it set out to make (`target`).

import type { Config } from '../model/config.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { Desired, Observed, Plan } from '../model/plan.js';
import type { Topology } from '../model/topology.js';
import type { ObservedHost } from '../model/observed-host.js';
import { HOST_NS, toMap } from '../model/resources.js';
import { boundDiagnostics } from '../model/diagnostic-bounds.js';
import { selfHostErrors } from '../config/self-host.js';
import { buildTopology } from './topology/index.js';
import { routeProblems } from './route-check.js';
import { adoptedNetnsErrors } from './adopted-netns.js';
import { buildDesired } from './desired.js';
import { diff } from './diff.js';
import { macvlanConflicts } from './macvlan.js';
import { holdBack } from './hold-back.js';
import { hostChecks } from './host-checks/index.js';
import { foreignChainWarnings } from './firewall-foreign.js';
import { redundantForeignRules } from './redundant-rules.js';
import { adoptScope, type AdoptOptions } from './adopt.js';
import { raConflicts, turnsOnIpv6Forwarding } from './ra-guard.js';
import { desiredInputs, desiredKey, type DesiredMemo, type DesiredOutcome } from './desired-inputs.js';

export interface PlanOptions {
  /** this reconciler's Host name (default: the hostname observed) */
  host?: string;
  /** remove everything owned, whatever the files say */
  destroy?: boolean;
  /** --adopt (per-document `adopt: true` counts without it) */
  adopt?: AdoptOptions;
  /** verify: the topology and desired state the pass set out to make */
  target?: { topo: Topology; desired: Desired };
  /**
   * the watcher's memo of the desired side (desired-inputs.ts), with the key of the
   * files (`configKey`: the Config's JSON): the same files and the same inputs read
   * from the host give the topology and desired state of the pass before
   */
  memo?: { desired: DesiredMemo; configKey: string };
}

export type PlanResult =
  | {
      ok: true;
      topo: Topology;
      desired: Desired;
      /** what was observed, with the values of the host sysctls the desired state names */
      observed: Observed;
      plan: Plan;
    }
  | { ok: false; errors: Diagnostic[] };

/** `observed` with the host sysctls `desired` names that `ip netconf` does not show (observe read them). */
export function withHostSysctls(desired: Desired, observed: Observed, values: ReadonlyMap<string, string>): Observed {
  let resources = observed.resources;
  for (const d of desired.resources.values()) {
    if (d.kind !== 'sysctl' || d.ns !== HOST_NS || resources.has(d.key)) continue;
    const value = values.get(d.name);
    if (value === undefined) continue;
    if (resources === observed.resources) resources = new Map(resources);
    resources.set(d.key, { ...d, value });
  }
  return resources === observed.resources ? observed : { ...observed, resources };
}

/**
 * The topology and desired state of the files on this host, or why there are none.
 * It reads of the observed host only `desiredInputs` (desired-inputs.ts).
 */
function desiredOf(config: Config, host: ObservedHost, opts: PlanOptions): DesiredOutcome {
  const observed = desiredInputs(host.observed);
  const compute = (): DesiredOutcome => {
    const self = opts.host ?? observed.facts.hostname;
    const hostErrors = selfHostErrors(config.hosts, self);
    if (hostErrors.length) return { ok: false, errors: hostErrors };
    const topoRes = buildTopology(config, observed, self);
    if (!topoRes.ok) return { ok: false, errors: boundDiagnostics(topoRes.errors) };
    const topo = topoRes.value;
    const unreachable = opts.destroy ? [] : routeProblems(config, topo);
    if (unreachable.length > 0) return { ok: false, errors: boundDiagnostics(unreachable) };
    const nsErrors = adoptedNetnsErrors(topo, config, host.identity, observed);
    if (nsErrors.length) return { ok: false, errors: boundDiagnostics(nsErrors) };
    const desired = opts.destroy ? { resources: toMap([]) } : buildDesired(topo, observed.facts.resolvConf, { firewall: true, overlay: true });
    return { ok: true, topo, desired };
  };
  if (!opts.memo) return compute();
  const key = desiredKey({ host: opts.host, destroy: !!opts.destroy, inputs: observed, identity: host.identity });
  return opts.memo.desired.get(opts.memo.configKey, key, compute);
}

export function planPass(config: Config, host: ObservedHost, opts: PlanOptions = {}): PlanResult {
  const d = opts.target ? { ok: true as const, ...opts.target } : desiredOf(config, host, opts);
  if (!d.ok) return d;
  const { topo, desired } = d;
  const observed = withHostSysctls(desired, host.observed, host.hostSysctls);
  const adopt = opts.destroy ? undefined : adoptScope(config, topo, desired, opts.adopt);
  let plan = diff(desired, observed, { prune: opts.destroy ? true : topo.settings.prune, ...(adopt ? { adopt } : {}) });
  if (!opts.destroy)
    plan = holdBack(
      {
        ...plan,
        conflicts: [...plan.conflicts, ...macvlanConflicts(topo, observed), ...(opts.target ? [] : hostChecks(config, topo, desired, observed, host))],
      },
      [...desired.resources.values(), ...observed.resources.values()],
    );
  const foreign = [
    ...foreignChainWarnings(observed.resources.values()),
    ...(opts.destroy || opts.target ? [] : redundantForeignRules(topo, observed.facts.foreignDnat)),
  ];
  if (foreign.length > 0) plan.warnings = [...(plan.warnings ?? []), ...foreign];
  // turning IPv6 forwarding on would drop the host's RA-learned default route: refused whole
  if (!opts.destroy && !opts.target && host.ra && turnsOnIpv6Forwarding(plan.changes)) plan.conflicts.push(...raConflicts(host.ra.routes, host.ra.acceptRa));
  return { ok: true, topo, desired, observed, plan };
}
