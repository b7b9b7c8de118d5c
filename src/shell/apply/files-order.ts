// The /etc/netns writes of a program, many at a time without changing what the order
// guarantees (src/render/ip.ts sorts them): a container's files stay in their order
// (its hostname after its hosts and resolv.conf, removed before them), the shared
// hosts files (/etc/netns/.hosts) stay before (written) or after (removed) the links
// to them, and different containers' directories are written side by side. Written
// one by one, 1000 containers' 3000 files took ~2.5 s of a converge, mostly waiting.

import { dirname } from 'node:path';

/** Directories written at once. */
export const FILE_CONCURRENCY = 32;

/**
 * The files as steps: each step's groups may run at the same time (a group's files one
 * after the other); steps one after the other. A step is a run of files that are all
 * in the shared directory, or all outside it; outside it, one group per directory.
 */
export function fileSteps<F extends { path: string }>(files: readonly F[], sharedDir: string): F[][][] {
  const steps: F[][][] = [];
  let cur: Map<string, F[]> | undefined;
  let curShared: boolean | undefined;
  for (const f of files) {
    const dir = dirname(f.path);
    const shared = dir === sharedDir;
    if (!cur || shared !== curShared) {
      if (cur) steps.push([...cur.values()]);
      cur = new Map();
      curShared = shared;
    }
    // the shared directory's files one by one (one group); the others by directory
    const k = shared ? '' : dir;
    const g = cur.get(k);
    if (g) g.push(f);
    else cur.set(k, [f]);
  }
  if (cur) steps.push([...cur.values()]);
  return steps;
}

/** Run fn over items, at most `limit` at once. */
export async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
