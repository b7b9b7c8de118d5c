// One reconcile pass, as a sequence of stages, each a folder with one entry point:
//
//   load (load.ts) → observe (observe/) → plan (src/plan/index.ts) →
//   render (src/render/) → apply (apply/) → observe again → plan again (verify)
//
// Commands and the watcher call this; it never exits the process. Every command
// goes through `runner` and every file through `fs`: a pass runs entirely against
// fakes of both.

import { adoptionRecord, type AdoptionRecord } from './adoption-record.js';
import type { AdoptOptions } from '../plan/adopt.js';
import type { Runner } from './runner.js';
import type { Logger } from './log.js';
import { loadConfig, EMPTY_CONFIG, type Loaded } from './load.js';
import { observeHost, observeOptionsFor, prefetchHost, type HostObserveOptions, type HostPrefetch, type ObserveReads } from './observe/index.js';
import { applyProgram, sweepTrash, type ApplyProgress, type ApplyReport } from './apply/index.js';
import { filesFingerprint, kernelFingerprint, staleReason, type PlanFingerprints } from './fingerprint.js';
import { nodeHostFs, type HostFs } from './host-fs.js';
import { fileIntent, type Intent } from './intent.js';
import { fileRecord, type FileRecord } from './file-record.js';
import { rememberHostSysctls } from './host-sysctls.js';
import { planPass, type PlanOptions } from '../plan/index.js';
import { touchedNamespaces } from '../plan/touched-namespaces.js';
import { blocksAll } from '../plan/hold-back.js';
import { ETC_NETNS_DIR } from '../plan/desired-files.js';
import { isFirewallChange, render, type Program } from '../render/index.js';
import type { Config } from '../model/config.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { changeSubject, type Change, type Plan } from '../model/plan.js';
import type { ObservedHost } from '../model/observed-host.js';
import type { Topology } from '../model/topology.js';
import type { PlanSides } from '../view/group.js';
import { netlinkReader, readerFromEnv } from './observe/nl-reader.js';
import { netnsPath } from '../model/netns-path.js';
import { HOST_READ } from '../observe/batch.js';
import { HOST_NS } from '../model/resources.js';
import { beforeImage, imageEntries } from '../plan/reverse.js';
import { fileRollbackStore, type RollbackStore } from './rollback-record.js';
import { completePending, rollBack, type PendingDone, type RollbackDeps, type RollbackResult } from './rollback.js';
import type { ObserveKept } from './observe-kept.js';

export { loadConfig, EMPTY_CONFIG, type Loaded };
export { observeOptionsFor };

export interface PassOptions {
  dir: string;
  /** this reconciler's Host name (default: the machine's hostname) */
  host?: string;
  allowEmpty?: boolean;
  /** --adopt: take ownership of matching live objects (src/plan/adopt.ts) */
  adopt?: AdoptOptions;
  /** the record of adopted objects (status shows them); default <run dir>/adopted.json */
  adoptions?: AdoptionRecord;
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
  /** called with the configuration the pass runs against, once read (reconcile probes its Expect documents after the pass) */
  onLoaded?: (config: Config) => void;
  /** called with the plan before it is applied (reconcile shows it) */
  onPlanned?: (plan: Plan, sides: PlanSides) => void;
  /**
   * namespace reads (by path) to use instead of reading again: the watcher's reads
   * of namespaces no kernel event has named since (see read-scope.ts)
   */
  reuse?: Map<string, string>;
  /** what the watcher keeps between passes to observe less (observe-kept.ts) */
  kept?: ObserveKept;
  /**
   * the kernel reads the caller started, under the lock, before it loaded the files this
   * pass is given (prefetchHost, see observe/prefetch.ts): the first observe takes them.
   * Without it, a pass that loads the files itself starts them before loading.
   */
  prefetch?: HostPrefetch;
  /**
   * the paths of `reuse` that kernel events have named since the pass took it (the
   * watcher's ReadScope): asked once the pass has a plan that changes something, and
   * read again, with the plan made again, before anything is applied — a reused read
   * an event made stale must not decide what is deleted or made
   */
  staleReuse?: () => string[];
  /** told the pass's last read of every namespace (by path), once it has them */
  onReads?: (reads: ReadonlyMap<string, string>) => void;
  /**
   * the host-wide reads of an earlier pass to use instead of reading again: its
   * iptables and listening sockets (the watcher's passes for a fleet store change,
   * which cannot change either; see watch-pass.ts)
   */
  carry?: { firewall?: ObservedHost['observed']; listeners?: ObservedHost['listeners'] };
  /** the watcher's memo of the desired side, with the key of `config` (src/plan/desired-inputs.ts) */
  memo?: PlanOptions['memo'];
  /** told the pass's first observation of the host (the watcher keeps it for `carry`) */
  onObserved?: (host: ObservedHost) => void;
  /** namespaces done of total, while applying */
  onProgress?: ApplyProgress;
  /** roll the pass back when a step fails (default true; --no-rollback: false) */
  rollback?: boolean;
  /** the rollback record (default: <run dir>/rollback.json; see rollback-record.ts) */
  rollbackStore?: RollbackStore;
  /** --confirm: once applied, keep the record as waiting for `netkeeper confirm` until this time (ms since epoch) */
  confirmDeadline?: number;
  /**
   * --confirm: start the revert timer for record `id` (revert-timer.ts). Called as soon
   * as the record is first written, before anything changes, so a run killed at any
   * moment after that is still reverted at the deadline.
   */
  startConfirmTimer?: (id: string, deadline: number) => void;
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
  | { status: 'planned'; plan: Plan; program: Program; topo: Topology; sides: PlanSides; fingerprints: PlanFingerprints }
  | { status: 'applied'; plan: Plan; report: ApplyReport; remaining: Plan; sides?: PlanSides; pending?: PendingDone; recordId?: string }
  /** a step failed and the pass was rolled back (rollback.left empty) or not completely (left: what still differs) */
  | { status: 'rolled-back'; plan: Plan; report: ApplyReport; rollback: RollbackResult; sides?: PlanSides; pending?: PendingDone };

type Opts = PassOptions & { fs: HostFs; intent: Intent; files: FileRecord; adoptions: AdoptionRecord };

/** Observe for a rollback: the pass's reads, plus the firewall of the namespaces the record names. */
function rollbackDeps(opts: Opts, what: HostObserveOptions, routers: string[] | undefined): RollbackDeps {
  const fw = routers ? { firewall: { routers: [...new Set([...(what.firewall?.routers ?? []), ...routers])] } } : {};
  return {
    runner: opts.runner,
    fs: opts.fs,
    log: opts.log,
    // after a failed apply: the watcher's copy of /etc/netns may not know yet what the apply wrote
    observe: () => observeForPass(opts.kept?.etcNetns ? { ...opts, kept: { ...opts.kept, etcNetns: undefined } } : opts, { ...what, ...fw }, {}),
    noteFiles: (changes, done, now) => opts.files.note(changes, done, now.observed),
  };
}

/** The namespaces whose firewall an image holds ([] for the host's only; undefined: none). */
function imageRouters(image: Iterable<[string, { kind: string; ns: string } | null]>): string[] | undefined {
  let any = false;
  const out = new Set<string>();
  for (const [key, r] of image) {
    if (!key.startsWith('chain:') && !key.startsWith('hook:')) continue;
    any = true;
    const ns = r?.ns ?? key.slice(key.indexOf(':') + 1, key.indexOf('/'));
    if (ns !== HOST_NS) out.add(ns);
  }
  return any ? [...out] : undefined;
}

/** Observe, then adopt what the crash journal and the files record say is netkeeper's. */
async function observeForPass(opts: Opts, what: HostObserveOptions, reads: ObserveReads): Promise<ObservedHost> {
  const host = await observeHost(opts.runner, opts.fs, what, opts.kept ? { ...reads, kept: opts.kept } : reads);
  await opts.intent.adopt(host.observed);
  await opts.files.adopt(host.observed);
  return host;
}

/** Whether applying this change can change what the firewall read finds: its rules, and which namespaces hold rules. */
const affectsFirewallRead = (c: Change): boolean => isFirewallChange(c) || changeSubject(c).kind === 'netns';

/**
 * Complete what a pass that did not finish left in the rollback record (call under
 * the lock): roll back to its before image, or drop it when it was confirmed.
 * Passes do this first; so does the --confirm revert timer at its deadline.
 */
export async function finishUnfinished(
  passOpts: Pick<PassOptions, 'runner' | 'log' | 'fs' | 'intent' | 'files'>,
  store?: RollbackStore,
): Promise<PendingDone | undefined> {
  const fs = passOpts.fs ?? nodeHostFs;
  const opts = {
    ...passOpts,
    fs,
    intent: passOpts.intent ?? fileIntent(undefined, fs),
    files: passOpts.files ?? fileRecord(undefined, fs),
  } as Opts;
  const st = store ?? fileRollbackStore(undefined, fs);
  const rec = await st.read();
  if (!rec) return undefined;
  const done = await completePending(st, rollbackDeps(opts, observeOptionsFor(EMPTY_CONFIG), rec.routers ?? imageRouters(rec.image)));
  opts.log.info({ id: rec.id, confirmed: done?.confirmed, left: done?.result?.left.length }, 'completed an unfinished pass');
  return done;
}

const ms = (since: number) => Math.round(performance.now() - since);

export async function runPass(passOpts: PassOptions): Promise<PassOutcome> {
  const fs = passOpts.fs ?? nodeHostFs;
  const opts: Opts = {
    ...passOpts,
    fs,
    intent: passOpts.intent ?? fileIntent(undefined, fs),
    files: passOpts.files ?? fileRecord(undefined, fs),
    adoptions: passOpts.adoptions ?? adoptionRecord(undefined, fs),
  };
  const { runner, log } = opts;

  // the namespace reader's start-up (python3 + pyroute2) overlaps loading the files
  if (readerFromEnv() === 'netlink') netlinkReader(runner);
  // a pass that did not finish (killed applying, rolling back, or waiting for a confirmation): roll it back first
  const store = opts.rollbackStore ?? fileRollbackStore(undefined, fs);
  const pending = opts.dryRun ? undefined : await finishUnfinished({ runner, log, fs }, store);
  // read the kernel while the files load: the caller's early reads (it loaded the files), or
  // started now when this pass loads them — none when an unfinished pass was just completed
  // (rolling it back changed the kernel since they were started)
  const early = pending ? undefined : (opts.prefetch ?? (opts.destroy || opts.config ? undefined : prefetchHost(runner, fs)));

  // load
  const t0 = performance.now();
  const loaded: Loaded =
    opts.destroy || opts.config ? { ok: true, config: opts.destroy ? EMPTY_CONFIG : opts.config! } : await loadConfig(opts.dir, opts.allowEmpty ?? false);
  if (!loaded.ok) return loaded.outcome;
  const { config } = loaded;
  opts.onLoaded?.(config);
  log.debug({ ms: ms(t0) }, 'files read');

  // observe
  const t1 = performance.now();
  const what = observeOptionsFor(config);
  const firstReads = new Map<string, string>();
  const carried = opts.carry
    ? { ...(opts.carry.firewall ? { firewallFrom: opts.carry.firewall } : {}), ...(opts.carry.listeners ? { listenersFrom: opts.carry.listeners } : {}) }
    : {};
  const observeFirst = (reuse: Map<string, string> | undefined, prefetch: HostPrefetch | undefined) =>
    observeForPass(opts, what, { record: firstReads, ...(reuse ? { reuse } : {}), ...carried, ...(prefetch ? { prefetch } : {}) });
  let host = await observeFirst(opts.reuse, early);

  // plan
  let t2 = performance.now();
  const planFor = (h: ObservedHost) =>
    planPass(config, h, {
      ...(opts.host ? { host: opts.host } : {}),
      ...(opts.destroy ? { destroy: true } : {}),
      ...(opts.adopt ? { adopt: opts.adopt } : {}),
      ...(opts.memo && !opts.destroy ? { memo: opts.memo } : {}),
    });
  let planned = planFor(host);
  // reused reads that an event named while this pass ran: read them again, plan again
  const named = planned.ok && planned.plan.changes.length > 0 && opts.reuse && !opts.dryRun ? opts.staleReuse?.().filter((p) => opts.reuse!.has(p)) : undefined;
  if (named?.length) {
    log.debug({ namespaces: named.length }, 'reused reads named by events during the pass: read again');
    firstReads.clear();
    host = await observeFirst(new Map([...opts.reuse!].filter(([p]) => !named.includes(p))), undefined);
    t2 = performance.now();
    planned = planFor(host);
  }
  opts.onReads?.(firstReads);
  opts.onObserved?.(host);
  if (!planned.ok) return { status: 'invalid', errors: planned.errors };
  const { plan, observed, topo, desired } = planned;
  log.debug({ observeMs: Math.round(t2 - t1), planMs: ms(t2), resources: desired.resources.size }, 'observed and planned');
  if (blocksAll(plan)) return { status: 'conflict', plan };

  // render
  // (not for a plan that changes nothing and is not shown: it would index ~10k resources for nothing)
  const program = plan.changes.length > 0 || opts.dryRun ? render(plan.changes, [...observed.resources.values(), ...desired.resources.values()]) : undefined;
  // what the plan view reads (both sides), and what a saved plan is checked against
  const sides: PlanSides = { topo, desired: [...desired.resources.values()], observed: [...observed.resources.values()] };
  const fingerprints =
    opts.dryRun || opts.expect ? { files: filesFingerprint(config), kernel: kernelFingerprint(observed, desired.resources.values()) } : undefined;
  if (opts.dryRun) return { status: 'planned', plan, program: program!, topo, sides, fingerprints: fingerprints! };
  const outdated = opts.expect && staleReason(opts.expect, fingerprints!, plan.changes);
  if (outdated) return { status: 'refused', reason: outdated };
  opts.onPlanned?.(plan, sides);

  // apply
  await sweepTrash(ETC_NETNS_DIR, fs);
  if (plan.changes.length === 0) {
    await opts.files.note([], new Set(), observed);
    await opts.intent.settle(plan);
    return {
      status: 'applied',
      plan,
      report: { done: [], failed: [], processes: 0, readBack: new Map() },
      remaining: plan,
      sides,
      ...(pending ? { pending } : {}),
    };
  }
  const t3 = performance.now();
  await opts.intent.record(plan.changes);
  // the rollback record: the before image of what this pass changes (src/plan/reverse.ts)
  const rollback = opts.rollback !== false;
  const image = rollback ? beforeImage(plan.changes, observed.resources) : undefined;
  const id = `${process.pid}-${Date.now()}`;
  const routers = what.firewall?.routers;
  if (image) {
    await store.write({ id, pid: process.pid, at: new Date().toISOString(), state: 'applying', ...(routers ? { routers } : {}), image: imageEntries(image) });
    if (opts.confirmDeadline !== undefined) opts.startConfirmTimer?.(id, opts.confirmDeadline);
  }
  log.debug({ ms: ms(t3), keys: image?.size ?? 0 }, 'rollback recorded');
  await rememberHostSysctls(plan.changes, undefined, fs); // destroy gives them back
  const touched = touchedNamespaces(plan);
  const report = await applyProgram(program!, { runner, fs, readBack: touched, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  log.debug({ ms: ms(t3), processes: report.processes }, 'applied');
  await opts.files.note(plan.changes, new Set(report.done), observed);
  if (image && report.failed.length) {
    log.warn({ failed: report.failed.length }, 'a step failed; rolling the pass back');
    const rb = await rollBack(image, rollbackDeps(opts, what, routers));
    if (rb.left.length === 0) await store.remove();
    return { status: 'rolled-back', plan, report, rollback: rb, sides, ...(pending ? { pending } : {}) };
  }
  // an adopted namespace renders no line of its own: its mark is the alias its `lo` gets
  const done = new Set(report.done);
  for (const c of plan.changes) if (c.action === 'adopt' && c.after.kind === 'netns' && done.has(`link:${c.after.name}/lo`)) done.add(c.key);
  await opts.adoptions.note(plan.changes, done);

  // verify: namespaces the apply touched were read back by the process that changed
  // them (or are read now); the others, and the iptables when no change could have
  // changed them, were read by this pass a moment ago — as was everything but the
  // iptables when the plan changed only the firewall
  const stale = new Set([...touched].map((ns) => netnsPath(ns, program!.nsPaths)!));
  const reuse = new Map([...firstReads].filter(([path]) => !stale.has(path)));
  for (const [path, out] of report.readBack) reuse.set(path, out);
  const firewallUnchanged = !plan.changes.some(affectsFirewallRead);
  // a plan that changed only the firewall (one iptables-restore per table) changed nothing
  // the rest of the first read found: only the iptables are read again
  const onlyFirewall = what.firewall !== undefined && plan.changes.every(isFirewallChange);
  // the host's own read: again after any change but the firewall's (those take kernelFrom)
  if (!onlyFirewall) reuse.delete(HOST_READ);
  const lastReads = new Map<string, string>();
  if (onlyFirewall) for (const [path, out] of reuse) lastReads.set(path, out);
  const after = await observeForPass(opts, what, {
    reuse,
    record: lastReads,
    verify: true,
    ...(firewallUnchanged ? { firewallFrom: observed } : {}),
    ...(onlyFirewall ? { kernelFrom: host.observed } : {}),
  });
  opts.onReads?.(lastReads);
  opts.onObserved?.(after);
  const verified = planPass(config, after, { target: { topo, desired }, ...(opts.destroy ? { destroy: true } : {}) });
  if (!verified.ok) return { status: 'invalid', errors: verified.errors };
  await opts.intent.settle(verified.plan);
  if (image && opts.confirmDeadline !== undefined) {
    await store.write({
      id,
      pid: process.pid,
      at: new Date().toISOString(),
      state: 'confirm',
      deadline: opts.confirmDeadline,
      ...(routers ? { routers } : {}),
      image: imageEntries(image),
    });
    return { status: 'applied', plan, report, remaining: verified.plan, sides, recordId: id, ...(pending ? { pending } : {}) };
  }
  if (image) await store.remove();
  return { status: 'applied', plan, report, remaining: verified.plan, sides, ...(pending ? { pending } : {}) };
}
