// The rollback record: <run dir>/rollback.json, beside the crash journal
// (intent.ts) and the lock. A pass writes it before applying — the before image of
// what it will change (src/plan/reverse.ts) — and removes it once the pass is
// done: in sync, rolled back, or (with --confirm) confirmed or reverted.
//
// A record found by the next pass means a pass did not finish (it was killed while
// applying, while rolling back, or while waiting for a confirmation): that pass
// completes the rollback first (rollback.ts), then plans as usual.
//
// `netkeeper confirm` writes <run dir>/confirm with the record's id; the waiting
// run, the revert timer and the next pass all honour it.

import { join } from 'node:path';
import type { Resource } from '../model/resources.js';
import { runDir } from './lock.js';
import { nodeHostFs, type HostFs } from './host-fs.js';

export const ROLLBACK_FILE = 'rollback.json';
export const CONFIRM_FILE = 'confirm';

export interface RollbackRecord {
  /** unique per pass: `<pid>-<ms since epoch>` */
  id: string;
  pid: number;
  at: string;
  /** applying: the pass is changing the kernel; confirm: applied, waiting for `netkeeper confirm` until `deadline` */
  state: 'applying' | 'confirm';
  /** ms since epoch (state confirm) */
  deadline?: number;
  /** namespaces whose firewall the image holds (read them back when completing) */
  routers?: string[];
  /** the before image (reverse.ts): key → object, or null (absent) */
  image: [string, Resource | null][];
}

export interface RollbackStore {
  read(): Promise<RollbackRecord | undefined>;
  write(r: RollbackRecord): Promise<void>;
  remove(): Promise<void>;
  /** the id `netkeeper confirm` wrote, if any */
  confirmed(): Promise<string | undefined>;
  confirm(id: string): Promise<void>;
  readonly dir: string;
}

export function fileRollbackStore(dir: string = runDir(), fs: HostFs = nodeHostFs): RollbackStore {
  const path = join(dir, ROLLBACK_FILE);
  const confirmPath = join(dir, CONFIRM_FILE);
  return {
    dir,
    async read() {
      const text = await fs.readFile(path);
      if (!text) return undefined;
      try {
        const r = JSON.parse(text) as RollbackRecord;
        return Array.isArray(r?.image) && typeof r.id === 'string' ? r : undefined;
      } catch {
        return undefined; // a torn write cannot happen (rename), a hand-edited file is ignored
      }
    },
    async write(r) {
      await fs.mkdir(dir, { mode: 0o755 });
      const tmp = `${path}.${process.pid}.tmp`;
      await fs.writeFile(tmp, JSON.stringify(r) + '\n', { mode: 0o600 });
      await fs.rename(tmp, path);
    },
    async remove() {
      await fs.rm(path);
      await fs.rm(confirmPath);
    },
    async confirmed() {
      return (await fs.readFile(confirmPath))?.trim() || undefined;
    },
    async confirm(id) {
      await fs.mkdir(dir, { mode: 0o755 });
      await fs.writeFile(`${confirmPath}.tmp`, `${id}\n`);
      await fs.rename(`${confirmPath}.tmp`, confirmPath);
    },
  };
}
