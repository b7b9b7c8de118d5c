import { runPass, type PassOptions, type PassOutcome } from '../shell/pass.js';
import { EXIT, type Context } from './common.js';
import { reportApplied, reportProblem } from './report.js';
import { fleetLoader } from '../shell/store/loader.js';
import { underLock } from '../shell/lock.js';
import { logPassDone } from '../shell/pass-done.js';
import { changedKeys, countChanges } from '../shell/watch-pass.js';
import type { PassResult } from '../shell/state-file.js';
import { planText, progressPrinter, type ProgressPrinter } from './plan-view.js';
import { planJson } from './plan-json.js';
import { groupPlan, type PlanSides } from '../view/group.js';
import type { Change } from '../model/plan.js';

/** One writer at a time (SPEC §3): reconcile --once, apply FILE, destroy (destroy.ts) and each watcher pass take the lock. */
export const locked = (ctx: Context, what: string, fn: () => Promise<number>) =>
  underLock({ what, timeoutMs: (ctx.opts.lockTimeout ?? 60) * 1000, log: ctx.log, err: ctx.err }, fn);

export async function reconcileOnce(ctx: Context): Promise<number> {
  return locked(ctx, 'reconcile --once', async () => {
    // with a fleet store (Settings.store, --store) the files are merged with its membership first
    const fleet = fleetLoader(ctx.opts, ctx.log);
    try {
      const loaded = await fleet.load(ctx.opts.dir, ctx.opts.allowEmpty);
      if (!loaded.ok) return fleet.sync ? reportProblem(ctx, loaded.outcome)! : await applyAndReport(ctx, 'once', {}); // (the pass reports it, --json too)
      return await applyAndReport(ctx, 'once', { config: loaded.config });
    } finally {
      await fleet.close();
    }
  });
}

/** What a pass ended as, in the words of the watcher's state file. */
function resultOf(o: PassOutcome): PassResult {
  if (o.status === 'invalid' || o.status === 'refused' || o.status === 'conflict') return o.status;
  if (o.status !== 'applied') return 'error';
  if (o.report.failed.length || o.remaining.changes.length) return 'failed';
  if (o.remaining.conflicts.length) return 'conflict';
  return o.plan.changes.length ? 'applied' : 'in-sync';
}

/** "1 created, 2 updated, 0 replaced, 1 deleted" over declared objects. */
function appliedCounts(changes: Change[], sides: PlanSides): string {
  const objs = groupPlan({ changes }, sides);
  const n = (a: string) => objs.filter((x) => x.action === a).length;
  return `${n('create')} created, ${n('update')} updated, ${n('replace')} replaced, ${n('delete')} deleted`;
}

/**
 * reconcile --once and apply FILE: the plan before applying (stdout), progress
 * while applying (stderr), then the result in the same grouping; with --json
 * only the result, as JSON.
 */
export async function applyAndReport(ctx: Context, trigger: string, extra: Partial<PassOptions>): Promise<number> {
  const t0 = performance.now();
  let progress: ProgressPrinter | undefined;
  const o = await runPass({
    dir: ctx.opts.dir,
    host: ctx.opts.host,
    allowEmpty: ctx.opts.allowEmpty,
    runner: ctx.runner,
    log: ctx.log,
    ...extra,
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
  const applied = o.status === 'applied' ? o : undefined;
  logPassDone(ctx.log, {
    trigger,
    result,
    changes: countChanges(applied?.plan.changes ?? []),
    keys: changedKeys(applied?.plan.changes ?? []),
    failed: applied?.report.failed.length ?? 0,
    pending: applied?.remaining.changes.length ?? 0,
    usedLastGood: false,
    ms: Math.round(performance.now() - t0),
  });
  if (ctx.opts.json) return reportJson(ctx, o, result);
  const bad = reportProblem(ctx, o);
  if (bad !== undefined) return bad;
  if (o.status !== 'applied') throw new Error(`unexpected pass outcome ${o.status}`);
  const sides = o.sides ?? { desired: [], observed: [] };
  return reportApplied(ctx, o, 'Apply complete', {
    list: (changes) => planText(ctx, { changes, conflicts: [] }, sides),
    counts: (changes) => appliedCounts(changes, sides),
  });
}

/** reconcile --json: the result (docs/json.md). */
function reportJson(ctx: Context, o: PassOutcome, result: PassResult): number {
  const a = o.status === 'applied' ? o : undefined;
  const errors = o.status === 'invalid' ? o.errors : o.status === 'conflict' ? o.plan.conflicts : [];
  ctx.out(
    JSON.stringify(
      {
        ...planJson({ plan: a?.plan ?? { changes: [], conflicts: o.status === 'conflict' ? o.plan.conflicts : [] }, sides: a?.sides }),
        result,
        ...(o.status === 'refused' ? { reason: o.reason } : {}),
        errors,
        failed: a?.report.failed ?? [],
        pending: a?.remaining.changes ?? [],
        remainingConflicts: a?.remaining.conflicts ?? [],
      },
      null,
      2,
    ) + '\n',
  );
  return result === 'in-sync' || result === 'applied' ? EXIT.ok : result === 'conflict' ? EXIT.conflict : EXIT.failed;
}

export { EXIT };
