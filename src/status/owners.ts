// Which declared object a kernel resource belongs to: a Network, a Container, a
// Link, or the host-wide settings (firewall chains and jumps, host sysctls). Used
// by `status` to mark drift per object. Pure.
//
// The owners (src/model/owner.ts) are the grouped plan's (src/view/owners.ts); the
// mapping differs on purpose in two places: here overlay FDB and neighbour entries
// belong to their network (status has no per-Host rows), there to the peer Host;
// here NK-PORTS-* chains belong to their network (status compares published ports
// port by port instead, ports-drift.ts), there to the containers they lead to.
//
// The index is built from the topology (the files' names: which namespace is
// which container, which bridge is which network, which interfaces are a Link's
// ends) and from the kernel's own marks (ifalias nk:net:, nk:vxlan:, nk:veth:,
// nk:link:), so objects that left the files are still named.

import { SETTINGS, type Owner } from '../model/owner.js';
import { HOST_NS } from '../model/resources.js';
import { aliasDetail } from '../model/marks.js';
import { sharedHostsTarget } from '../model/shared-hosts-path.js';
import type { Resource } from '../model/resources.js';
import type { Topology } from '../model/topology.js';

export { SETTINGS, ownerId, type Owner, type OwnerKind } from '../model/owner.js';

export interface OwnerIndex {
  /** netns name → container name */
  containerOfNs: Map<string, string>;
  /** host interface (bridge, VXLAN device) → network name */
  networkOfDev: Map<string, string>;
  /** `ns/ifname` of a Link's end → link name */
  linkOfEnd: Map<string, string>;
  /** host veth → namespace of its container end */
  nsOfHostVeth: Map<string, string>;
  /** a shared hosts file (/etc/netns/.hosts/<set>) → the namespaces whose hosts file links to it */
  sharedHostsUsers: Map<string, string[]>;
}

export function ownerIndex(topo: Topology | undefined, resources: Iterable<Resource>): OwnerIndex {
  const idx: OwnerIndex = { containerOfNs: new Map(), networkOfDev: new Map(), linkOfEnd: new Map(), nsOfHostVeth: new Map(), sharedHostsUsers: new Map() };
  for (const r of resources) {
    if (r.kind === 'file' && r.link !== undefined) {
      const target = sharedHostsTarget(r.path, r.link);
      const users = idx.sharedHostsUsers.get(target) ?? idx.sharedHostsUsers.set(target, []).get(target)!;
      if (!users.includes(r.ns)) users.push(r.ns);
    }
    if (r.kind !== 'link') continue;
    const net = aliasDetail(r.alias, 'net') ?? aliasDetail(r.alias, 'vxlan');
    if (net && r.ns === HOST_NS) idx.networkOfDev.set(r.ifname, net);
    const link = aliasDetail(r.alias, 'link');
    if (link) idx.linkOfEnd.set(`${r.ns}/${r.ifname}`, link);
    const veth = aliasDetail(r.alias, 'veth');
    if (veth && r.ns === HOST_NS) idx.nsOfHostVeth.set(r.ifname, veth.split('/')[0]);
  }
  if (topo) {
    for (const n of topo.networks) {
      if (n.bridge) idx.networkOfDev.set(n.bridge, n.name);
      if (n.vxlanDev) idx.networkOfDev.set(n.vxlanDev, n.name);
    }
    for (const c of topo.containers) {
      if (c.netns) idx.containerOfNs.set(c.netns, c.name);
      for (const a of c.attachments) if (a.hostIfname && c.netns) idx.nsOfHostVeth.set(a.hostIfname, c.netns);
    }
    for (const l of topo.links) for (const e of l.ends) idx.linkOfEnd.set(`${e.ns}/${e.ifname}`, l.name);
  }
  return idx;
}

const container = (idx: OwnerIndex, ns: string): Owner => ({ kind: 'container', name: idx.containerOfNs.get(ns) ?? ns });

/** The `/etc/netns/<ns>/…` namespace of a file path. */
const fileNs = (path: string): string | undefined => /^\/etc\/netns\/([^/]+)\//.exec(path)?.[1];

export function ownerOf(r: Resource, idx: OwnerIndex): Owner {
  const linkAt = (ns: string, ifname: string) => idx.linkOfEnd.get(`${ns}/${ifname}`);
  switch (r.kind) {
    case 'netns':
      return container(idx, r.name);
    case 'link': {
      const net = aliasDetail(r.alias, 'net') ?? aliasDetail(r.alias, 'vxlan');
      if (net && r.ns === HOST_NS) return { kind: 'network', name: net };
      const link = aliasDetail(r.alias, 'link') ?? linkAt(r.ns, r.ifname);
      if (link) return { kind: 'link', name: link };
      if (r.ns !== HOST_NS) return container(idx, r.ns);
      const peerNs = r.peer?.ns ?? aliasDetail(r.alias, 'veth')?.split('/')[0] ?? idx.nsOfHostVeth.get(r.ifname);
      if (peerNs) return container(idx, peerNs);
      const byDev = idx.networkOfDev.get(r.ifname);
      return byDev ? { kind: 'network', name: byDev } : SETTINGS;
    }
    case 'addr': {
      const link = linkAt(r.ns, r.ifname);
      if (link) return { kind: 'link', name: link };
      if (r.ns !== HOST_NS) return container(idx, r.ns);
      const net = idx.networkOfDev.get(r.ifname);
      return net ? { kind: 'network', name: net } : SETTINGS;
    }
    case 'route': {
      const link = r.dev && !r.via ? linkAt(r.ns, r.dev) : undefined;
      if (link) return { kind: 'link', name: link };
      return r.ns === HOST_NS ? SETTINGS : container(idx, r.ns);
    }
    case 'sysctl': {
      if (r.ns !== HOST_NS) return container(idx, r.ns);
      const dev = /^net\.ipv[46]\.conf\.(.+)\.[^.]+$/.exec(r.name)?.[1];
      const net = dev ? idx.networkOfDev.get(dev) : undefined;
      return net ? { kind: 'network', name: net } : SETTINGS;
    }
    case 'file': {
      const ns = fileNs(r.path);
      return ns ? container(idx, ns) : SETTINGS;
    }
    case 'neigh':
    case 'fdb': {
      if (r.ns !== HOST_NS) return container(idx, r.ns);
      const net = idx.networkOfDev.get(r.dev);
      if (net) return { kind: 'network', name: net };
      const ns = idx.nsOfHostVeth.get(r.dev);
      return ns ? container(idx, ns) : SETTINGS;
    }
    case 'chain': {
      if (r.ns !== HOST_NS) return container(idx, r.ns);
      const bridge = r.chain.startsWith('NK-PORTS-') ? r.chain.slice('NK-PORTS-'.length) : undefined;
      const net = bridge ? idx.networkOfDev.get(bridge) : undefined;
      return net ? { kind: 'network', name: net } : SETTINGS;
    }
    case 'hook':
      return r.ns === HOST_NS ? SETTINGS : container(idx, r.ns);
  }
}

/** The declared objects behind one resource (planview's signature; here always one). */
export function ownersOf(r: Resource, idx: OwnerIndex): Owner[] {
  return [ownerOf(r, idx)];
}
