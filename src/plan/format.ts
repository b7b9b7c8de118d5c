// Human tables for `plan`. Pure. (`status` has its own: src/status/.)

import type { Change, Plan } from '../model/plan.js';
import { heldBackCount, planProblemLines } from './format-conflicts.js';
import { textTable } from '../model/text-table.js';

const SYMBOL: Record<Change['action'], string> = { create: '+', update: '~', replace: '±', delete: '-', adopt: '<=' };

export function summary(changes: Change[]): string {
  const n = (a: Change['action']) => changes.filter((c) => c.action === a).length;
  const adopt = n('adopt') ? `, ${n('adopt')} to adopt` : '';
  return `${n('create')} to create, ${n('update')} to update, ${n('replace')} to replace, ${n('delete')} to delete${adopt}`;
}

/** `problems`: false when the caller prints the conflicts and warnings itself (on stderr). */
export function formatPlan(plan: Plan, problems = true): string {
  const out: string[] = [];
  if (problems) out.push(...planProblemLines(plan));
  const blocked = plan.conflicts.length > 0;
  if (plan.changes.length === 0) {
    out.push(
      !blocked
        ? 'No changes: the kernel matches networks.d.'
        : plan.conflicts.some((c) => !c.keys)
          ? 'Nothing can be applied until the conflicts above are resolved.'
          : 'No other changes: what the conflicts above do not hold back matches networks.d.',
    );
    return out.join('\n') + '\n';
  }
  out.push(...textTable(plan.changes.map((c) => [` ${SYMBOL[c.action]}`, c.key, c.reason])));
  const held = blocked && !plan.conflicts.some((c) => !c.keys) ? `; ${heldBackCount(plan)} held back by the conflicts` : '';
  out.push('', `Plan: ${summary(plan.changes)}${held}.`);
  return out.join('\n') + '\n';
}
