// The files netkeeper wrote: <run dir>/files.json, a SHA-256 of the content per path.
//
// A file under /etc/netns/<name>/ is netkeeper's when it starts with the marker
// header — but a process inside the container can rewrite its /etc/resolv.conf or
// /etc/hosts (dhclient, resolvconf: the file is bind-mounted from /etc/netns/<name>/
// by `ip netns exec`) and drop the header. The header promises "edits are
// overwritten", so a path netkeeper wrote stays netkeeper's whatever its content
// is now: observe marks it owned and the plan writes it again. A file at a path
// netkeeper never wrote still needs the header to count as netkeeper's.
//
// The record lives on /run with the lock and the crash journal: a reboot loses it
// (the files keep their headers, unless edited). The hash is what netkeeper
// wrote, for whoever reads the record: `sha256sum` of the file tells whether it was
// changed since.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { changeSubject, type Change, type Observed } from '../model/plan.js';
import { runDir } from './lock.js';
import { nodeHostFs, type HostFs } from './host-fs.js';

export const FILES_FILE = 'files.json';

export const contentHash = (content: string): string => createHash('sha256').update(content).digest('hex');

export interface FileRecord {
  /** Mark files at recorded paths as netkeeper's. Call right after observing. */
  adopt(observed: Observed): Promise<void>;
  /**
   * After applying: record the files written (`done` keys), forget the ones deleted,
   * and paths that no longer exist (`observed`: what this pass found before applying).
   */
  note(changes: Change[], done: ReadonlySet<string>, observed: Observed): Promise<void>;
}

/** Mark observed files at recorded paths owned; returns the paths adopted that way (they lacked the header). */
export function adoptRecorded(observed: Observed, recorded: ReadonlyMap<string, string>): string[] {
  const adopted: string[] = [];
  for (const [k, r] of observed.resources) {
    if (r.kind !== 'file' || r.owned || !recorded.has(r.path)) continue;
    observed.resources.set(k, { ...r, owned: true });
    adopted.push(r.path);
  }
  return adopted;
}

/**
 * The record after a pass: written files in, deleted ones out, vanished ones out;
 * and files found with the header that are not recorded yet (written before this
 * record existed, or before a reboot emptied /run), as they are.
 */
export function nextRecord(recorded: ReadonlyMap<string, string>, changes: Change[], done: ReadonlySet<string>, observed: Observed): Map<string, string> {
  const present = new Set<string>();
  for (const r of observed.resources.values()) if (r.kind === 'file') present.add(r.path);
  const next = new Map([...recorded].filter(([path]) => present.has(path)));
  for (const r of observed.resources.values()) if (r.kind === 'file' && r.owned && !next.has(r.path)) next.set(r.path, contentHash(r.content));
  for (const c of changes) {
    const r = changeSubject(c);
    if (r.kind !== 'file' || !done.has(c.key)) continue;
    if (c.action === 'delete') next.delete(r.path);
    else if (c.after?.kind === 'file') next.set(r.path, contentHash(c.after.content)); // a link: what it points to
  }
  return next;
}

/** The record in `dir` (default: the run dir, /run/netkeeper or $NETKEEPER_RUN_DIR). */
export function fileRecord(dir: string = runDir(), fs: HostFs = nodeHostFs): FileRecord {
  const path = join(dir, FILES_FILE);
  let recorded: Map<string, string> | undefined;

  const load = async (): Promise<Map<string, string>> => {
    if (recorded) return recorded;
    try {
      const j = JSON.parse((await fs.readFile(path)) ?? '{}') as { files?: unknown };
      const files = j.files && typeof j.files === 'object' ? Object.entries(j.files as Record<string, unknown>) : [];
      recorded = new Map(files.filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch {
      recorded = new Map();
    }
    return recorded;
  };

  const save = async (files: Map<string, string>): Promise<void> => {
    if (files.size === 0) {
      await fs.rm(path);
      return;
    }
    await fs.mkdir(dir, { mode: 0o755 });
    const tmp = `${path}.${process.pid}.tmp`;
    const sorted = Object.fromEntries([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    await fs.writeFile(tmp, JSON.stringify({ files: sorted }, null, 1) + '\n', { mode: 0o644 });
    await fs.rename(tmp, path);
  };

  return {
    async adopt(observed) {
      adoptRecorded(observed, await load());
    },
    async note(changes, done, observed) {
      const before = await load();
      const next = nextRecord(before, changes, done, observed);
      const same = next.size === before.size && [...next].every(([p, h]) => before.get(p) === h);
      recorded = next;
      if (!same) await save(next);
    },
  };
}
