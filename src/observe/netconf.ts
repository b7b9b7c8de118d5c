// `ip -j netconf show` → forwarding of the namespace, per family, as SysctlRes.
// Sysctls are never deleted (only set), so observed ones are always owned.

import { key, type SysctlRes } from '../model/resources.js';
import type { NetconfEntry } from './ip-json.js';

export const FORWARD_SYSCTL = {
  inet: 'net.ipv4.ip_forward',
  inet6: 'net.ipv6.conf.all.forwarding',
} as const;

function on(v: NetconfEntry['forwarding']): boolean {
  return v === true || v === 1 || v === '1' || v === 'on';
}

export function parseNetconf(raw: NetconfEntry[], ns: string): SysctlRes[] {
  const out: SysctlRes[] = [];
  for (const e of raw) {
    if (e.interface !== 'all' || e.forwarding === undefined) continue;
    const name = e.family === 'inet' ? FORWARD_SYSCTL.inet : e.family === 'inet6' ? FORWARD_SYSCTL.inet6 : undefined;
    if (!name) continue;
    out.push({ kind: 'sysctl', key: key.sysctl(ns, name), ns, owned: true, name, value: on(e.forwarding) ? '1' : '0' });
  }
  return out;
}
