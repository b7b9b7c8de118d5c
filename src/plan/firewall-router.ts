// Router containers: MASQUERADE out of the interfaces a container names in
// `masquerade`, in the namespace its rules live in (IPv4). Pure.

import { HOST_NS, chainRes as chain } from '../model/resources.js';
import type { Resource } from '../model/resources.js';
import type { TContainer, Topology } from '../model/topology.js';
import { CHAINS, hook } from './firewall-common.js';
import { rule } from './firewall-rules.js';

/** The namespace a container's own rules live in (a shared namespace belongs to its owner). */
function nsOf(c: TContainer, topo: Topology): string {
  if (c.mode === 'host') return HOST_NS;
  if (c.netnsOrigin === 'shared' && c.sharedWith) {
    const owner = topo.containers.find((x) => x.name === c.sharedWith);
    if (owner?.netns) return owner.netns;
  }
  return c.netns ?? c.name;
}

export function routerMasquerade(topo: Topology, ns: string): string[] {
  const out: string[] = [];
  for (const c of topo.containers) {
    if (!c.local || nsOf(c, topo) !== ns) continue;
    for (const ifname of c.masquerade) {
      const r = rule({ o: ifname, j: 'MASQUERADE' });
      if (!out.includes(r)) out.push(r);
    }
  }
  return out;
}

/** MASQUERADE rules inside router containers' namespaces (IPv4). */
export function routerFamily(topo: Topology): Resource[] {
  const out: Resource[] = [];
  const spaces = new Set<string>();
  for (const c of topo.containers) if (c.local && c.masquerade.length > 0 && nsOf(c, topo) !== HOST_NS) spaces.add(nsOf(c, topo));
  for (const ns of spaces) {
    out.push(chain(ns, 'ipv4', 'nat', CHAINS.postrouting, routerMasquerade(topo, ns)));
    out.push(hook(ns, 'ipv4', 'nat', 'POSTROUTING', CHAINS.postrouting, rule({ mark: true, j: CHAINS.postrouting }), 'last'));
  }
  return out;
}
