// `status`: adopted namespaces (`netns: {pid: …}` or `{path: …}`) that are gone —
// their process exited, or the path went — and with them what netkeeper made in
// them; a pass reports them as warnings and holds back what it would make in them. Pure.

import type { Observed } from '../model/plan.js';
import { key } from '../model/resources.js';
import type { Topology } from '../model/topology.js';

export interface GoneNamespace {
  container: string;
  path: string;
}

export function goneAdopted(topo: Topology, observed: Observed): GoneNamespace[] {
  return topo.containers
    .filter((c) => c.local && c.netnsOrigin === 'adopted' && c.netns && !observed.resources.has(key.netns(c.netns)))
    .map((c) => ({ container: c.name, path: c.netnsPath ?? '' }));
}

export function formatGone(gone: GoneNamespace[]): string[] {
  return gone.map(
    (g) =>
      `warning: Container ${g.container}: the adopted namespace ${g.path} no longer exists (its process exited?); nothing is made for it until it exists again`,
  );
}
