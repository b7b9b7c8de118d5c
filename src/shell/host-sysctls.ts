// The record of host settings netkeeper changed, <run dir>/sysctls.json (beside the
// lock; written under it), and giving them back on `destroy`. The record is on /run
// (tmpfs): a reboot resets the settings and loses the record together.

import { mkdir, readFile, rename, rm, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Change } from '../model/plan.js';
import { recordSysctlChanges, sysctlRestores, type SysctlRecord, type SysctlRestore } from '../plan/host-sysctls.js';
import { sysctlPath } from './apply.js';
import { runDir } from './lock.js';

export const SYSCTL_FILE = 'sysctls.json';

export async function readSysctlRecord(dir: string = runDir()): Promise<SysctlRecord> {
  try {
    const j = JSON.parse(await readFile(join(dir, SYSCTL_FILE), 'utf8')) as { sysctls?: SysctlRecord };
    return j.sysctls && typeof j.sysctls === 'object' ? j.sysctls : {};
  } catch {
    return {};
  }
}

async function save(dir: string, record: SysctlRecord): Promise<void> {
  const path = join(dir, SYSCTL_FILE);
  if (Object.keys(record).length === 0) {
    await rm(path, { force: true });
    return;
  }
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ sysctls: record }, null, 2) + '\n', { mode: 0o644 });
  await rename(tmp, path);
}

/** Before applying `changes`: remember the value of each host sysctl they change for the first time. */
export async function rememberHostSysctls(changes: readonly Change[], dir: string = runDir()): Promise<void> {
  if (!changes.some((c) => c.after?.kind === 'sysctl')) return;
  const next = recordSysctlChanges(await readSysctlRecord(dir), changes);
  if (next) await save(dir, next);
}

async function readSysctl(name: string): Promise<string | undefined> {
  return (await readFile(sysctlPath(name), 'utf8').catch(() => undefined))?.trim();
}

/** The settings `destroy` would give back now. */
export async function pendingRestores(dir: string = runDir()): Promise<SysctlRestore[]> {
  const record = await readSysctlRecord(dir);
  const current = new Map<string, string | undefined>();
  for (const name of Object.keys(record)) current.set(name, await readSysctl(name));
  return sysctlRestores(record, current);
}

/** Give the recorded settings back, then forget the record. Returns what was restored and what failed. */
export async function restoreHostSysctls(dir: string = runDir()): Promise<{ restored: SysctlRestore[]; failed: { name: string; error: string }[] }> {
  const restored: SysctlRestore[] = [];
  const failed: { name: string; error: string }[] = [];
  for (const r of await pendingRestores(dir)) {
    try {
      const fh = await open(sysctlPath(r.name), 'w');
      try {
        await fh.write(`${r.to}\n`);
      } finally {
        await fh.close();
      }
      restored.push(r);
    } catch (e) {
      failed.push({ name: r.name, error: (e as Error).message });
    }
  }
  if (failed.length === 0) await save(dir, {});
  return { restored, failed };
}
