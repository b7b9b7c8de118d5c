// VXLAN devices → the Host documents of an overlay: this machine (the device's
// local address) and one per remote VTEP its static FDB entries name. netkeeper
// programs per-container FDB entries from the Containers of each Host, so the
// entries themselves are not expressible: they are reported. Pure.

import { HOST_NS } from '../model/resources.js';
import type { FdbEntry } from '../observe/ip-json.js';
import type { ImportedDoc, ReportItem } from './input.js';
import type { HostIndex } from './host-model.js';

export function buildHosts(idx: HostIndex, fdb: Map<string, FdbEntry[]>, hostname: string, name: (raw: string) => string, report: ReportItem[]): ImportedDoc[] {
  const hosts = new Map<string, ImportedDoc>();
  for (const l of idx.links.get(HOST_NS) ?? []) {
    if (l.type !== 'vxlan' || !l.vxlan) continue;
    const object = `VXLAN ${l.ifname}`;
    if (!l.master || !idx.bridges.has(l.master)) {
      report.push({ object, kind: 'Host', message: `VNI ${l.vxlan.vni} is on no bridge: netkeeper's overlays are a bridge with a VXLAN port; not imported` });
      continue;
    }
    if (!l.vxlan.local) {
      report.push({ object, kind: 'Host', message: 'has no local address: the Host of this machine cannot be derived (add `address:` by hand)' });
    } else if (![...hosts.values()].some((h) => h.body.address === l.vxlan!.local)) {
      const n = name(hostname);
      hosts.set(n, {
        kind: 'Host',
        name: n,
        body: { kind: 'Host', name: n, address: l.vxlan.local },
        notes: [`this machine (its hostname); local address of ${l.ifname}`],
      });
    }
    if (l.vxlan.learning)
      report.push({ object, kind: 'Host', message: 'learns MACs from traffic; netkeeper programs static FDB entries instead (learning off)' });
    for (const e of fdb.get(l.ifname) ?? []) {
      if (!e.dst) continue;
      const mac = e.mac ?? '?';
      if (![...hosts.values()].some((h) => h.body.address === e.dst)) {
        const n = name(`peer-${e.dst.replace(/[.:]/g, '-')}`);
        hosts.set(n, {
          kind: 'Host',
          name: n,
          body: { kind: 'Host', name: n, address: e.dst },
          notes: [`a remote VTEP in ${l.ifname}'s FDB; its containers are not known here: add them with host: ${n}`],
        });
      }
      report.push({
        object,
        kind: 'Host',
        message: `FDB entry ${mac} dst ${e.dst}: netkeeper writes one entry per container of the other Hosts, not flood entries; declare those containers to get them`,
      });
    }
  }
  return [...hosts.values()];
}
