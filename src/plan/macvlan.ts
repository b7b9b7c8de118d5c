// Checks for macvlan networks that need the live host: the parent must exist and be up.
// Pure: reads Topology and Observed, returns diagnostics for the plan's conflicts
// (so nothing at all is applied while a parent is missing).

import type { Diagnostic } from '../model/diagnostic.js';
import type { Observed } from '../model/plan.js';
import { HOST_NS, key } from '../model/resources.js';
import type { Topology } from '../model/topology.js';

/** macvlan networks with members on this host whose parent interface is not in the host namespace. */
export function macvlanConflicts(topo: Topology, observed: Observed): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const n of topo.networks) {
    if (n.driver !== 'macvlan') continue;
    const users = topo.containers.filter((c) => c.local && c.netnsOrigin !== 'shared' && c.attachments.some((a) => a.network === n.name));
    if (users.length === 0) continue;
    const parent = n.parent ?? '';
    const link = parent ? observed.resources.get(key.link(HOST_NS, parent)) : undefined;
    if (link && link.kind === 'link') {
      if (!link.up)
        out.push({
          code: 'macvlan-parent-down',
          message: `macvlan parent interface ${parent} is down (needed by ${users.map((c) => c.name).join(', ')}): their interfaces would have no link; bring ${parent} up (netkeeper never changes a parent)`,
          object: `Network ${n.name}`,
          ...(n.pos ? { pos: n.pos } : {}),
        });
      continue;
    }
    out.push({
      code: 'macvlan-parent-missing',
      message: parent
        ? `macvlan parent interface ${parent} does not exist on this host (needed by ${users.map((c) => c.name).join(', ')}); netkeeper never creates or changes a parent`
        : 'macvlan network has no parent interface',
      object: `Network ${n.name}`,
      ...(n.pos ? { pos: n.pos } : {}),
    });
  }
  return out;
}
