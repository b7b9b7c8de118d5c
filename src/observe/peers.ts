// Resolve where veth peers and macvlan parents are, across the observed namespaces.
// The kernel reports a cross-namespace peer as (link_index, link_netnsid) where the
// nsid is private to the namespace you asked from. Instead of mapping nsids (one
// lookup per namespace and pair), match the two ends: a veth L in A with ifindex i
// pointing at ifindex p is paired with the veth in another namespace with ifindex p
// pointing back at i. An ambiguous match (two candidates) leaves `peer` unset.

import { HOST_NS, type LinkRes } from '../model/resources.js';
import type { LinkPointer } from './links.js';

export interface NsLinks {
  ns: string;
  links: LinkRes[];
  pointers: LinkPointer[];
}

export function resolvePeers(all: NsLinks[]): void {
  const byName = new Map<string, Map<string, LinkRes>>();
  for (const n of all) byName.set(n.ns, new Map(n.links.map((l) => [l.ifname, l])));

  // veth ends that point into another namespace, indexed by (ifindex, linkIndex)
  const index = new Map<string, { ns: string; p: LinkPointer }[]>();
  for (const n of all) {
    for (const p of n.pointers) {
      if (p.type !== 'veth' || !p.crossNs) continue;
      const k = `${p.ifindex}:${p.linkIndex}`;
      const list = index.get(k);
      if (list) list.push({ ns: n.ns, p });
      else index.set(k, [{ ns: n.ns, p }]);
    }
  }

  const host = all.find((n) => n.ns === HOST_NS);
  const hostByIndex = new Map<number, LinkRes>();
  for (const l of host?.links ?? []) if (l.ifindex !== undefined) hostByIndex.set(l.ifindex, l);

  for (const n of all) {
    const links = byName.get(n.ns)!;
    for (const p of n.pointers) {
      const link = links.get(p.ifname);
      if (!link) continue;
      if (p.type === 'veth' && p.crossNs) {
        const cands = (index.get(`${p.linkIndex}:${p.ifindex}`) ?? []).filter((c) => c.ns !== n.ns);
        if (cands.length === 1) link.peer = { ns: cands[0].ns, ifname: cands[0].p.ifname };
      } else if (p.type === 'veth' && !link.peer) {
        const peer = [...links.values()].find((l) => l.ifindex === p.linkIndex);
        if (peer) link.peer = { ns: n.ns, ifname: peer.ifname };
      } else if (p.type === 'macvlan' && link.macvlan && !link.macvlan.parent) {
        const parent = p.crossNs ? (n.ns !== HOST_NS ? hostByIndex.get(p.linkIndex) : undefined) : [...links.values()].find((l) => l.ifindex === p.linkIndex);
        if (parent) link.macvlan.parent = parent.ifname;
      }
    }
  }
}
