// Plans between two versions of a networks.d (YAML text), all pure: the kernel
// is the desired state of the old files (what a reconcile of them left).
import { parseConfig } from '../../../src/config/index.js';
import { buildTopology } from '../../../src/plan/topology/index.js';
import { buildDesired } from '../../../src/plan/desired.js';
import { diff } from '../../../src/plan/diff.js';
import type { Observed, Plan } from '../../../src/model/plan.js';
import type { Resource } from '../../../src/model/resources.js';
import type { Topology } from '../../../src/model/topology.js';
import type { PlanSides } from '../../../src/view/group.js';
import { dedent } from '../config/helpers.js';

const RESOLV = 'nameserver 10.0.0.2\n';

function emptyObserved(resources: Iterable<Resource> = []): Observed {
  return {
    resources: new Map([...resources].map((r) => [r.key, structuredClone(r)])),
    facts: { foreignRoutes: [], resolvConf: RESOLV, hostname: 'node-a', linkMtu: { eth0: 1500 } },
  };
}

export function desiredOf(yaml: string, observed: Observed = emptyObserved(), self = 'node-a'): { topo: Topology; resources: Resource[] } {
  const parsed = parseConfig(yaml.trim() ? [{ path: 'networks.d/test.yaml', text: dedent(yaml) }] : []);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  const t = buildTopology(parsed.value, observed, self);
  if (!t.ok) throw new Error(t.errors.map((e) => e.message).join('\n'));
  const d = buildDesired(t.value, RESOLV, { firewall: true, overlay: true });
  return { topo: t.value, resources: [...d.resources.values()] };
}

/** The plan from `before` (applied) to `after`, with what the view needs. */
export function scenario(before: string, after: string, self = 'node-a'): { plan: Plan; sides: PlanSides } {
  const old = desiredOf(before, emptyObserved(), self);
  const observed = emptyObserved(old.resources);
  const now = desiredOf(after, observed, self);
  const plan = diff({ resources: new Map(now.resources.map((r) => [r.key, r])) }, observed, { prune: true });
  return { plan, sides: { topo: now.topo, desired: now.resources, observed: [...observed.resources.values()] } };
}
