// Host settings netkeeper changes (net.ipv4.ip_forward, net.ipv6.conf.all.forwarding,
// route_localnet, net.bridge.bridge-nf-call-*) and the values they had before it
// first changed them, so that `destroy` can give them back. Pure: the shell keeps
// the record in <run dir>/sysctls.json (src/shell/host-sysctls.ts).

import { HOST_NS } from '../model/resources.js';
import type { Change } from '../model/plan.js';

export interface SysctlOriginal {
  /** the value before netkeeper first changed it */
  before: string;
  /** the value netkeeper last set */
  set: string;
}

/** By dotted sysctl name; the host namespace's only (a container's die with its namespace). */
export type SysctlRecord = Record<string, SysctlOriginal>;

/**
 * The record once `changes` are applied: a host sysctl changed for the first time
 * is added with the value it has now; one already recorded keeps its original.
 * A setting that does not exist yet (net.bridge.* before br_netfilter is loaded)
 * has no value to give back and is not recorded. Returns undefined when nothing changes.
 */
export function recordSysctlChanges(record: SysctlRecord, changes: readonly Change[]): SysctlRecord | undefined {
  const next: SysctlRecord = { ...record };
  let changed = false;
  for (const c of changes) {
    const a = c.after;
    if (c.action === 'delete' || a?.kind !== 'sysctl' || a.ns !== HOST_NS) continue;
    const prev = next[a.name];
    if (prev) {
      if (prev.set !== a.value) {
        next[a.name] = { ...prev, set: a.value };
        changed = true;
      }
      continue;
    }
    const before = c.before?.kind === 'sysctl' ? c.before.value : undefined;
    if (before === undefined || before === a.value) continue;
    next[a.name] = { before, set: a.value };
    changed = true;
  }
  return changed ? next : undefined;
}

export interface SysctlRestore {
  name: string;
  /** the value now */
  from: string;
  /** the value before netkeeper */
  to: string;
}

/**
 * What `destroy` gives back: every recorded setting still at the value netkeeper
 * set. One changed since by someone else, or gone (its interface was removed), is
 * left as it is.
 */
export function sysctlRestores(record: SysctlRecord, current: ReadonlyMap<string, string | undefined>): SysctlRestore[] {
  const out: SysctlRestore[] = [];
  for (const name of Object.keys(record).sort()) {
    const r = record[name];
    const now = current.get(name);
    if (now === undefined || now !== r.set || now === r.before) continue;
    out.push({ name, from: now, to: r.before });
  }
  return out;
}

export function formatSysctlRestores(restores: readonly SysctlRestore[]): string {
  return restores.map((r) => ` <  sysctl ${r.name} ${r.from} → ${r.to}   its value before netkeeper changed it\n`).join('');
}
