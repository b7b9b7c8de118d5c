// `netkeeper destroy`: removes everything netkeeper owns and gives back the host
// settings it changed. It asks first: on a terminal it shows what it will remove
// and waits for "y"; without one it refuses unless --yes (Terraform's -auto-approve).

import { runPass } from '../shell/pass.js';
import { reportPending, reportRolledBack } from './report-rollback.js';
import { underLock } from '../shell/lock.js';
import { pendingRestores, restoreHostSysctls } from '../shell/host-sysctls.js';
import { formatPlan } from '../plan/format.js';
import { formatSysctlRestores } from '../plan/host-sysctls.js';
import { EXIT, type Context } from './common.js';
import { reportApplied, reportProblem } from './report.js';

export async function destroyCommand(ctx: Context): Promise<number> {
  if (!ctx.opts.yes) {
    const asked = await confirm(ctx);
    if (asked !== undefined) return asked;
  }
  return underLock({ what: 'destroy', timeoutMs: (ctx.opts.lockTimeout ?? 60) * 1000, log: ctx.log, err: ctx.err }, () => destroyLocked(ctx));
}

/** Show what destroy would do and ask; undefined means go ahead, a number is the exit code. */
async function confirm(ctx: Context): Promise<number | undefined> {
  // a dry run, like `plan`: it reads the kernel and changes nothing (no lock needed)
  const preview = await runPass({ dir: ctx.opts.dir, host: ctx.opts.host, destroy: true, dryRun: true, runner: ctx.runner, log: ctx.log });
  const bad = reportProblem(ctx, preview, false);
  if (bad !== undefined) return bad;
  if (preview.status !== 'planned') throw new Error(`unexpected pass outcome ${preview.status}`);
  const restores = await pendingRestores();
  const n = preview.plan.changes.length;
  if (n === 0 && restores.length === 0) {
    ctx.out('Nothing to destroy: netkeeper owns nothing on this host.\n');
    return EXIT.ok;
  }
  ctx.out(formatPlan(preview.plan) + formatSysctlRestores(restores));
  if (!ctx.ask) {
    ctx.err(`error: destroy removes everything netkeeper owns (${n} objects, above); there is no terminal to ask on: pass --yes to go ahead\n`);
    return EXIT.failed;
  }
  const answer = await ctx.ask('Remove all of the above? Only "y" or "yes" goes ahead (y/N): ');
  if (!/^\s*y(es)?\s*$/i.test(answer)) {
    ctx.err('destroy cancelled: nothing was changed\n');
    return EXIT.failed;
  }
  return undefined;
}

async function destroyLocked(ctx: Context): Promise<number> {
  const o = await runPass({ dir: ctx.opts.dir, host: ctx.opts.host, destroy: true, rollback: ctx.opts.rollback !== false, runner: ctx.runner, log: ctx.log });
  if ('pending' in o) reportPending(ctx, o.pending);
  const bad = reportProblem(ctx, o);
  if (bad !== undefined) return bad;
  if (o.status === 'rolled-back') return reportRolledBack(ctx, o, 'destroy');
  if (o.status !== 'applied') throw new Error(`unexpected pass outcome ${o.status}`);
  const code = reportApplied(ctx, o, 'destroyed');
  if (code !== EXIT.ok) return code; // something is left: the host may still need its settings
  const { restored, failed } = await restoreHostSysctls();
  for (const r of restored) ctx.out(`restored ${r.name} = ${r.to} (was ${r.from}; its value before netkeeper changed it)\n`);
  for (const f of failed) ctx.err(`failed: restoring ${f.name}: ${f.error}\n`);
  return failed.length ? EXIT.failed : EXIT.ok;
}
