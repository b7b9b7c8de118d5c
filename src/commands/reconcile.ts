import { runPass } from '../shell/pass.js';
import { EXIT, type Context } from './common.js';
import { reportApplied, reportProblem } from './report.js';
import { underLock } from '../shell/lock.js';

/** One writer at a time (SPEC §3): reconcile --once, destroy (destroy.ts) and each watcher pass take the lock. */
const locked = (ctx: Context, what: string, fn: () => Promise<number>) =>
  underLock({ what, timeoutMs: (ctx.opts.lockTimeout ?? 60) * 1000, log: ctx.log, err: ctx.err }, fn);

export async function reconcileOnce(ctx: Context): Promise<number> {
  return locked(ctx, 'reconcile --once', () => reconcileOnceLocked(ctx));
}

async function reconcileOnceLocked(ctx: Context): Promise<number> {
  const t0 = performance.now();
  const o = await runPass({ dir: ctx.opts.dir, host: ctx.opts.host, allowEmpty: ctx.opts.allowEmpty, runner: ctx.runner, log: ctx.log });
  const bad = reportProblem(ctx, o);
  if (bad !== undefined) return bad;
  if (o.status !== 'applied') throw new Error(`unexpected pass outcome ${o.status}`);
  const code = reportApplied(ctx, o, 'reconciled');
  ctx.log.info(
    { changes: o.plan.changes.length, failed: o.report.failed.length, processes: o.report.processes, ms: Math.round(performance.now() - t0) },
    'pass done',
  );
  return code;
}

export { EXIT };
