// Drift a watcher pass healed, per declared object and in the user's words (the
// same words as `status`: "missing interface eth0", "missing address 10.0.0.3",
// "firewall rules in filter/NK-FORWARD: 3 missing", "missing forwarding entry
// …"). Pure: the watcher keeps the last few in its state file (state-file.ts)
// and `status` shows them.

import type { Plan } from '../model/plan.js';
import type { Resource } from '../model/resources.js';
import type { Topology } from '../model/topology.js';
import { ownerLabel } from '../model/owner.js';
import { driftByOwner } from './drift.js';
import { ownerIndex } from './owners.js';

export interface Healing {
  /** when the pass that healed it started (ISO) */
  at: string;
  /** the watcher pass */
  pass: number;
  /** "Container web", "Network frontend", "Host settings" */
  object: string;
  /** what was found changed behind netkeeper's back, now put back */
  what: string[];
}

/** How many healings the state file keeps. */
export const MAX_HEALINGS = 20;

/** The drift healed by applying `plan` (only changes whose commands all succeeded), one entry per object. */
export function healingsOf(
  plan: Plan,
  sides: { topo?: Topology; observed: readonly Resource[]; desired: readonly Resource[] },
  done: ReadonlySet<string>,
  at: string,
  pass: number,
): Healing[] {
  const applied: Plan = { changes: plan.changes.filter((c) => done.has(c.key)), conflicts: [] };
  if (applied.changes.length === 0) return [];
  const idx = ownerIndex(sides.topo, [...sides.observed, ...sides.desired]);
  const out: Healing[] = [];
  for (const d of driftByOwner(applied, idx).values()) {
    if (d.what.length === 0) continue;
    out.push({ at, pass, object: ownerLabel(d.owner), what: d.what });
  }
  return out;
}

/** The newest first, at most MAX_HEALINGS. */
export function keepHealings(old: Healing[] | undefined, added: Healing[]): Healing[] {
  return [...added, ...(old ?? [])].slice(0, MAX_HEALINGS);
}

/** "healed drift (newest first):" and a line each. */
export function formatHealings(hs: Healing[]): string[] {
  if (hs.length === 0) return [];
  return ['healed drift (newest first):', ...hs.map((h) => `  ${h.at} pass #${h.pass}: ${h.object}: ${h.what.join(', ')}`)];
}
