// The record of host settings netkeeper changed, <run dir>/sysctls.json (beside the
// lock; written under it), and giving them back on `destroy`. The record is on /run
// (tmpfs): a reboot resets the settings and loses the record together.

import { join } from 'node:path';
import type { Change } from '../model/plan.js';
import { recordSysctlChanges, sysctlRestores, type SysctlRecord, type SysctlRestore } from '../plan/host-sysctls.js';
import { sysctlPath } from './apply/files.js';
import { runDir } from './lock.js';
import { nodeHostFs, type HostFs } from './host-fs.js';

export const SYSCTL_FILE = 'sysctls.json';

export async function readSysctlRecord(dir: string = runDir(), fs: HostFs = nodeHostFs): Promise<SysctlRecord> {
  try {
    const j = JSON.parse((await fs.readFile(join(dir, SYSCTL_FILE))) ?? '{}') as { sysctls?: SysctlRecord };
    return j.sysctls && typeof j.sysctls === 'object' ? j.sysctls : {};
  } catch {
    return {};
  }
}

async function save(fs: HostFs, dir: string, record: SysctlRecord): Promise<void> {
  const path = join(dir, SYSCTL_FILE);
  if (Object.keys(record).length === 0) {
    await fs.rm(path);
    return;
  }
  await fs.mkdir(dir, { mode: 0o755 });
  const tmp = `${path}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify({ sysctls: record }, null, 2) + '\n', { mode: 0o644 });
  await fs.rename(tmp, path);
}

/** Before applying `changes`: remember the value of each host sysctl they change for the first time. */
export async function rememberHostSysctls(changes: readonly Change[], dir: string = runDir(), fs: HostFs = nodeHostFs): Promise<void> {
  if (!changes.some((c) => c.after?.kind === 'sysctl')) return;
  const next = recordSysctlChanges(await readSysctlRecord(dir, fs), changes);
  if (next) await save(fs, dir, next);
}

/** The settings `destroy` would give back now. */
export async function pendingRestores(dir: string = runDir(), fs: HostFs = nodeHostFs): Promise<SysctlRestore[]> {
  const record = await readSysctlRecord(dir, fs);
  const current = new Map<string, string | undefined>();
  for (const name of Object.keys(record)) current.set(name, (await fs.readFile(sysctlPath(name)))?.trim());
  return sysctlRestores(record, current);
}

/** Give the recorded settings back, then forget the record. Returns what was restored and what failed. */
export async function restoreHostSysctls(
  dir: string = runDir(),
  fs: HostFs = nodeHostFs,
): Promise<{ restored: SysctlRestore[]; failed: { name: string; error: string }[] }> {
  const restored: SysctlRestore[] = [];
  const failed: { name: string; error: string }[] = [];
  for (const r of await pendingRestores(dir, fs)) {
    try {
      await fs.writeFile(sysctlPath(r.name), `${r.to}\n`);
      restored.push(r);
    } catch (e) {
      failed.push({ name: r.name, error: (e as Error).message });
    }
  }
  if (failed.length === 0) await save(fs, dir, {});
  return { restored, failed };
}
