// The --confirm revert timer: a small detached process that outlives the run
// waiting for `netkeeper confirm`, so a change that cuts the operator's own SSH
// session (and the waiting run with it) is still reverted at the deadline.
//
//   node dist/shell/revert-timer.js ID DEADLINE
//
// It is started as soon as the pass writes its rollback record (state `applying`),
// before the kernel changes, so no moment is left where the run could be killed
// with the change applied and no timer running. It polls the record
// (rollback-record.ts) once a second and exits as soon as the record is gone,
// belongs to another pass, or is confirmed. At the deadline (ms since epoch) it
// takes the lock (the waiting run, if alive, holds it and reverts
// itself; the timer then finds nothing left) and completes the revert as the next
// pass would. Started by startRevertTimer: detached, in its own session, its
// output appended to <run dir>/revert-timer.log.

import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileRollbackStore } from './rollback-record.js';
import { runDir, underLock } from './lock.js';

/** Start the timer for record `id`, reverting at `deadline` (ms since epoch); returns its pid. */
export function startRevertTimer(id: string, deadline: number, dir: string = runDir()): number | undefined {
  const log = openSync(join(dir, 'revert-timer.log'), 'a');
  try {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), id, String(deadline)], { detached: true, stdio: ['ignore', log, log] });
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(id: string, deadline: number): Promise<number> {
  const store = fileRollbackStore();
  for (;;) {
    // while the pass is still applying the record says `applying`; it then turns to `confirm`
    const rec = await store.read();
    if (!rec || rec.id !== id) return 0;
    if (rec.state === 'confirm' && (await store.confirmed()) === id) return 0;
    const left = (rec.deadline ?? deadline) - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(1000, left));
  }
  const [{ createLogger }, { createRunner }, { finishUnfinished }] = await Promise.all([import('./log.js'), import('./runner.js'), import('./pass.js')]);
  const log = createLogger('info');
  return underLock({ what: 'confirm timer', timeoutMs: 3600_000, log, err: (t) => process.stderr.write(t) }, async () => {
    const rec = await store.read();
    if (rec?.id !== id) return 0;
    const done = await finishUnfinished({ runner: createRunner(), log });
    log.info({ id, confirmed: done?.confirmed, left: done?.result?.left.length }, 'confirm timer: deadline passed');
    return 0;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] && Number.isFinite(Number(process.argv[3]))) {
  main(process.argv[2], Number(process.argv[3])).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`revert timer: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
