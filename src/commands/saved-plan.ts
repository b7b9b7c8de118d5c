// Saved plans (`plan --out FILE`, `apply FILE`), like `terraform plan -out`: the
// plan with fingerprints of the files and of the kernel it was made against.

import { readFile, writeFile, rename } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Change, Conflict } from '../model/plan.js';
import type { PlanFingerprints } from '../shell/fingerprint.js';

export const SAVED_PLAN_KIND = 'netkeeper-saved-plan';
export const FORMAT_VERSION = 1;

export interface SavedPlan extends PlanFingerprints {
  formatVersion: number;
  kind: typeof SAVED_PLAN_KIND;
  /** the directory of files, absolute */
  dir: string;
  host?: string;
  createdAt: string;
  changes: Change[];
  conflicts: Conflict[];
}

export async function writeSavedPlan(path: string, p: Omit<SavedPlan, 'formatVersion' | 'kind' | 'createdAt' | 'dir'> & { dir: string }): Promise<void> {
  const saved: SavedPlan = { formatVersion: FORMAT_VERSION, kind: SAVED_PLAN_KIND, createdAt: new Date().toISOString(), ...p, dir: resolve(p.dir) };
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(saved, null, 1) + '\n', { mode: 0o600 });
  await rename(tmp, path);
}

/** The saved plan in FILE, or why it cannot be used. */
export async function readSavedPlan(path: string): Promise<SavedPlan | string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    return `cannot read the saved plan ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`;
  }
  let v: Partial<SavedPlan>;
  try {
    v = JSON.parse(text) as Partial<SavedPlan>;
  } catch {
    return `${path} is not a saved plan (not JSON): make one with netkeeper plan --out ${path}`;
  }
  if (v.kind !== SAVED_PLAN_KIND || !v.files?.digest || !v.kernel?.digest || !Array.isArray(v.changes) || typeof v.dir !== 'string')
    return `${path} is not a saved plan of netkeeper: make one with netkeeper plan --out ${path}`;
  if (v.formatVersion !== FORMAT_VERSION)
    return `${path} is a saved plan of format ${String(v.formatVersion)}; this netkeeper reads format ${FORMAT_VERSION}: run netkeeper plan again`;
  return v as SavedPlan;
}
