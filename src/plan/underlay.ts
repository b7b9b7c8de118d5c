// The underlay of this host's overlays: the host interface that holds its Host
// document's address, and that interface's MTU. Pure; read by the topology (an
// overlay's default MTU) and by the host checks (a declared MTU that does not fit).

import type { Config } from '../model/config.js';
import { parseCidr, parseIP } from '../model/ip.js';
import type { Observed } from '../model/plan.js';
import { HOST_NS } from '../model/resources.js';

export function underlayLink(config: Config, observed: Observed, self: string): { ifname: string; mtu: number } | undefined {
  const me = config.hosts.find((h) => h.name === self);
  const addr = me ? parseIP(me.address) : undefined;
  if (!addr) return undefined;
  for (const r of observed.resources.values()) {
    if (r.kind !== 'addr' || r.ns !== HOST_NS) continue;
    const c = parseCidr(r.cidr);
    if (c && c.family === addr.family && c.addr === addr.value) {
      const mtu = observed.facts.linkMtu[r.ifname];
      if (mtu) return { ifname: r.ifname, mtu };
    }
  }
  return undefined;
}
