// Topology + desired state of hand-built configs, for the host checks.
import type { Config } from '../../../../src/model/config.js';
import type { Desired, Observed } from '../../../../src/model/plan.js';
import type { Topology } from '../../../../src/model/topology.js';
import { buildDesired } from '../../../../src/plan/desired.js';
import { buildTopology } from '../../../../src/plan/topology/index.js';

export function build(cfg: Config, obs: Observed, self = 'node-a'): { topo: Topology; desired: Desired } {
  const t = buildTopology(cfg, obs, self);
  if (!t.ok) throw new Error(JSON.stringify(t.errors));
  return { topo: t.value, desired: buildDesired(t.value, '', { firewall: true, overlay: true }) };
}
