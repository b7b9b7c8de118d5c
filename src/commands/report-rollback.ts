// Output of a pass that was rolled back (a step failed), and of an unfinished
// pass completed first (a record left by a killed run, rollback-record.ts).
import type { PassOutcome } from '../shell/pass.js';
import type { PendingDone } from '../shell/rollback.js';
import type { Change } from '../model/plan.js';
import { EXIT, type Context } from './common.js';

const list = (changes: Change[]) => changes.map((c) => `  ${c.action} ${c.key}\n`).join('');

/** A record of an earlier run that did not finish: say what became of it. */
export function reportPending(ctx: Context, p: PendingDone | undefined): void {
  if (!p) return;
  const who = `an unfinished pass (pid ${p.record.pid}, ${p.record.at}${p.record.state === 'confirm' ? ', waiting for confirmation' : ''})`;
  if (p.confirmed) ctx.err(`note: ${who} was confirmed: its changes stay\n`);
  else if (p.result && p.result.left.length === 0) ctx.err(`note: rolled back ${who}: ${p.result.changes.length} changes undone\n`);
  else if (p.result) ctx.err(`error: rolling back ${who} did not complete; still differing from before it:\n${list(p.result.left)}`);
}

/** A step failed and the pass was rolled back: what failed, what was undone; exit 6 (1 when the rollback itself is incomplete). */
export function reportRolledBack(ctx: Context, o: Extract<PassOutcome, { status: 'rolled-back' }>, verb = 'the pass'): number {
  for (const f of o.report.failed) {
    ctx.err(`failed: ${f.key}: ${f.command}: ${f.error}\n`);
    ctx.log.debug(f, 'apply failure');
  }
  const rb = o.rollback;
  for (const f of rb.report.failed) ctx.err(`rollback failed: ${f.key}: ${f.command}: ${f.error}\n`);
  if (rb.left.length) {
    ctx.err(`error: ${verb} failed and rolling it back did not complete; still differing from before the pass:\n${list(rb.left)}`);
    return EXIT.failed;
  }
  ctx.err(
    `rolled back: ${verb} failed (${o.report.failed.length} failed of ${o.plan.changes.length} changes); ${rb.changes.length} changes undone, the kernel is as it was before the pass\n`,
  );
  return EXIT.rolledBack;
}
