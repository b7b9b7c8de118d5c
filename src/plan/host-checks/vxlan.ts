// An overlay's VXLAN device needs its VNI and UDP port free: the kernel refuses a
// second device with the same VNI on a port ("A VXLAN device with the specified VNI
// already exists"), and no device comes up on a port a metadata (collect_md) device
// or a process already holds ("Address already in use"). Pure.

import type { Conflict, Desired, Observed } from '../../model/plan.js';
import type { HostListener } from '../../model/observed-host.js';
import { HOST_NS } from '../../model/resources.js';
import type { Topology } from '../../model/topology.js';

export function vxlanInUse(topo: Topology, desired: Desired, observed: Observed, listeners: readonly HostListener[]): Conflict[] {
  const out: Conflict[] = [];
  const foreign = [...observed.resources.values()].filter((r) => r.kind === 'link' && r.ns === HOST_NS && !r.owned && r.vxlan);
  for (const n of topo.networks) {
    if (!n.vxlanDev) continue;
    const d = desired.resources.get(`link:${HOST_NS}/${n.vxlanDev}`);
    if (!d || d.kind !== 'link' || !d.vxlan) continue;
    const { vni, port } = d.vxlan;
    const say = (message: string) => out.push({ code: 'vxlan-in-use', object: `Network ${n.name}`, message, ...(n.pos ? { pos: n.pos } : {}) });
    for (const f of foreign) {
      if (f.kind !== 'link' || !f.vxlan) continue;
      if (!f.vxlan.external && f.vxlan.vni === vni && f.vxlan.port === port)
        say(`VNI ${vni} on UDP port ${port} is already used by ${f.ifname}, a VXLAN device netkeeper does not own; choose another vni, or remove ${f.ifname}`);
      else if (f.vxlan.external && f.vxlan.port === port && f.up)
        say(
          `UDP port ${port} is taken whole by ${f.ifname}, a metadata (external) VXLAN device netkeeper does not own; set the network's port to another one, or remove ${f.ifname}`,
        );
    }
    const l = listeners.find((x) => x.protocol === 'udp' && x.port === port && x.process);
    if (l) say(`UDP port ${port} is bound by ${l.process} on this host; set the network's port to another one, or stop that process`);
  }
  return out;
}
