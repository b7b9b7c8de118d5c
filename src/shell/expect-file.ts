// The last result of each expectation, <run dir>/expectations.json beside the
// lock: written after every probe run (reconcile --once, each watcher pass,
// `netkeeper check`), read by `status`. Information only, like watcher.json.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExpectOutcome } from '../expect/result.js';

export const EXPECT_FILE = 'expectations.json';

export interface ExpectState {
  /** when the probes ran (ISO) */
  at: string;
  /** what ran them: "reconcile --once", "watch pass 3", "check" */
  by: string;
  results: ExpectOutcome[];
}

export async function writeExpectState(dir: string, s: ExpectState): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const path = join(dir, EXPECT_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(s, null, 2) + '\n', { mode: 0o644 });
  await rename(tmp, path);
}

export async function readExpectState(dir: string): Promise<ExpectState | undefined> {
  try {
    const s = JSON.parse(await readFile(join(dir, EXPECT_FILE), 'utf8')) as ExpectState;
    return Array.isArray(s.results) ? s : undefined;
  } catch {
    return undefined;
  }
}
