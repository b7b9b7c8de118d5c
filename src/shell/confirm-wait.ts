// reconcile --once --confirm: waiting for `netkeeper confirm` (it writes the
// record's id to <run dir>/confirm, see rollback-record.ts) or, on a terminal,
// Enter — until the deadline.

import type { RollbackStore } from './rollback-record.js';

const POLL_MS = 200;

export async function waitForConfirm(store: RollbackStore, id: string, deadline: number, terminal?: NodeJS.ReadStream): Promise<'confirmed' | 'expired'> {
  let entered = false;
  let onLine: (() => void) | undefined;
  let rl: import('node:readline').Interface | undefined;
  if (terminal?.isTTY) {
    const { createInterface } = await import('node:readline');
    rl = createInterface({ input: terminal });
    onLine = () => {
      entered = true;
    };
    rl.once('line', onLine);
  }
  try {
    for (;;) {
      if (entered || (await store.confirmed()) === id) return 'confirmed';
      const left = deadline - Date.now();
      if (left <= 0) return 'expired';
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, left)));
    }
  } finally {
    rl?.close();
    terminal?.pause();
  }
}
