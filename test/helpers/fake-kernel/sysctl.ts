// /proc/sys of a fake namespace: the forwarding switches (which `netconf show`
// reports), per-interface settings of the links that exist, and net.bridge.* once
// br_netfilter is loaded. Paths are relative to /proc/sys ("net/ipv4/ip_forward").

import type { KernelState } from './kernel.js';
import type { FakeNs } from './state.js';

const PER_IF = /^net\/ipv([46])\/(conf|neigh)\/([^/]+)\/([^/]+)$/;
const IF_DEFAULTS: Record<string, string> = { route_localnet: '0', accept_ra: '1', forwarding: '0', rp_filter: '0', proxy_arp: '0', disable_ipv6: '0' };
const BRIDGE = ['net/bridge/bridge-nf-call-iptables', 'net/bridge/bridge-nf-call-ip6tables', 'net/bridge/bridge-nf-call-arptables'];

function exists(k: KernelState, ns: FakeNs, rel: string): boolean {
  if (ns.sysctls.has(rel)) return true;
  if (rel.startsWith('net/bridge/')) return k.brNetfilter && BRIDGE.includes(rel);
  const m = PER_IF.exec(rel);
  if (!m) return false;
  return (m[3] === 'all' || m[3] === 'default' || ns.byName(m[3]) !== undefined) && m[4] in IF_DEFAULTS;
}

export function sysctlGet(k: KernelState, ns: FakeNs, rel: string): string | undefined {
  if (!exists(k, ns, rel)) return undefined;
  const v = ns.sysctls.get(rel);
  if (v !== undefined) return v;
  if (rel.startsWith('net/bridge/')) return '1';
  return IF_DEFAULTS[PER_IF.exec(rel)![4]];
}

/** false when the setting does not exist (ENOENT). */
export function sysctlSet(k: KernelState, ns: FakeNs, rel: string, value: string): boolean {
  if (!exists(k, ns, rel)) return false;
  ns.sysctls.set(rel, value.trim());
  return true;
}

/** Settings of a link that went away go with it. */
export function forgetLinkSysctls(ns: FakeNs, ifname: string): void {
  for (const key of [...ns.sysctls.keys()]) if (PER_IF.exec(key)?.[3] === ifname) ns.sysctls.delete(key);
}
