// `plan --json` and `reconcile --json` (docs/json.md, schemas/plan-output.schema.json).

import type { Plan } from '../model/plan.js';
import type { Program } from '../render/index.js';
import type { PlanSides } from '../view/group.js';
import { groupPlan } from '../view/group.js';
import { ownerLabel } from '../view/owners.js';
import { FORMAT_VERSION } from './saved-plan.js';

/** Version of the JSON that plan, reconcile, status and validate print: raised on an incompatible change. */
export const JSON_FORMAT_VERSION = FORMAT_VERSION;

/** The plan by declared object: kind, name, action, attributes before → after, and the keys of its kernel changes. */
export function objectsJson(plan: Plan, sides: PlanSides) {
  return groupPlan(plan, sides).map((o) => ({
    kind: o.owner.kind,
    name: o.owner.name,
    label: ownerLabel(o.owner),
    action: o.action,
    ...(o.forces ? { forces: o.forces } : {}),
    attributes: o.attrs.map((a) => ({
      name: a.name,
      ...(a.before !== undefined ? { before: a.before } : {}),
      ...(a.after !== undefined ? { after: a.after } : {}),
    })),
    keys: o.changes.map((c) => c.key),
  }));
}

function commandsJson(p: Program) {
  return {
    nsPre: Object.fromEntries([...p.nsPre].map(([ns, l]) => [ns, l.map((x) => x.text)])),
    host: p.host.map((x) => x.text),
    mounts: p.mounts,
    nsPost: Object.fromEntries([...p.nsPost].map(([ns, l]) => [ns, l.map((x) => x.text)])),
    bridge: Object.fromEntries([...p.bridge].map(([ns, l]) => [ns, l.map((x) => x.text)])),
    sysctls: p.sysctls,
    files: [
      ...p.files.map((f) => ({ path: f.path, action: f.content === null ? 'delete' : 'write' })),
      ...p.dirs.map((d) => ({ path: d.path, action: 'delete directory' })),
    ],
    iptables: p.iptables,
    conntrack: p.conntrack,
    brNetfilter: p.brNetfilter,
  };
}

export function planJson(o: { plan: Plan; sides?: PlanSides; program?: Program; chosen?: unknown[] }) {
  return {
    formatVersion: JSON_FORMAT_VERSION,
    changes: o.plan.changes,
    conflicts: o.plan.conflicts,
    warnings: o.plan.warnings ?? [],
    objects: o.sides ? objectsJson(o.plan, o.sides) : [],
    ...(o.program ? { commands: commandsJson(o.program) } : {}),
    ...(o.chosen ? { chosenPorts: o.chosen } : {}),
  };
}
