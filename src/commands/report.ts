// Turning a pass outcome into output and an exit code, shared by plan, reconcile and destroy.
import { formatDiagnostic } from '../model/diagnostic.js';
import { formatPlan, summary } from '../plan/format.js';
import type { PassOutcome } from '../shell/pass.js';
import { EXIT, type Context } from './common.js';

/** What the pass noticed and leaves alone: `warning:` lines, nothing blocks. */
export function reportWarnings(ctx: Context, o: PassOutcome): void {
  if (!('plan' in o)) return;
  for (const w of o.plan.warnings ?? []) ctx.err(`warning: ${formatDiagnostic(w)}\n`);
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
    return EXIT.failed;
  }
  return undefined;
}

export function reportApplied(ctx: Context, o: Extract<PassOutcome, { status: 'applied' }>, verb: string): number {
  const { plan, report, remaining } = o;
  if (plan.changes.length === 0) {
    ctx.out('In sync: nothing to do.\n');
    return EXIT.ok;
  }
  ctx.out(formatPlan(plan));
  for (const f of report.failed) ctx.err(`failed: ${f.key}: ${f.command}: ${f.error}\n`);
  if (remaining.changes.length || remaining.conflicts.length) {
    ctx.err(`not in sync after ${verb}; still pending:\n${formatPlan(remaining)}`);
    return EXIT.failed;
  }
  ctx.out(`${verb}: ${summary(plan.changes)}; in sync.\n`);
  return EXIT.ok;
}
