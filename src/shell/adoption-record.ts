// The objects netkeeper adopted (issue 14): <run dir>/adopted.json, key → when.
//
// Adoption is history, not ownership. Ownership stays where it always is — the mark
// in the kernel (src/model/marks.ts): once adopted, an object carries exactly the
// mark of one netkeeper made, so every pass, `destroy` and the crash journal treat it
// alike and no comparison has to learn a second form of mark (a flag inside the
// ifalias would read as drift, and `lo`'s alias, a route's protocol or a rule's
// comment have no room for one). What the mark cannot say — that the object was
// found, not made — is only for people, so it lives beside the state file and the
// crash journal, read by `status` alone. Both are on /run, like the objects: a
// reboot loses the objects and the record together. An entry goes when netkeeper
// deletes or re-makes that object, so a later object of the same name that
// netkeeper made itself is never called adopted.

import { join } from 'node:path';
import type { Change } from '../model/plan.js';
import { runDir } from './lock.js';
import { nodeHostFs, type HostFs } from './host-fs.js';

export const ADOPTED_FILE = 'adopted.json';

/** The record after applying `changes` (`done`: the keys that were carried out) at time `at`. */
export function nextAdopted(recorded: ReadonlyMap<string, string>, changes: Change[], done: ReadonlySet<string>, at: string): Map<string, string> {
  const next = new Map(recorded);
  for (const c of changes) {
    if (!done.has(c.key)) continue;
    if (c.action === 'adopt') next.set(c.key, at);
    else if (c.action === 'create' || c.action === 'replace' || c.action === 'delete') next.delete(c.key);
  }
  return next;
}

export interface AdoptionRecord {
  read(): Promise<Map<string, string>>;
  note(changes: Change[], done: ReadonlySet<string>): Promise<void>;
}

/** The record in `dir` (default: the run dir, /run/netkeeper or $NETKEEPER_RUN_DIR). */
export function adoptionRecord(dir: string = runDir(), fs: HostFs = nodeHostFs, now: () => Date = () => new Date()): AdoptionRecord {
  const path = join(dir, ADOPTED_FILE);
  const read = async (): Promise<Map<string, string>> => {
    try {
      const j = JSON.parse((await fs.readFile(path)) ?? '{}') as { adopted?: unknown };
      const entries = j.adopted && typeof j.adopted === 'object' ? Object.entries(j.adopted as Record<string, unknown>) : [];
      return new Map(entries.filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch {
      return new Map();
    }
  };
  return {
    read,
    async note(changes, done) {
      if (!changes.some((c) => done.has(c.key) && (c.action === 'adopt' || c.action !== 'update'))) return;
      const before = await read();
      const next = nextAdopted(before, changes, done, now().toISOString());
      if (next.size === before.size && [...next].every(([k, t]) => before.get(k) === t)) return;
      if (next.size === 0) {
        await fs.rm(path);
        return;
      }
      await fs.mkdir(dir, { mode: 0o755 });
      const tmp = `${path}.${process.pid}.tmp`;
      const sorted = Object.fromEntries([...next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      await fs.writeFile(tmp, JSON.stringify({ adopted: sorted }, null, 1) + '\n', { mode: 0o644 });
      await fs.rename(tmp, path);
    },
  };
}
