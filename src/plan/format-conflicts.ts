// Conflicts and warnings for people: one line each (file:line:col, object, what to
// do, [code]) and the changes each holds back. Pure.

import { formatDiagnostic } from '../model/diagnostic.js';
import type { Conflict, Plan } from '../model/plan.js';

const MAX_HELD = 8;

export function heldBackText(keys: string[]): string {
  const shown = keys.slice(0, MAX_HELD).join(', ');
  return keys.length > MAX_HELD ? `${shown}, … (${keys.length - MAX_HELD} more)` : shown;
}

export function conflictLines(c: Conflict, level: 'error' | 'warning'): string[] {
  const lines = [`${level}: ${formatDiagnostic(c)}`];
  if (c.heldBack?.length) lines.push(`  held back: ${heldBackText(c.heldBack)}`);
  return lines;
}

/** Warnings, then errors: every line of a plan's conflicts. */
export function planProblemLines(plan: Pick<Plan, 'conflicts' | 'warnings'>): string[] {
  return [...(plan.warnings ?? []).flatMap((w) => conflictLines(w, 'warning')), ...plan.conflicts.flatMap((c) => conflictLines(c, 'error'))];
}

/** How many changes the conflicts (errors) hold back. */
export function heldBackCount(plan: Pick<Plan, 'conflicts'>): number {
  return new Set(plan.conflicts.flatMap((c) => c.heldBack ?? [])).size;
}
