// Turning a pass outcome into output and an exit code, shared by plan, reconcile and destroy.
import { formatDiagnostic } from '../model/diagnostic.js';
import { formatPlan, summary } from '../plan/format.js';
import { conflictLines, heldBackCount } from '../plan/format-conflicts.js';
import type { PassOutcome } from '../shell/pass.js';
import type { Change } from '../model/plan.js';
import { EXIT, type Context } from './common.js';

/** What the pass noticed and leaves alone, or cannot reach (with what that holds back): `warning:` lines, nothing blocks. */
export function reportWarnings(ctx: Context, o: PassOutcome): void {
  if (!('plan' in o)) return;
  for (const w of o.plan.warnings ?? []) for (const l of conflictLines(w, 'warning')) ctx.err(`${l}\n`);
}

/** `applying`: the command would have changed the kernel (reconcile, destroy); plan only reports. */
export function reportProblem(ctx: Context, o: PassOutcome, applying = true): number | undefined {
  reportWarnings(ctx, o);
  const nothing = () => {
    if (applying) ctx.err('nothing was applied\n');
  };
  if (o.status === 'invalid') {
    for (const e of o.errors) ctx.err(`error: ${formatDiagnostic(e)}\n`);
    nothing();
    return EXIT.failed;
  }
  if (o.status === 'refused') {
    ctx.err(`error: ${o.reason}\n`);
    return EXIT.failed;
  }
  if (o.status === 'conflict') {
    for (const e of o.plan.conflicts) ctx.err(`error: ${formatDiagnostic(e)}\n`);
    nothing();
    return EXIT.conflict;
  }
  return undefined;
}

/**
 * Conflicts held back what they touch and the rest was applied: each is an `error:`
 * line with what it holds back, and the exit code is 3 (EXIT.conflict). Warnings (reportWarnings:
 * a user's NK-* chain, an adopted namespace that is gone) do not change it.
 */
export function reportApplied(
  ctx: Context,
  o: Extract<PassOutcome, { status: 'applied' }>,
  verb: string,
  /** reconcile: the plan was shown before applying; changes are listed (and counted) by this */
  view?: { list: (changes: Change[]) => string; counts: (changes: Change[]) => string },
): number {
  const { plan, report, remaining } = o;
  // the state after the pass: conflicts as the verify found them (warnings: reportWarnings)
  for (const c of remaining.conflicts) for (const l of conflictLines(c, 'error')) ctx.err(`${l}\n`);
  const conflicts = remaining.conflicts.length;
  const except = conflicts
    ? `; in sync except what the ${conflicts === 1 ? 'conflict' : `${conflicts} conflicts`} above hold${conflicts === 1 ? 's' : ''} back (${heldBackCount(remaining)} changes)\n`
    : '';
  if (plan.changes.length === 0 && remaining.changes.length === 0) {
    if (conflicts) ctx.err(`nothing else to do${except}`);
    else ctx.out('In sync: nothing to do.\n');
    return conflicts ? EXIT.conflict : EXIT.ok;
  }
  if (!view) ctx.out(formatPlan({ changes: plan.changes, conflicts: [] }));
  const list = view?.list ?? ((changes: Change[]) => formatPlan({ changes, conflicts: [] }));
  const counts = view?.counts ?? summary;
  for (const f of report.failed) {
    ctx.err(`failed: ${f.key}: ${f.command}: ${f.error}\n`);
    // what was run, in full (--log-level debug): argv, exit code, stderr and the batch line, or the file
    ctx.log.debug(f, 'apply failure');
  }
  if (remaining.changes.length) {
    ctx.err(`not in sync after ${verb}; still pending:\n${list(remaining.changes)}`);
    return EXIT.failed;
  }
  if (conflicts) {
    ctx.err(`${verb}: ${counts(plan.changes)}${except}`);
    return EXIT.conflict;
  }
  ctx.out(`${verb}: ${counts(plan.changes)}; in sync.\n`);
  return EXIT.ok;
}
