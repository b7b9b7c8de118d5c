// The plan as text: one block per declared object (default), or the kernel-level
// changes under the object that causes each (--detail). Pure: the caller says
// whether to colour.

import type { ChangeAction, Plan } from '../model/plan.js';
import { textTable } from '../model/text-table.js';
import { heldBackCount, planProblemLines } from '../plan/format-conflicts.js';
import { RULES_PREFIX } from './attributes.js';
import { groupPlan, type AttrChange, type ObjectChange, type PlanSides } from './group.js';
import { ownerLabel } from './owners.js';
import { fileDiff } from './line-diff.js';

export const SYMBOL: Record<ChangeAction, string> = { create: '+', update: '~', replace: '-/+', delete: '-', adopt: '<=' };
const KERNEL_SYMBOL: Record<ChangeAction, string> = { create: '+', update: '~', replace: '±', delete: '-', adopt: '<=' };
const COLOUR: Record<ChangeAction, string> = { create: '32', update: '33', replace: '35', delete: '31', adopt: '36' };

export interface TextOptions {
  /** ANSI colours (a terminal without NO_COLOR) */
  color?: boolean;
  /** print the conflicts and warnings too (false: the caller prints them on stderr) */
  problems?: boolean;
}

const paint = (on: boolean | undefined, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = (on: boolean | undefined, s: string) => (on ? `\x1b[1m${s}\x1b[0m` : s);

/** "Plan: 2 to create, 1 to update, 0 to replace, 1 to delete" over objects (or kernel changes). */
export function countsText(items: { action: ChangeAction }[]): string {
  const n = (a: ChangeAction) => items.filter((c) => c.action === a).length;
  const adopt = n('adopt') ? `, ${n('adopt')} to adopt` : '';
  return `${n('create')} to create, ${n('update')} to update, ${n('replace')} to replace, ${n('delete')} to delete${adopt}`;
}

const MAX_LIST = 6;

/** A list attribute (one entry a line): entries added and removed. */
function listLines(a: AttrChange): string[] {
  const before = a.before?.split('\n') ?? [];
  const after = a.after?.split('\n') ?? [];
  const b = new Set(before);
  const aa = new Set(after);
  const lines = [...after.filter((x) => !b.has(x)).map((x) => `+ ${x}`), ...before.filter((x) => !aa.has(x)).map((x) => `- ${x}`)];
  return lines.length > MAX_LIST ? [...lines.slice(0, MAX_LIST - 1), `… and ${lines.length - MAX_LIST + 1} more`] : lines;
}

function attrLines(a: AttrChange, action: ChangeAction): string[] {
  const multi = (a.before ?? '').includes('\n') || (a.after ?? '').includes('\n');
  if (a.name.startsWith(RULES_PREFIX)) {
    const add = (a.after && a.after !== '(empty)' ? a.after.split('\n') : []).filter((x) => !(a.before ?? '').split('\n').includes(x)).length;
    const del = (a.before && a.before !== '(empty)' ? a.before.split('\n') : []).filter((x) => !(a.after ?? '').split('\n').includes(x)).length;
    const what = a.before === undefined ? 'created' : a.after === undefined ? 'removed' : `${add} rule${add === 1 ? '' : 's'} added, ${del} removed`;
    return [`${a.name.slice(RULES_PREFIX.length)} (iptables): ${what}`];
  }
  if (a.before === undefined && a.after === 'present') return [`${a.name}: added`];
  if (a.after === undefined && a.before === 'present') return [`${a.name}: removed`];
  if (action === 'create') return [`${a.name}: ${multi ? a.after!.split('\n').join(', ') : a.after}`];
  if (multi || (a.before === undefined && a.after?.includes('\n')) || (a.after === undefined && a.before?.includes('\n'))) {
    return [`${a.name}:`, ...listLines(a).map((l) => `  ${l}`)];
  }
  return [`${a.name}: ${a.before ?? '(none)'} → ${a.after ?? '(none)'}`];
}

/** What an update with no attribute in the files' words changes: the kernel's reasons (drift put back). */
function driftLines(o: ObjectChange): string[] {
  const verb = (c: ObjectChange['changes'][number]) =>
    c.action === 'create'
      ? `adds ${c.key}`
      : c.action === 'delete'
        ? `removes ${c.key}`
        : `${c.action === 'replace' ? 'remakes' : 'changes'} ${c.key}: ${c.reason}`;
  const lines = o.changes.slice(0, 3).map(verb);
  if (o.changes.length > 3) lines.push(`… and ${o.changes.length - 3} more kernel changes`);
  return lines;
}

/** What adopting an object does to the live kernel objects: marks them, and what is changed in place. */
function adoptLines(o: ObjectChange): string[] {
  const marked = o.changes.filter((c) => c.action === 'adopt').length;
  const inPlace = o.changes.flatMap((c) =>
    c.action === 'adopt' || c.action === 'update'
      ? c.reason
          .split('; ')
          .filter((r) => r !== 'adopted as it is' && !r.startsWith('alias '))
          .map((r) => `${c.key}: ${r}`)
      : [],
  );
  const made = o.changes.filter((c) => c.action === 'create').length;
  return [
    `adopted as it is: ${marked} live object${marked === 1 ? '' : 's'} marked netkeeper's, none made anew`,
    ...inPlace.slice(0, 4).map((r) => `in place: ${r}`),
    ...(inPlace.length > 4 ? [`… and ${inPlace.length - 4} more in-place changes`] : []),
    ...(made ? [`added: ${made} object${made === 1 ? '' : 's'} it lacked (routes, /etc/netns files, ...)`] : []),
  ];
}

function objectBlock(o: ObjectChange, opts: TextOptions): string[] {
  const sym = SYMBOL[o.action].padStart(3);
  const head = `${paint(opts.color, COLOUR[o.action], sym)} ${bold(opts.color, ownerLabel(o.owner))}`;
  if (o.action === 'delete') return [head];
  // adopted: the attributes it keeps (as a create shows them) and what changes in place besides the mark
  const body = o.attrs.flatMap((a) => attrLines(a, o.action === 'adopt' ? 'create' : o.action));
  if (o.action === 'adopt') body.push(...adoptLines(o));
  if (o.action === 'update' && body.length === 0) body.push(...driftLines(o));
  const forces = o.forces ? [paint(opts.color, COLOUR.replace, `(forces replacement: ${o.forces})`)] : [];
  return [head, ...[...forces, ...body].map((l) => `      ${l}`)];
}

function noChanges(plan: Plan): string {
  const blocked = plan.conflicts.length > 0;
  return !blocked
    ? 'No changes: the kernel matches networks.d.'
    : plan.conflicts.some((c) => !c.keys)
      ? 'Nothing can be applied until the conflicts above are resolved.'
      : 'No other changes: what the conflicts above do not hold back matches networks.d.';
}

function heldText(plan: Plan): string {
  const blocked = plan.conflicts.length > 0;
  return blocked && !plan.conflicts.some((c) => !c.keys) ? `; ${heldBackCount(plan)} held back by the conflicts` : '';
}

/** The default plan: one block per declared object and a summary line over objects. */
export function formatGroupedPlan(plan: Plan, sides: PlanSides, opts: TextOptions = {}): string {
  const out: string[] = [];
  if (opts.problems !== false) out.push(...planProblemLines(plan));
  if (plan.changes.length === 0) return [...out, noChanges(plan)].join('\n') + '\n';
  const objects = groupPlan(plan, sides);
  for (const o of objects) out.push(...objectBlock(o, opts));
  out.push('', `Plan: ${countsText(objects)}${heldText(plan)}.`);
  return out.join('\n') + '\n';
}

/** --detail: the kernel changes under the object that causes each, iptables rules one a line, file diffs. */
export function formatDetailPlan(plan: Plan, sides: PlanSides, opts: TextOptions = {}): string {
  const out: string[] = [];
  if (opts.problems !== false) out.push(...planProblemLines(plan));
  if (plan.changes.length === 0) return [...out, noChanges(plan)].join('\n') + '\n';
  const objects = groupPlan(plan, sides);
  const seen = new Set<string>();
  for (const o of objects) {
    out.push(`${paint(opts.color, COLOUR[o.action], SYMBOL[o.action].padStart(3))} ${bold(opts.color, ownerLabel(o.owner))}:`);
    const rows: string[][] = [];
    const extra = new Map<number, string[]>();
    for (const c of o.changes) {
      if (seen.has(c.key)) {
        rows.push([`   ${KERNEL_SYMBOL[c.action]}`, c.key, '(listed above)']);
        continue;
      }
      seen.add(c.key);
      const row = [`   ${KERNEL_SYMBOL[c.action]}`, c.key, c.reason];
      rows.push(row);
      const lines: string[] = [];
      const b = c.before;
      const a = c.after;
      if ((b?.kind ?? a?.kind) === 'chain') {
        const before = b?.kind === 'chain' && c.action !== 'create' ? b.rules : [];
        const after = a?.kind === 'chain' && c.action !== 'delete' ? a.rules : [];
        const chain = (a ?? b) as { chain: string };
        const added = after.filter((x) => !before.includes(x));
        const removed = before.filter((x) => !after.includes(x));
        for (const r of added) lines.push(`        + -A ${chain.chain} ${r}`);
        for (const r of removed) lines.push(`        - -A ${chain.chain} ${r}`);
        // the rules are listed below, one a line
        if (c.action === 'update' || c.action === 'replace') row[2] = `${added.length} rule${added.length === 1 ? '' : 's'} added, ${removed.length} removed`;
      }
      if ((b?.kind ?? a?.kind) === 'file') {
        const path = ((a ?? b) as { path: string }).path;
        const before = b?.kind === 'file' ? b.content : '';
        const after = a?.kind === 'file' && c.action !== 'delete' ? a.content : '';
        // a hosts file that becomes a link to a shared one: where it points (the shared file shows its lines)
        if (a?.kind === 'file' && a.link !== undefined && c.action !== 'delete') lines.push(`        ${path} -> ${a.link}`);
        else lines.push(...fileDiff(path, before, after).map((l) => `        ${l}`));
      }
      if (lines.length) extra.set(rows.length - 1, lines);
    }
    textTable(rows).forEach((l, i) => out.push(l, ...(extra.get(i) ?? [])));
  }
  out.push('', `Plan: ${countsText(plan.changes)} (kernel objects)${heldText(plan)}.`);
  return out.join('\n') + '\n';
}
