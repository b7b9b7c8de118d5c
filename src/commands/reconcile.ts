import { runPass, type PassOptions, type PassOutcome } from '../shell/pass.js';
import { EXIT, type Context } from './common.js';
import { reportApplied, reportProblem } from './report.js';
import { fleetLoader } from '../shell/store/loader.js';
import { prefetchHost } from '../shell/observe/prefetch.js';
import { nodeHostFs } from '../shell/host-fs.js';
import { underLock } from '../shell/lock.js';
import { logPassDone } from '../shell/pass-done.js';
import { changedKeys, countChanges } from '../shell/watch-pass.js';
import type { PassResult } from '../shell/state-file.js';
import { planText, progressPrinter, type ProgressPrinter } from './plan-view.js';
import { planJson } from './plan-json.js';
import { groupPlan, type PlanSides } from '../view/group.js';
import type { Change } from '../model/plan.js';
import type { Config } from '../model/config.js';
import type { ExpectOutcome } from '../expect/result.js';
import { afterPassProbes, reportExpectations } from './expect-report.js';
import { reportPending, reportRolledBack } from './report-rollback.js';
import { confirmAfterApply } from './confirm.js';
import { startRevertTimer } from '../shell/revert-timer.js';

/** One writer at a time (SPEC §3): reconcile --once, apply FILE, destroy (destroy.ts) and each watcher pass take the lock. */
export const locked = (ctx: Context, what: string, fn: () => Promise<number>) =>
  underLock({ what, timeoutMs: (ctx.opts.lockTimeout ?? 60) * 1000, log: ctx.log, err: ctx.err }, fn);

export async function reconcileOnce(ctx: Context): Promise<number> {
  const confirm = ctx.opts.confirm;
  // --confirm: the lock is held while waiting, so no other writer changes what would be reverted
  const what = confirm === undefined ? 'reconcile --once' : 'reconcile --once --confirm';
  const extra: Partial<PassOptions> =
    confirm === undefined ? {} : { confirmDeadline: Date.now() + confirm * 1000, startConfirmTimer: (id, deadline) => startRevertTimer(id, deadline) };
  const then = confirm === undefined ? undefined : (o: PassOutcome, code: number) => confirmAfterApply(ctx, o, code, confirm);
  return locked(ctx, what, async () => {
    // with a fleet store (Settings.store, --store) the files are merged with its membership first
    const fleet = fleetLoader(ctx.opts, ctx.log);
    // the kernel is read while the files load (src/shell/observe/prefetch.ts)
    const prefetch = prefetchHost(ctx.runner, nodeHostFs);
    try {
      const loaded = await fleet.load(ctx.opts.dir, ctx.opts.allowEmpty);
      if (!loaded.ok) return fleet.configured ? reportProblem(ctx, loaded.outcome)! : await applyAndReport(ctx, 'once', { ...extra, prefetch }, then); // (the pass reports it, --json too)
      return await applyAndReport(ctx, 'once', { ...extra, config: loaded.config, prefetch }, then);
    } finally {
      await fleet.close();
    }
  });
}

/** What a pass ended as, in the words of the watcher's state file. */
function resultOf(o: PassOutcome): PassResult {
  if (o.status === 'invalid' || o.status === 'refused' || o.status === 'conflict') return o.status;
  if (o.status === 'rolled-back') return 'failed';
  if (o.status !== 'applied') return 'error';
  if (o.report.failed.length || o.remaining.changes.length) return 'failed';
  if (o.remaining.conflicts.length) return 'conflict';
  return o.plan.changes.length ? 'applied' : 'in-sync';
}

/** "1 created, 2 updated, 0 replaced, 1 deleted" over declared objects. */
function appliedCounts(changes: Change[], sides: PlanSides): string {
  const objs = groupPlan({ changes }, sides);
  const n = (a: string) => objs.filter((x) => x.action === a).length;
  const adopt = n('adopt') ? `, ${n('adopt')} adopted` : '';
  return `${n('create')} created, ${n('update')} updated, ${n('replace')} replaced, ${n('delete')} deleted${adopt}`;
}

/**
 * reconcile --once and apply FILE: the plan before applying (stdout), progress
 * while applying (stderr), then the result in the same grouping; with --json
 * only the result, as JSON.
 */
export async function applyAndReport(
  ctx: Context,
  trigger: string,
  extra: Partial<PassOptions>,
  /** reconcile --confirm: wait for the confirmation once applied */
  then?: (o: PassOutcome, code: number) => Promise<number>,
): Promise<number> {
  const t0 = performance.now();
  let progress: ProgressPrinter | undefined;
  let config: Config | undefined;
  const o = await runPass({
    dir: ctx.opts.dir,
    host: ctx.opts.host,
    allowEmpty: ctx.opts.allowEmpty,
    ...(ctx.opts.adopt ? { adopt: ctx.opts.adopt } : {}),
    runner: ctx.runner,
    log: ctx.log,
    rollback: ctx.opts.rollback !== false,
    ...extra,
    onLoaded: (c) => (config = c),
    onPlanned: (plan, sides) => {
      if (plan.changes.length === 0) return;
      if (!ctx.opts.json) ctx.out(planText(ctx, plan, sides));
      // a terminal: one line kept up to date; logs: a progress line every 2 s (at info)
      const tty = !!process.stderr.isTTY;
      progress = progressPrinter(tty ? ctx.err : (text, f) => ctx.log.info(f, text.trim()), tty);
    },
    onProgress: (done, total) => progress?.update(done, total),
  }).finally(() => progress?.stop());
  const result = resultOf(o);
  const applied = o.status === 'applied' || o.status === 'rolled-back' ? o : undefined;
  logPassDone(ctx.log, {
    trigger,
    result,
    changes: countChanges(applied?.plan.changes ?? []),
    keys: changedKeys(applied?.plan.changes ?? []),
    failed: applied?.report.failed.length ?? 0,
    pending: o.status === 'applied' ? o.remaining.changes.length : 0,
    usedLastGood: false,
    ms: Math.round(performance.now() - t0),
  });
  if ('pending' in o) reportPending(ctx, o.pending);
  // after an applied pass: probe the expectations (kind Expect) for real (before a --confirm waits)
  const expectations = o.status === 'applied' ? await afterPassProbes(ctx, config, o.sides, trigger === 'once' ? 'reconcile --once' : trigger) : [];
  if (ctx.opts.json) {
    const code = withExpectations(reportJson(ctx, o, result, expectations), expectations);
    return then ? then(o, code) : code;
  }
  const bad = reportProblem(ctx, o);
  if (bad !== undefined) return bad;
  if (o.status === 'rolled-back') return reportRolledBack(ctx, o);
  if (o.status !== 'applied') throw new Error(`unexpected pass outcome ${o.status}`);
  const sides = o.sides ?? { desired: [], observed: [] };
  const code = reportApplied(ctx, o, 'Apply complete', {
    list: (changes) => planText(ctx, { changes, conflicts: [] }, sides),
    counts: (changes) => appliedCounts(changes, sides),
  });
  const final = withExpectations(code, reportExpectations(ctx, expectations));
  return then ? then(o, final) : final;
}

/** A failed expectation makes a successful pass exit 5; errors and conflicts keep their own code. */
function withExpectations(code: number, rs: ExpectOutcome[]): number {
  return code === EXIT.ok && rs.some((r) => r.held === false) ? EXIT.expectFailed : code;
}

/** reconcile --json: the result (docs/json.md). */
function reportJson(ctx: Context, o: PassOutcome, result: PassResult, expectations: ExpectOutcome[]): number {
  const a = o.status === 'applied' ? o : undefined;
  const rb = o.status === 'rolled-back' ? o : undefined;
  const errors = o.status === 'invalid' ? o.errors : o.status === 'conflict' ? o.plan.conflicts : [];
  ctx.out(
    JSON.stringify(
      {
        ...planJson({ plan: (a ?? rb)?.plan ?? { changes: [], conflicts: o.status === 'conflict' ? o.plan.conflicts : [] }, sides: (a ?? rb)?.sides }),
        result: rb && rb.rollback.left.length === 0 ? 'rolled-back' : result,
        ...(o.status === 'refused' ? { reason: o.reason } : {}),
        errors,
        failed: (a ?? rb)?.report.failed ?? [],
        ...(rb ? { rollback: { undone: rb.rollback.changes.map((c) => c.key), failed: rb.rollback.report.failed, left: rb.rollback.left } } : {}),
        pending: a?.remaining.changes ?? [],
        remainingConflicts: a?.remaining.conflicts ?? [],
        expectations,
      },
      null,
      2,
    ) + '\n',
  );
  if (rb) return rb.rollback.left.length === 0 ? EXIT.rolledBack : EXIT.failed;
  return result === 'in-sync' || result === 'applied' ? EXIT.ok : result === 'conflict' ? EXIT.conflict : EXIT.failed;
}

export { EXIT };
