// The host sysctls netkeeper sets that `ip netconf` (read with the host batch) does
// not show: route_localnet of each bridge on the host and br_netfilter's
// bridge-nf-call-*. A fixed set, whatever the files say; the plan stage takes the
// ones it wants (src/plan/host-sysctls-observed.ts).

import type { Observed } from '../../model/plan.js';
import { HOST_NS, key } from '../../model/resources.js';
import type { ObserveFs } from '../host-fs.js';
import { sysctlPath } from '../apply/files.js';

/** The names read, given what observe found on the host. */
export function managedHostSysctls(observed: Observed): string[] {
  const names = ['net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding', 'net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables'];
  for (const r of observed.resources.values())
    if (r.kind === 'link' && r.ns === HOST_NS && r.type === 'bridge') names.push(`net.ipv4.conf.${r.ifname}.route_localnet`);
  // what netconf showed is read already
  return names.filter((n) => !observed.resources.has(key.sysctl(HOST_NS, n)));
}

/** Their values (a setting that does not exist is left out). */
export async function readHostSysctls(fs: ObserveFs, names: readonly string[]): Promise<Map<string, string>> {
  const values = await Promise.all(names.map((n) => fs.readFile(sysctlPath(n))));
  const out = new Map<string, string>();
  names.forEach((n, i) => {
    const v = values[i];
    if (v !== undefined) out.set(n, v.trim());
  });
  return out;
}
