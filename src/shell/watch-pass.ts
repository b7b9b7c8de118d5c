// One watcher pass: take the lock, read the files, reconcile, keep the last good
// configuration in force when the files are broken, log one summary line, write
// the state file, and tell the scheduler what to do next.
//
// Broken files (do not parse or validate, a missing or empty directory, an IPAM
// error) and a conflict that blocks a whole pass apply nothing from the new
// files. If an earlier configuration was applied in this run, the pass reconciles
// against it instead, so its state stays in force and drift is still healed; the
// scheduler then waits for a file change (or the periodic resync), it does not
// retry. The same problem seen again is logged at debug, not again at error.
//
// A conflict about one object (an unowned interface in the way, see
// src/plan/hold-back.ts) holds back that object and what depends on it; the rest
// of the files is applied. The pass ends `conflict`, lists the conflicts, and the
// next pass comes at the usual resync (it notices when the object is gone). An
// adopted namespace that is gone is a warning: logged once, kept in the summary.
//
// A pass for kernel events alone does not load the files again (nothing but a file
// change, which has its own trigger, can change them; the resync loads them anyway),
// and the parse of a namespace read seen before is kept (src/observe/ns-batch-cache.ts):
// what an event pass costs is the namespaces the events named, not the host's size.
//
// Dependencies come in as parameters so that a unit test can drive this with
// fakes; the kernel tests run it for real through `netkeeper reconcile`.

import type { Config } from '../model/config.js';
import { formatDiagnostic } from '../model/diagnostic.js';
import { conflictLines } from '../plan/format-conflicts.js';
import type { Change, Plan } from '../model/plan.js';
import type { Logger } from './log.js';
import type { PassOptions, PassOutcome } from './pass.js';
import type { Loaded } from './load.js';
import type { Trigger, Verdict } from './loop.js';
import { LockAbortedError, type Lock, type LockOptions } from './lock.js';
import type { PassCounts, PassResult, PassSummary, WatcherState } from './state-file.js';
import { logPassDone } from './pass-done.js';
import type { ReadScope } from './read-scope.js';
import type { PlanSides } from '../view/group.js';
import type { ExpectOutcome } from '../expect/result.js';
import { healingsOf, keepHealings } from '../status/healing.js';
import { NsBatchCache } from '../observe/ns-batch-cache.js';
import { DesiredMemo } from '../plan/desired-inputs.js';
import type { EtcNetnsCache } from './etc-netns-cache.js';
import type { HostPrefetch } from './observe/prefetch.js';
import { HOST_READ } from '../observe/batch.js';

export interface WatchPassDeps {
  dir: string;
  host?: string;
  allowEmpty: boolean;
  /** --adopt: every pass adopts matching live objects */
  adopt?: PassOptions['adopt'];
  lockTimeoutMs: number;
  log: Logger;
  runner: PassOptions['runner'];
  loadConfig: (dir: string, allowEmpty: boolean) => Promise<Loaded>;
  runPass: (opts: PassOptions) => Promise<PassOutcome>;
  acquireLock: (opts: LockOptions) => Promise<Lock>;
  /** persist the state after each pass (status reads it); failures are logged, never fatal */
  saveState: (state: WatcherState) => Promise<void>;
  now: () => Date;
  /** aborts a wait for the lock when the watcher stops */
  signal?: AbortSignal;
  /**
   * event-driven reads (read-scope.ts): namespaces no kernel event named since the
   * last pass are not read again, except by the rolling audit on resync (`audit`
   * namespaces per resync) and by full passes (start, SIGHUP, retry)
   */
  scope?: { reads: ReadScope; audit: () => number; files?: EtcNetnsCache };
  /** told the /run/netns names of the namespaces the files want, after each pass that got that far */
  onOwned?: (names: string[]) => void;
  /**
   * start the host-wide kernel reads of a pass that loads the files (observe/prefetch.ts with
   * `namespaces: false`), so they run while the files load; what the pass carries is not read
   */
  prefetch?: (what: { host: boolean; firewall: boolean; listeners: boolean }) => HostPrefetch;
  /** probe the configuration's expectations (kind Expect) after an applied pass; `previous`: the last results */
  probe?: (config: Config, sides: PlanSides, log: Logger, previous: ExpectOutcome[] | undefined) => Promise<ExpectOutcome[]>;
}

/**
 * Triggers whose passes take the host's iptables and listening sockets from the
 * last pass instead of reading them again: another host's membership changed
 * (and maybe a namespace had an event). Neither can change what those reads
 * find; drift in them is found by the next other pass (resync, file change).
 */
const CARRY: ReadonlySet<Trigger> = new Set(['store', 'event']);

/**
 * Triggers that cannot have changed the files: a pass for kernel events alone takes
 * the files as the last pass loaded them (a file change has its own trigger, which
 * loads them again; the periodic resync loads them anyway).
 */
const SAME_FILES: ReadonlySet<Trigger> = new Set(['event']);

/** Triggers that read every namespace, whatever events said. */
const FULL_READ: ReadonlySet<Trigger> = new Set(['start', 'signal', 'retry']);

const MAX_KEYS = 10;
const MAX_ERRORS = 10;

type Problem = Extract<PassOutcome, { status: 'invalid' | 'refused' | 'conflict' }>;

function isProblem(o: PassOutcome): o is Problem {
  return o.status === 'invalid' || o.status === 'refused' || o.status === 'conflict';
}

export function problemLines(p: Problem): string[] {
  if (p.status === 'refused') return [p.reason];
  const ds = p.status === 'invalid' ? p.errors : p.plan.conflicts;
  return ds.map(formatDiagnostic);
}

export function countChanges(changes: Change[]): PassCounts {
  const c: PassCounts = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const ch of changes) c[ch.action] = (c[ch.action] ?? 0) + 1;
  return c;
}

const truncate = <T>(xs: T[], n: number): T[] => xs.slice(0, n);

/** The first changed keys, each prefixed with its action (+ ~ ± -). */
export function changedKeys(changes: Change[]): string[] {
  return truncate(
    changes.map(
      (c) => `${c.action === 'create' ? '+' : c.action === 'delete' ? '-' : c.action === 'update' ? '~' : c.action === 'adopt' ? '<=' : '±'}${c.key}`,
    ),
    MAX_KEYS,
  );
}

export class WatchPass {
  private passId = 0;
  /** the parsed namespace reads, by text: a reused read is not parsed again (with deps.scope) */
  private readonly nsBatches = new NsBatchCache();
  /** the desired side of the last plan, by the files and what of the host it read (src/plan/desired-inputs.ts) */
  private readonly desiredMemo = new DesiredMemo();
  /** the owned namespaces last told to deps.onOwned, one per line */
  private lastOwned: string | undefined;
  /** what the last pass loaded (see SAME_FILES) */
  private lastLoad: Loaded | undefined;
  /** this pass's namespace reads to reuse (see deps.scope) */
  private reuse: Map<string, string> | undefined;
  private lastGood: { config: Config; fingerprint: string; at: string } | undefined;
  private lastProblem: string | undefined;
  /** the warnings last logged (logged again only when they change) */
  private lastWarnings = '[]';
  /** conflicts and warnings of the last pass, as logged (the same again is logged at debug) */
  private lastHeld: string | undefined;
  /** the expectations' results of the last pass that probed */
  private lastProbed: ExpectOutcome[] | undefined;
  /** the host-wide reads of the last pass that ended in sync (see CARRY) */
  private lastHost: PassOptions['carry'] | undefined;
  /** this pass's own, kept as lastHost when it ends in sync */
  private thisHost: PassOptions['carry'] | undefined;
  /** what this pass takes instead of reading (see CARRY) */
  private carried: PassOptions['carry'] | undefined;
  readonly state: WatcherState;

  constructor(
    private readonly d: WatchPassDeps,
    init: Omit<WatcherState, 'last' | 'brokenSince' | 'lastGoodAt'>,
  ) {
    this.state = { ...init };
  }

  /** Passes run so far. */
  get passes(): number {
    return this.passId;
  }

  async run(trigger: Trigger, triggers: ReadonlySet<Trigger> = new Set([trigger])): Promise<Verdict> {
    const id = ++this.passId;
    const log = this.d.log.child({ pass: id });
    const startedAt = this.d.now();
    const t0 = performance.now();
    const summary: PassSummary = {
      id,
      trigger,
      startedAt: startedAt.toISOString(),
      ms: 0,
      result: 'in-sync',
      counts: { create: 0, update: 0, replace: 0, delete: 0 },
      keys: [],
      failed: 0,
      pending: 0,
      errors: [],
      usedLastGood: false,
    };
    let verdict: Verdict = 'ok';
    let lock: Lock | undefined;
    try {
      lock = await this.d.acquireLock({ what: `watch pass ${id}`, timeoutMs: this.d.lockTimeoutMs, log, signal: this.d.signal });
      verdict = await this.reconcile(log, summary, triggers);
    } catch (e) {
      this.d.scope?.reads.forget();
      this.lastLoad = undefined;
      if (e instanceof LockAbortedError) throw e; // stopping: no summary, no retry
      summary.result = 'error';
      summary.errors = [(e as Error).message];
      log.error({ err: e }, 'pass failed; retrying with backoff');
      verdict = 'retry';
    } finally {
      await lock?.release();
    }
    summary.ms = Math.round(performance.now() - t0);
    this.state.last = summary;
    logPassDone(log, {
      trigger,
      result: summary.result,
      changes: summary.counts,
      keys: summary.keys,
      failed: summary.failed,
      pending: summary.pending,
      usedLastGood: summary.usedLastGood,
      ms: summary.ms,
    });
    await this.d.saveState(this.state).catch((e: unknown) => log.warn({ err: e }, 'cannot write the watcher state file'));
    return verdict;
  }

  private async reconcile(log: Logger, summary: PassSummary, triggers: ReadonlySet<Trigger>): Promise<Verdict> {
    const sc = this.d.scope;
    if (sc) {
      const full = [...triggers].some((t) => FULL_READ.has(t));
      const audit = triggers.has('resync') ? sc.audit() : 0;
      const ps = sc.reads.begin(full, audit);
      sc.files?.begin(full, audit);
      this.nsBatches.settle();
      this.reuse = ps.reuse;
      log.debug({ full: ps.reuse === undefined, dirty: ps.dirty.length, audited: ps.audited.length, reused: ps.reuse?.size ?? 0 }, 'namespaces to read');
    }
    this.carried = triggers.has('store') && [...triggers].every((t) => CARRY.has(t)) ? this.lastHost : undefined;
    this.lastHost = this.thisHost = undefined;
    const tl = performance.now();
    const sameLoad = this.lastLoad !== undefined && [...triggers].every((t) => SAME_FILES.has(t));
    // the host's reads run while the files load (under the lock: no other pass changes the host meanwhile)
    const early = sameLoad
      ? undefined
      : this.d.prefetch?.({ host: !this.reuse?.has(HOST_READ), firewall: !this.carried?.firewall, listeners: !this.carried?.listeners });
    const loaded = sameLoad ? this.lastLoad! : await this.d.loadConfig(this.d.dir, this.d.allowEmpty);
    this.lastLoad = loaded;
    log.debug({ ms: Math.round(performance.now() - tl), ...(sameLoad ? { kept: true } : {}) }, 'files loaded');
    let problem: Problem | undefined;
    let outcome: PassOutcome;
    let fingerprint: string | undefined;
    /** the files are those of the last good pass: whatever this pass changes was drift */
    let sameFiles = false;
    let applied: Config | undefined;
    if (!loaded.ok) {
      problem = loaded.outcome;
      outcome = loaded.outcome;
    } else {
      const config = loaded.config;
      // the cache (config-cache.ts) gives the very same object for byte-identical files
      fingerprint = this.lastGood?.config === config ? this.lastGood.fingerprint : JSON.stringify(config);
      sameFiles = this.lastGood?.fingerprint === fingerprint;
      applied = config;
      outcome = await this.d.runPass({ ...this.passOptions(log, config, fingerprint), ...(early ? { prefetch: early } : {}) });
      if (sc) this.logKept(log, sc);
      if (isProblem(outcome)) problem = outcome;
      else if (this.lastGood?.fingerprint !== fingerprint) this.lastGood = { config, fingerprint, at: summary.startedAt };
      else this.lastGood.config = config;
    }

    if (problem) {
      this.noteProblem(log, problem, summary);
      // the files cannot be applied as they are: keep the last good ones in force
      if (this.lastGood && this.lastGood.fingerprint !== fingerprint) {
        summary.usedLastGood = true;
        if (sc) this.reuse = sc.reads.current();
        applied = this.lastGood.config;
        outcome = await this.d.runPass(this.passOptions(log, this.lastGood.config, this.lastGood.fingerprint));
        if (isProblem(outcome)) {
          // the last good state itself is blocked now (e.g. an unowned object in its way)
          summary.errors.push(...truncate(problemLines(outcome), MAX_ERRORS).map((l) => `last good state: ${l}`));
          log.error({ errors: problemLines(outcome) }, 'the last good state cannot be applied either');
          return 'wait';
        }
      } else return 'wait';
    } else {
      if (this.lastProblem !== undefined) log.info('files are good again');
      this.lastProblem = undefined;
      this.state.brokenSince = undefined;
    }
    this.state.lastGoodAt = this.lastGood?.at;

    if (outcome.status === 'rolled-back') {
      // a step failed and the pass was undone: retried with backoff like a failure
      const rb = outcome.rollback;
      summary.counts = countChanges(outcome.plan.changes);
      summary.failed = outcome.report.failed.length;
      summary.result = 'failed';
      const failures = outcome.report.failed.map((f) => `${f.key}: ${f.command}: ${f.error}`);
      const left = rb.left.map((c) => `not rolled back: ${c.action} ${c.key}`);
      summary.errors.push(...truncate([...failures, ...left], MAX_ERRORS));
      log.warn(
        { failed: truncate(failures, MAX_ERRORS), undone: rb.changes.length, left: truncate(left, MAX_ERRORS) },
        rb.left.length
          ? 'a step failed; rolling the pass back did not complete; retrying with backoff'
          : 'a step failed; the pass was rolled back; retrying with backoff',
      );
      return 'retry';
    }
    if (outcome.status !== 'applied') throw new Error(`unexpected pass outcome ${outcome.status}`);
    const { plan, report, remaining } = outcome;
    if (outcome.sides && this.d.onOwned) {
      // told again only when they may have changed: other names, or a pass that changed something (a namespace made again needs an id again)
      const owned = outcome.sides.desired.flatMap((r) => (r.kind === 'netns' && r.origin !== 'adopted' ? [r.name] : []));
      const key = owned.join('\n');
      if (key !== this.lastOwned || plan.changes.length > 0) this.d.onOwned(owned);
      this.lastOwned = key;
    }
    // what it leaves alone (keyless warnings); what warnings hold back is noted by noteHeld
    const warnings = (plan.warnings ?? []).filter((w) => !w.keys).map(formatDiagnostic);
    if (JSON.stringify(warnings) !== this.lastWarnings && warnings.length > 0) log.warn({ warnings }, "left alone: not netkeeper's");
    this.lastWarnings = JSON.stringify(warnings);
    summary.counts = countChanges(plan.changes);
    summary.keys = changedKeys(plan.changes);
    summary.failed = report.failed.length;
    summary.pending = remaining.changes.length;
    const ok = summary.failed === 0 && summary.pending === 0;
    if (ok && !problem) this.lastHost = this.thisHost;
    const held = this.noteHeld(log, remaining, summary);
    if (sameFiles || summary.usedLastGood) this.noteHealed(log, outcome, summary);
    if (applied && this.d.probe && outcome.sides) await this.probe(log, applied, outcome.sides, summary);
    if (!problem) summary.result = held ? 'conflict' : plan.changes.length === 0 ? 'in-sync' : ok ? 'applied' : 'failed';
    if (!ok) {
      const failures = report.failed.map((f) => `${f.key}: ${f.command}: ${f.error}`);
      const pending = remaining.changes.map((c) => `still pending: ${c.action} ${c.key}`);
      summary.errors.push(...truncate([...failures, ...pending], MAX_ERRORS));
      log.warn({ failed: truncate(failures, MAX_ERRORS), pending: truncate(pending, MAX_ERRORS) }, 'not in sync after the pass; retrying with backoff');
      if (summary.result === 'in-sync' || summary.result === 'conflict') summary.result = 'failed';
      return 'retry';
    }
    return problem ? 'wait' : 'ok';
  }

  /** What the pass took from what the watcher keeps: parsed namespace reads, the copy of /etc/netns. */
  private logKept(log: Logger, sc: NonNullable<WatchPassDeps['scope']>): void {
    const { hits, misses } = this.nsBatches;
    log.debug(
      { parsed: { kept: hits, parsed: misses }, desiredKept: this.desiredMemo.kept, ...(sc.files ? { etcNetns: { ...sc.files.last } } : {}) },
      'reads kept',
    );
  }

  /** Drift this pass put back (the files were those of the last good pass): kept in the state file, newest first. */
  private noteHealed(log: Logger, outcome: Extract<PassOutcome, { status: 'applied' }>, summary: PassSummary): void {
    if (outcome.plan.changes.length === 0) return;
    const sides = outcome.sides ?? { observed: [], desired: [] };
    const healed = healingsOf(outcome.plan, sides, new Set(outcome.report.done), summary.startedAt, summary.id);
    if (healed.length === 0) return;
    this.state.healed = keepHealings(this.state.healed, healed);
    log.info({ healed: healed.map((h) => `${h.object}: ${h.what.join(', ')}`) }, 'healed drift');
  }

  /** The expectations, probed after the pass: counted in the summary; a failure or a change is logged (probe does). */
  private async probe(log: Logger, config: Config, sides: PlanSides, summary: PassSummary): Promise<void> {
    if (!config.expects?.length) {
      this.lastProbed = undefined;
      return;
    }
    try {
      const rs = await this.d.probe!(config, sides, log, this.lastProbed);
      this.lastProbed = rs;
      summary.expectations = {
        held: rs.filter((r) => r.held === true).length,
        failed: rs.filter((r) => r.held === false).map((r) => r.name),
        skipped: rs.filter((r) => r.held === undefined).length,
      };
    } catch (e) {
      log.warn({ err: e }, 'cannot probe the expectations');
    }
  }

  /** Conflicts that hold back single objects and warnings: into the summary, logged when they change. Returns whether any conflict holds something back. */
  private noteHeld(log: Logger, remaining: Plan, summary: PassSummary): boolean {
    const errors = remaining.conflicts.flatMap((c) => conflictLines(c, 'error'));
    const all = remaining.warnings ?? [];
    if (all.length)
      summary.warnings = truncate(
        all.flatMap((w) => conflictLines(w, 'warning')),
        MAX_ERRORS,
      );
    summary.errors.push(...truncate(errors, MAX_ERRORS));
    // warnings that hold something back (an adopted namespace that is gone); the others are logged as left alone
    const warnings = all.filter((w) => w.keys).flatMap((w) => conflictLines(w, 'warning'));
    const key = JSON.stringify([errors, warnings]);
    if (key !== this.lastHeld) {
      if (errors.length) log.error({ conflicts: errors }, 'conflicts hold back the objects they name; everything else is applied');
      if (warnings.length) log.warn({ warnings }, 'held back: adopted namespaces that are gone');
      if (!errors.length && !warnings.length && this.lastHeld !== undefined) log.info('nothing is held back any more');
    } else if (errors.length || warnings.length) log.debug({ conflicts: errors, warnings }, 'still held back (unchanged)');
    this.lastHeld = errors.length || warnings.length ? key : undefined;
    return remaining.conflicts.length > 0;
  }

  private noteProblem(log: Logger, problem: Problem, summary: PassSummary): void {
    const lines = problemLines(problem);
    summary.result = problem.status as PassResult;
    summary.errors = truncate(lines, MAX_ERRORS);
    const key = JSON.stringify(lines);
    const what =
      problem.status === 'conflict'
        ? 'an unowned object is in the way: nothing from the files was applied'
        : problem.status === 'refused'
          ? 'refused to apply the files'
          : 'the files are invalid: nothing from them was applied';
    const kept = this.lastGood ? '; the last good state stays in force' : '';
    if (key === this.lastProblem) log.debug({ errors: lines }, `${what} (unchanged)${kept}`);
    else log.error({ errors: lines }, `${what}${kept}; waiting for a file change`);
    this.lastProblem = key;
    this.state.brokenSince ??= summary.startedAt;
  }

  /** `configKey`: the JSON of `config` */
  private passOptions(log: Logger, config: Config, configKey: string): PassOptions {
    const sc = this.d.scope;
    return {
      dir: this.d.dir,
      host: this.d.host,
      allowEmpty: this.d.allowEmpty,
      ...(this.d.adopt ? { adopt: this.d.adopt } : {}),
      runner: this.d.runner,
      log,
      config,
      memo: { desired: this.desiredMemo, configKey },
      ...(sc && this.reuse ? { reuse: this.reuse, staleReuse: () => sc.reads.namedSinceBegin() } : {}),
      ...(sc
        ? { onReads: (r: ReadonlyMap<string, string>) => sc.reads.end(r), kept: { nsBatches: this.nsBatches, ...(sc.files ? { etcNetns: sc.files } : {}) } }
        : {}),
      ...(this.carried ? { carry: this.carried } : {}),
      // the first observation, then the verify's (it has no listeners: the first's stay)
      onObserved: (h) => {
        const listeners = h.listeners ?? this.thisHost?.listeners;
        this.thisHost = { firewall: h.observed, ...(listeners ? { listeners } : {}) };
      },
    };
  }
}
