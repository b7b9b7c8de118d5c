// `netkeeper confirm`, and the waiting half of `reconcile --once --confirm S`.
//
// The waiting run keeps the rollback record (src/shell/rollback-record.ts) in
// state `confirm` with its deadline (the revert timer, a detached process started
// when the record was first written, src/shell/revert-timer.ts, reverts at the
// deadline if the waiting run was killed), and waits for `netkeeper confirm` (from another shell: it writes the
// record's id to <run dir>/confirm) or Enter on a terminal. Without either by the
// deadline it reverts to the state before the pass and exits 6.

import type { PassOutcome } from '../shell/pass.js';
import { finishUnfinished } from '../shell/pass.js';
import { fileRollbackStore } from '../shell/rollback-record.js';
import { waitForConfirm } from '../shell/confirm-wait.js';
import { EXIT, type Context } from './common.js';

export async function confirmAfterApply(ctx: Context, o: PassOutcome, code: number, seconds: number): Promise<number> {
  const store = fileRollbackStore();
  if (o.status !== 'applied' || !o.recordId) return code; // nothing applied (or rolled back already): nothing to confirm
  const id = o.recordId;
  const rec = await store.read();
  const deadline = rec?.deadline ?? Date.now() + seconds * 1000;
  ctx.log.debug({ id, deadline }, 'waiting for confirmation');
  const tty = process.stdin.isTTY ? ' (or press Enter)' : '';
  ctx.err(`waiting ${seconds} s for confirmation: run \`netkeeper confirm\`${tty}; without it the change is reverted at ${new Date(deadline).toISOString()}\n`);
  const got = await waitForConfirm(store, id, deadline, process.stdin.isTTY ? process.stdin : undefined);
  if (got === 'confirmed') {
    await store.remove();
    ctx.err('confirmed: the change stays\n');
    return code;
  }
  const done = await finishUnfinished({ runner: ctx.runner, log: ctx.log }, store);
  const left = done?.result?.left ?? [];
  if (left.length) {
    ctx.err(
      `error: not confirmed in ${seconds} s and reverting did not complete; still differing from before the pass:\n${left.map((c) => `  ${c.action} ${c.key}\n`).join('')}`,
    );
    return EXIT.failed;
  }
  ctx.err(`reverted: not confirmed in ${seconds} s; ${done?.result?.changes.length ?? 0} changes undone, the kernel is as it was before the pass\n`);
  return EXIT.rolledBack;
}

/** `netkeeper confirm`: keep the change a `reconcile --once --confirm` applied. */
export async function confirmCommand(ctx: Context): Promise<number> {
  const store = fileRollbackStore();
  const rec = await store.read();
  if (!rec || rec.state !== 'confirm') {
    ctx.err('error: nothing is waiting for confirmation (no reconcile --confirm is pending)\n');
    return EXIT.failed;
  }
  if ((rec.deadline ?? 0) <= Date.now()) {
    ctx.err('error: too late: the confirmation time is over and the change is being reverted\n');
    return EXIT.failed;
  }
  try {
    await store.confirm(rec.id);
  } catch (e) {
    ctx.err(
      `error: cannot write to ${store.dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message} (run it as root, as the reconcile that waits)\n`,
    );
    return EXIT.failed;
  }
  ctx.out(`confirmed: the change applied by pid ${rec.pid} at ${rec.at} stays\n`);
  return EXIT.ok;
}
