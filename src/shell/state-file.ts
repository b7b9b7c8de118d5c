// The watcher's state file, <run dir>/watcher.json beside the lock: written after
// every pass, read by `status` to say when the last pass ran and what it did.
// It is information only (never trusted for planning: the kernel is the truth),
// and it counts only while its pid is alive and still the same process.

import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { processStart } from './proc.js';
import { formatHealings, type Healing } from '../status/healing.js';

export interface PassCounts {
  create: number;
  update: number;
  replace: number;
  delete: number;
  /** live objects adopted (issue 14) */
  adopt?: number;
}

export type PassResult =
  /** nothing to do */
  | 'in-sync'
  /** changes applied, in sync afterwards */
  | 'applied'
  /** commands failed or changes still pending: retried with backoff */
  | 'failed'
  /** the files do not parse or validate: last good state kept */
  | 'invalid'
  /** missing or empty directory: deletion guard */
  | 'refused'
  /** unowned objects are in the way: what they touch is held back, the rest applied (or, for one that blocks everything, nothing) */
  | 'conflict'
  /** the lock was not free in time, or a command netkeeper needs failed */
  | 'error';

export interface PassSummary {
  id: number;
  trigger: string;
  startedAt: string;
  ms: number;
  result: PassResult;
  counts: PassCounts;
  /** changed keys, the first few */
  keys: string[];
  failed: number;
  pending: number;
  /** errors (file:line:col) or the failure, truncated */
  errors: string[];
  /** warnings (an adopted namespace that is gone: what is in it is held back), truncated */
  warnings?: string[];
  /** the pass ran against the last good files because the current ones are broken */
  usedLastGood: boolean;
  /** the expectations (kind Expect) probed after the pass: how many held, which failed, how many were skipped */
  expectations?: { held: number; failed: string[]; skipped: number };
}

export interface WatcherState {
  pid: number;
  /** /proc/<pid>/stat start time: tells our process from a later one that reused the pid */
  pidStart: string | undefined;
  startedAt: string;
  dir: string;
  intervalS: number;
  /** the current files cannot be applied (invalid, refused, conflict) since then; the last good ones stay in force */
  brokenSince?: string;
  lastGoodAt?: string;
  last?: PassSummary;
  /** drift healed by the watcher's passes, newest first (at most MAX_HEALINGS; carried over from the previous watcher) */
  healed?: Healing[];
  /** the fleet store (Settings.store, --store), when one is configured: reachable, or since when not */
  store?: { state: 'connected' | 'unreachable'; since: string; error?: string };
}

export const STATE_FILE = 'watcher.json';

export async function writeState(dir: string, state: WatcherState): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const path = join(dir, STATE_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o644 });
  await rename(tmp, path);
}

export async function readState(dir: string): Promise<WatcherState | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as WatcherState;
  } catch {
    return undefined;
  }
}

/** The state of a watcher that is running now, or undefined (none, or it died). */
export async function readLiveState(dir: string): Promise<WatcherState | undefined> {
  const s = await readState(dir);
  if (!s || typeof s.pid !== 'number') return undefined;
  const start = await processStart(s.pid);
  if (start === undefined) return undefined;
  if (s.pidStart !== undefined && s.pidStart !== start) return undefined;
  return s;
}

function ago(iso: string, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}

/** Human lines for `status`. */
export function formatWatcherState(s: WatcherState, now = new Date()): string {
  const lines = [`watcher: pid ${s.pid}, watching ${s.dir} since ${s.startedAt}, resync every ${s.intervalS} s`];
  const p = s.last;
  if (p) {
    const c = p.counts;
    const what =
      p.result === 'in-sync'
        ? 'in sync, nothing to do'
        : `${p.result}: ${c.create} created, ${c.update} updated, ${c.replace} replaced, ${c.delete} deleted` +
          (p.failed ? `, ${p.failed} failed` : '') +
          (p.pending ? `, ${p.pending} still pending` : '');
    lines.push(`last pass: #${p.id} (${p.trigger}) at ${p.startedAt} (${ago(p.startedAt, now)}), ${p.ms} ms: ${what}`);
    if (p.keys.length && p.result !== 'in-sync') lines.push(`  changed: ${p.keys.join(', ')}`);
    for (const e of p.errors) lines.push(`  ${e}`);
    for (const w of p.warnings ?? []) lines.push(`  ${w}`);
    const x = p.expectations;
    if (x) lines.push(`  expectations: ${x.held} hold, ${x.failed.length} failed${x.failed.length ? ` (${x.failed.join(', ')})` : ''}, ${x.skipped} skipped`);
  } else lines.push('last pass: none yet');
  lines.push(...formatHealings(s.healed ?? []));
  if (s.brokenSince)
    lines.push(
      `the files have not applied since ${s.brokenSince}: ` +
        (s.lastGoodAt ? `the last good state (first applied ${s.lastGoodAt}) stays in force` : 'nothing applied yet'),
    );
  if (s.store)
    lines.push(
      s.store.state === 'connected'
        ? `store: reachable since ${s.store.since}`
        : `store: UNREACHABLE since ${s.store.since} (${s.store.error ?? ''}); the last known overlay members stay programmed, retrying`,
    );
  return lines.join('\n') + '\n';
}
