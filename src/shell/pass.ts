// One reconcile pass: read files → observe → plan → (apply → observe → verify).
// Commands and the watcher call this; it never exits the process.

import { missingDirReason, readConfigDir } from './read-config.js';
import { observe } from './observe.js';
import { applyProgram, sweepTrash, sysctlPath, type ApplyReport } from './apply.js';
import { ETC_NETNS_DIR } from '../plan/desired-files.js';
import type { Runner } from './runner.js';
import type { Logger } from './log.js';
import { parseConfig } from '../config/index.js';
import { buildTopology } from '../plan/topology/index.js';
import { buildDesired, type ResourceBuilder } from '../plan/desired.js';
import { diff, observedPeer } from '../plan/diff.js';
import { render, type Program } from '../plan/render.js';
import type { Config } from '../model/config.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { Change, Desired, Observed, Plan } from '../model/plan.js';
import type { Topology } from '../model/topology.js';
import { HOST_NS, toMap } from '../model/resources.js';
import { nodeHostFs, type HostFs } from './host-fs.js';
import { firewallPlugin, type Plugin } from './plugins.js';
import { fileIntent, type Intent } from './intent.js';
import { buildOverlay } from '../plan/overlay.js';
import { macvlanConflicts } from '../plan/macvlan.js';
import { foreignChainWarnings } from '../plan/firewall-foreign.js';
import { selfHostErrors } from '../config/self-host.js';
import { raGuard } from './ra-guard.js';
import { rememberHostSysctls } from './host-sysctls.js';
import { boundDiagnostics } from '../model/diagnostic-bounds.js';
import { routeProblems } from '../plan/route-check.js';
import { netnsPath, specNetnsPath } from '../model/netns-path.js';
import { adoptedNetnsErrors } from '../plan/adopted-netns.js';
import { readNetnsIdentity } from './netns-identity.js';
import { blocksAll, holdBack } from '../plan/hold-back.js';
import { fileRecord, type FileRecord } from './file-record.js';
import type { PlanSides } from '../view/group.js';
import { filesFingerprint, kernelFingerprint, staleReason, type PlanFingerprints } from './fingerprint.js';
import type { ApplyProgress } from './apply.js';

export interface PassOptions {
  dir: string;
  /** this reconciler's Host name (default: the machine's hostname) */
  host?: string;
  allowEmpty?: boolean;
  /** plan only */
  dryRun?: boolean;
  /** remove everything owned, whatever the files say */
  destroy?: boolean;
  /** use this configuration instead of reading `dir` (the watcher's last good one) */
  config?: Config;
  /** crash journal of what a pass is making (default: <run dir>/intent.json; see intent.ts) */
  intent?: Intent;
  /** what netkeeper wrote under /etc/netns (default: <run dir>/files.json; see file-record.ts) */
  files?: FileRecord;
  runner: Runner;
  /** every file the pass reads or writes (default nodeHostFs; see host-fs.ts) */
  fs?: HostFs;
  log: Logger;
  /** a saved plan (apply FILE): refuse, changing nothing, unless the files and the kernel are as it was made against */
  expect?: PlanFingerprints & { changes: Change[] };
  /** called with the plan before it is applied (reconcile shows it) */
  onPlanned?: (plan: Plan, sides: PlanSides) => void;
  /** namespaces done of total, while applying */
  onProgress?: ApplyProgress;
}

/**
 * 'conflict': a conflict that blocks the whole pass (one without keys): nothing was
 * applied. Conflicts about single objects hold back only those (and what depends on
 * them, see hold-back.ts): the pass applies the rest and ends 'applied' (or
 * 'planned'), its plan and `remaining` listing the conflicts with what they hold back.
 */
export type PassOutcome =
  | { status: 'invalid'; errors: Diagnostic[] }
  | { status: 'refused'; reason: string }
  | { status: 'conflict'; plan: Plan }
  | { status: 'planned'; plan: Plan; program: Program; extra: unknown; topo: Topology; sides: PlanSides; fingerprints: PlanFingerprints }
  | { status: 'applied'; plan: Plan; report: ApplyReport; remaining: Plan; sides?: PlanSides };

/** What no files at all mean: the loader's own answer (default Settings, no objects). */
export const EMPTY_CONFIG: Config = (() => {
  const r = parseConfig([]);
  if (!r.ok) throw new Error('an empty directory does not parse');
  return r.value;
})();

/** Namespaces adopted by path or pid: observe must enter them although they are not under /run/netns. */
function adoptedNamespaces(config: Config): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  for (const c of config.containers) {
    if (c.netns.type !== 'named') out.push({ name: c.name, path: specNetnsPath(c.netns) });
  }
  return out;
}

/** What observe must be told by the files: adopted namespaces, and which of two names bound to one namespace owns it. */
export function observeOptionsFor(config: Config): { extraNamespaces: { name: string; path: string }[]; preferPrimary: string[]; boundPorts: boolean } {
  return {
    extraNamespaces: adoptedNamespaces(config),
    preferPrimary: config.containers.filter((c) => c.mode.type !== 'container').map((c) => (c.netns.type === 'named' ? c.netns.name : c.name)),
    // a port declared without a host port must not get one a host socket is bound to
    boundPorts: config.containers.some((c) => c.ports.some((p) => p.auto)),
  };
}

export async function loadConfig(dir: string, allowEmpty: boolean): Promise<PassOutcome | Config> {
  const read = await readConfigDir(dir);
  if (read.problems.length) return { status: 'invalid', errors: read.problems };
  if (!read.exists) return { status: 'refused', reason: missingDirReason(dir) };
  const parsed = parseConfig(read.files);
  if (!parsed.ok) return { status: 'invalid', errors: parsed.errors };
  if (parsed.value.documentCount === 0 && !allowEmpty) {
    return { status: 'refused', reason: `directory ${dir} holds no objects; refusing to remove everything netkeeper owns (use --allow-empty)` };
  }
  return parsed.value;
}

/** Host sysctls the desired state names (route_localnet, bridge-nf-call-*): read from /proc/sys. */
async function observeHostSysctls(desired: Desired, observed: Observed, fs: HostFs): Promise<void> {
  for (const d of desired.resources.values()) {
    if (d.kind !== 'sysctl' || d.ns !== HOST_NS || observed.resources.has(d.key)) continue;
    const value = await fs.readFile(sysctlPath(d.name));
    if (value !== undefined) observed.resources.set(d.key, { ...d, value: value.trim() });
  }
}

interface Computed {
  topo: Topology;
  desired: Desired;
  observed: Observed;
  plan: Plan;
}

async function compute(
  config: Config,
  opts: PassOptions & { fs: HostFs },
  plugins: Plugin[],
  reads: { reuse?: Map<string, string>; record?: Map<string, string> } = {},
  /** verify: the state this pass set out to make, compared with the kernel as it is now */
  target?: { topo: Topology; desired: Desired; before: Observed; applied: Change[] },
): Promise<Computed | PassOutcome> {
  const t0 = performance.now();
  const observed = await observe(opts.runner, { ...reads, ...observeOptionsFor(config), fs: opts.fs });
  for (const p of plugins) {
    const unchanged = target && p.affects && !target.applied.some(p.affects) ? target.before : undefined;
    await p.observe?.(observed, opts.runner, config, unchanged);
  }
  await opts.intent?.adopt(observed);
  await opts.files?.adopt(observed);
  const t1 = performance.now();
  let topo: Topology;
  let desired: Desired;
  if (target) ({ topo, desired } = target);
  else {
    const self = opts.host ?? observed.facts.hostname;
    const hostErrors = selfHostErrors(config.hosts, self);
    if (hostErrors.length) return { status: 'invalid', errors: hostErrors };
    const topoRes = buildTopology(config, observed, self);
    if (!topoRes.ok) return { status: 'invalid', errors: boundDiagnostics(topoRes.errors) };
    topo = topoRes.value;
    const unreachable = opts.destroy ? [] : routeProblems(config, topo);
    if (unreachable.length > 0) return { status: 'invalid', errors: boundDiagnostics(unreachable) };
    const nsErrors = adoptedNetnsErrors(topo, config, await readNetnsIdentity(config, opts.fs), observed);
    if (nsErrors.length) return { status: 'invalid', errors: boundDiagnostics(nsErrors) };
    const builders: ResourceBuilder[] = plugins.flatMap((p) => (p.build ? [p.build] : []));
    desired = opts.destroy ? { resources: toMap([]) } : buildDesired(topo, observed.facts.resolvConf, builders);
  }
  await observeHostSysctls(desired, observed, opts.fs);
  let plan = diff(desired, observed, { prune: opts.destroy ? true : topo.settings.prune });
  if (!opts.destroy) plan = holdBack({ ...plan, conflicts: [...plan.conflicts, ...macvlanConflicts(topo, observed)] }, [...desired.resources.values(), ...observed.resources.values()]);
  const foreign = foreignChainWarnings(observed.resources.values());
  if (foreign.length > 0) plan.warnings = [...(plan.warnings ?? []), ...foreign];
  const ms = (a: number, b: number) => Math.round(b - a);
  opts.log.debug({ observeMs: ms(t0, t1), planMs: ms(t1, performance.now()), resources: desired.resources.size }, 'observed and planned');
  return { topo, desired, observed, plan };
}

/** Namespaces a plan changes anything in, directly or through a veth end on the host. */
function touchedNamespaces(plan: Plan): Set<string> {
  const out = new Set<string>();
  for (const c of plan.changes) {
    for (const r of [c.before, c.after]) {
      if (!r) continue;
      out.add(r.ns);
      if (r.kind === 'link') {
        const p = observedPeer(r);
        if (p) out.add(p.ns);
      }
    }
  }
  out.delete(HOST_NS);
  return out;
}

function touchedPaths(touched: Set<string>, nsPaths: Record<string, string>): Set<string> {
  return new Set([...touched].map((ns) => netnsPath(ns, nsPaths)!));
}

export async function runPass(passOpts: PassOptions): Promise<PassOutcome> {
  const fs = passOpts.fs ?? nodeHostFs;
  const opts = { ...passOpts, fs, intent: passOpts.intent ?? fileIntent(undefined, fs), files: passOpts.files ?? fileRecord(undefined, fs) };
  const tLoad = performance.now();
  const loaded = opts.destroy ? EMPTY_CONFIG : (opts.config ?? (await loadConfig(opts.dir, opts.allowEmpty ?? false)));
  if ('status' in loaded) return loaded;
  opts.log.debug({ ms: Math.round(performance.now() - tLoad) }, 'files read');
  const config = loaded;
  const plugins: Plugin[] = [firewallPlugin, { name: 'overlay', build: buildOverlay }];
  const firstReads = new Map<string, string>();
  const first = await compute(config, opts, plugins, { record: firstReads });
  if ('status' in first) return first;
  const { plan, observed } = first;
  if (!opts.destroy) plan.conflicts.push(...(await raGuard(plan.changes, opts.runner, fs)));
  if (blocksAll(plan)) return { status: 'conflict', plan };
  const known = [...observed.resources.values(), ...first.desired.resources.values()];
  const program = render(plan.changes, known);
  const sides: PlanSides = { topo: first.topo, desired: [...first.desired.resources.values()], observed: [...observed.resources.values()] };
  const fingerprints = opts.dryRun || opts.expect ? { files: filesFingerprint(config), kernel: kernelFingerprint(observed, first.desired.resources.values()) } : undefined;
  if (opts.dryRun) {
    const extra = plugins.map((p) => p.render?.(plan.changes, first.topo)).filter(Boolean);
    return { status: 'planned', plan, program, extra, topo: first.topo, sides, fingerprints: fingerprints! };
  }
  const outdated = opts.expect && staleReason(opts.expect, fingerprints!, plan.changes);
  if (outdated) return { status: 'refused', reason: outdated };
  opts.onPlanned?.(plan, sides);
  await sweepTrash(ETC_NETNS_DIR, fs);
  if (plan.changes.length === 0) {
    await opts.files.note([], new Set(), observed);
    await opts.intent.settle(plan);
    return { status: 'applied', plan, report: { done: [], failed: [], processes: 0, readBack: new Map() }, remaining: plan, sides };
  }
  const t0 = performance.now();
  await opts.intent.record(plan.changes);
  await rememberHostSysctls(plan.changes, undefined, fs); // destroy gives them back
  const touched = touchedNamespaces(plan);
  for (const p of plugins) await p.prepare?.(plan.changes, opts.runner);
  const report = await applyProgram(program, { runner: opts.runner, fs, readBack: touched, onProgress: opts.onProgress });
  for (const p of plugins) {
    if (p.apply) {
      const r = await p.apply(plan.changes, first.topo, opts.runner, program.nsPaths);
      report.failed.push(...r.failed);
      report.processes += r.processes;
    }
  }
  opts.log.debug({ ms: Math.round(performance.now() - t0), processes: report.processes }, 'applied');
  await opts.files.note(plan.changes, new Set(report.done), observed);
  // verify: namespaces the apply touched were read back by the process that changed
  // them (or are read now); the others were read by this pass a moment ago
  const stale = touchedPaths(touched, program.nsPaths);
  const reuse = new Map([...firstReads].filter(([path]) => !stale.has(path)));
  for (const [path, out] of report.readBack) reuse.set(path, out);
  const second = await compute(config, opts, plugins, { reuse }, { topo: first.topo, desired: first.desired, before: observed, applied: plan.changes });
  if ('status' in second) return second;
  await opts.intent.settle(second.plan);
  return { status: 'applied', plan, report, remaining: second.plan, sides };
}
