// A plan grouped by what the user declared: one entry per network, container,
// link, overlay peer host and the host-wide settings, with its action and its
// attributes before and after. Pure.

import type { Change, ChangeAction, Plan } from '../model/plan.js';
import { HOST_NS, type Resource } from '../model/resources.js';
import { isSharedHostsPath } from '../model/shared-hosts-path.js';
import type { Topology } from '../model/topology.js';
import { attributes, naturalCompare, type Attrs } from './attributes.js';
import { nsOwner, ownerId, ownerIndex, ownersOf, SETTINGS, type Owner, type OwnerIndex, type OwnerKind } from './owners.js';

export interface AttrChange {
  /** attribute name, qualified as `ip (frontend)` when the object has several */
  name: string;
  before?: string;
  after?: string;
}

export interface ObjectChange {
  owner: Owner;
  action: ChangeAction;
  /** replace: why the object is made anew */
  forces?: string;
  /** attributes that differ (create: every attribute after; delete: none) */
  attrs: AttrChange[];
  /** the kernel-level changes, in plan order */
  changes: Change[];
}

export interface PlanSides {
  topo?: Topology;
  /** every resource the files make */
  desired: readonly Resource[];
  /** what the kernel has (only netkeeper's own resources are read) */
  observed: readonly Resource[];
}

const KIND_ORDER: OwnerKind[] = ['network', 'container', 'link', 'host', 'settings'];

/** Shared hosts files (/etc/netns/.hosts/<set>): their changes are about the containers whose entries change. */
const isSharedHosts = (r: Resource | undefined): r is Extract<Resource, { kind: 'file' }> =>
  r?.kind === 'file' && r.ns === HOST_NS && isSharedHostsPath(r.path);

/** Items of `r` that are compared one by one: a chain's rules, a shared hosts file's lines. */
function items(r: Resource | undefined): string[] {
  if (r?.kind === 'chain') return r.rules;
  return isSharedHosts(r) ? r.content.split('\n').filter((l) => l.trim()) : [];
}

/** Rules of a chain (lines of a shared hosts file) that are in `x` and not in `y`. */
function onlyIn(x: Resource | undefined, y: Resource | undefined): string[] {
  const ys = new Set(items(y));
  return items(x).filter((r) => !ys.has(r));
}

export interface OwnerIndexes {
  before: OwnerIndex;
  after: OwnerIndex;
}

/** The declared objects a change belongs to: what it removes by the kernel's marks, what it makes by the files. */
export function changeOwners(c: Change, idx: OwnerIndexes): Owner[] {
  const out = new Map<string, Owner>();
  const add = (os: Owner[]) => {
    for (const o of os) if (!out.has(ownerId(o))) out.set(ownerId(o), o);
  };
  if (c.action !== 'delete') add(ownersOf(c.after, idx.after, onlyIn(c.after, c.before)));
  if (c.action !== 'create' && c.before) {
    const removed = onlyIn(c.before, c.after);
    // an update that only adds rules is about the containers it adds them for
    if (c.action === 'delete' || c.before.kind !== 'chain' || removed.length) add(ownersOf(c.before, idx.before, removed));
  }
  // a shared hosts file whose changed lines name no container (edited by hand): each container it serves
  if (!out.size && (isSharedHosts(c.after) || isSharedHosts(c.before))) {
    if (c.after) add(ownersOf(c.after, idx.after));
    if (c.before) add(ownersOf(c.before, idx.before));
  }
  return out.size ? [...out.values()] : [SETTINGS];
}

/**
 * Which namespaces' resources may belong to a group: a resource inside a namespace
 * is its container's (nsOwner) or a Link's, so without a Link among the groups
 * only the namespaces of grouped containers are read (a small plan on a big host
 * need not find the owner of every resource). undefined: every namespace.
 */
function nsFilter(groups: ReadonlySet<string>, idx: OwnerIndex): ((ns: string) => boolean) | undefined {
  if ([...groups].some((id) => id.startsWith('link:'))) return undefined;
  const memo = new Map<string, boolean>();
  return (ns) => {
    let keep = memo.get(ns);
    if (keep === undefined) memo.set(ns, (keep = groups.has(ownerId({ kind: 'container', name: nsOwner(idx, ns) }))));
    return keep;
  };
}

function byOwner(rs: Iterable<Resource>, idx: OwnerIndex, groups: ReadonlySet<string>): Map<string, Resource[]> {
  const m = new Map<string, Resource[]>();
  const keepNs = nsFilter(groups, idx);
  for (const r of rs) {
    if (!r.owned) continue;
    if (keepNs && r.ns !== HOST_NS && r.kind !== 'netns' && !keepNs(r.ns)) continue;
    for (const o of ownersOf(r, idx)) {
      const id = ownerId(o);
      if (!m.has(id)) m.set(id, []);
      m.get(id)!.push(r);
    }
  }
  return m;
}

/** `ip@frontend` → `ip` when the object has one network, else `ip (frontend)`. */
function attrNames(before: Attrs, after: Attrs): Map<string, string> {
  const all = [...new Set([...after.keys(), ...before.keys()])];
  const quals = new Map<string, Set<string>>();
  for (const k of all) {
    const [base, q] = k.split('@');
    if (q === undefined) continue;
    if (!quals.has(base)) quals.set(base, new Set());
    quals.get(base)!.add(q);
  }
  return new Map(
    all.map((k) => {
      const [base, q] = k.split('@');
      return [k, q === undefined ? k : quals.get(base)!.size === 1 && !base.startsWith('containers') && !base.startsWith('floods') ? base : `${base} (${q})`];
    }),
  );
}

/** Shown for an object made anew: what identifies it (the rest: --detail). */
const CREATE_SKIP = new Set(['mac', 'mtu', 'namespace', 'hosts', 'dns', 'hostname', 'routes', 'this host', 'vxlan port']);

function attrChanges(before: Attrs, after: Attrs, action: ChangeAction): AttrChange[] {
  const names = attrNames(before, after);
  const out: AttrChange[] = [];
  for (const [k, name] of names) {
    const b = before.get(k);
    const a = after.get(k);
    if (action === 'delete') continue;
    if (action === 'create') {
      const base = k.split('@')[0];
      if (a !== undefined && !CREATE_SKIP.has(base) && !(base === 'forwarding' && a === 'false')) out.push({ name, after: a });
      continue;
    }
    if (a !== b) out.push({ name, ...(b !== undefined ? { before: b } : {}), ...(a !== undefined ? { after: a } : {}) });
  }
  return out;
}

/** Why a replace happens, in the user's words where the kernel's reason allows. */
function forcesText(c: Change): string {
  const r = c.reason;
  if (/^vxlan settings changed/.test(r)) return 'overlay settings (vni, port, this host) changed';
  if (/^macvlan settings changed/.test(r)) return 'macvlan parent or mode changed';
  if (/^peer /.test(r)) return `${c.key.startsWith('link:') ? 'interface moved' : 'changed'}: ${r}`;
  if (/^type /.test(r)) return `interface ${r}`;
  return r;
}

/**
 * The last grouping of each list of changes with the sides it was made from:
 * reconcile shows the plan, applies it and counts what it applied over the same
 * changes and sides, and at 1000 containers a grouping costs a few hundred ms.
 */
const grouped = new WeakMap<readonly Change[], { sides: PlanSides; objects: ObjectChange[] }>();

/** Group a plan's changes by the declared object that causes them (the result is shared: do not change it). */
export function groupPlan(plan: Pick<Plan, 'changes'>, sides: PlanSides): ObjectChange[] {
  const hit = grouped.get(plan.changes);
  if (hit && hit.sides === sides) return hit.objects;
  const objects = groupAnew(plan, sides);
  grouped.set(plan.changes, { sides, objects });
  return objects;
}

function groupAnew(plan: Pick<Plan, 'changes'>, sides: PlanSides): ObjectChange[] {
  const observed = [...sides.observed];
  const desired = [...sides.desired];
  // adopted objects: what is live (unmarked) is their before side
  const adopting = plan.changes.some((c) => c.action === 'adopt');
  const wanted = adopting ? new Set(desired.map((r) => r.key)) : undefined;
  const mine = observed.filter((r) => r.owned || wanted?.has(r.key));
  const idx: OwnerIndexes = { before: ownerIndex(sides.topo, mine, 'before'), after: ownerIndex(sides.topo, [...desired, ...mine]) };
  const groups = new Map<string, { owner: Owner; changes: Change[] }>();
  for (const c of plan.changes) {
    for (const o of changeOwners(c, idx)) {
      const id = ownerId(o);
      if (!groups.has(id)) groups.set(id, { owner: o, changes: [] });
      groups.get(id)!.changes.push(c);
    }
  }
  const ids = new Set(groups.keys());
  const before = byOwner(mine, idx.before, ids);
  const after = byOwner(desired, idx.after, ids);
  const out: ObjectChange[] = [];
  for (const [id, g] of groups) {
    let had = before.get(id) ?? [];
    let will = after.get(id) ?? [];
    const action0: ChangeAction = had.length === 0 ? 'create' : will.length === 0 ? 'delete' : 'update';
    if (g.owner.kind === 'settings') {
      // host-wide odds and ends: only what changes (a sysctl the files no longer name is left as it is)
      const keys = new Set(g.changes.map((c) => c.key));
      had = had.filter((r) => keys.has(r.key));
      will = will.filter((r) => keys.has(r.key));
    }
    let action: ChangeAction = action0;
    let forces: string | undefined;
    const adopts = g.changes.some((c) => c.action === 'adopt' && (c.key.startsWith('netns:') || c.key.startsWith('link:')));
    if (adopts && !g.changes.some((c) => c.action === 'replace')) action = 'adopt';
    if (action === 'update') {
      const primary = g.changes.find((c) => c.action === 'replace' && (c.key.startsWith('netns:') || c.key.startsWith('link:')));
      if (primary) {
        action = 'replace';
        forces = forcesText(primary);
      }
    }
    const attrs = attrChanges(attributes(g.owner, had, idx.before), attributes(g.owner, will, idx.after), action);
    out.push({ owner: g.owner, action, ...(forces ? { forces } : {}), attrs, changes: g.changes });
  }
  return out.sort((a, b) => KIND_ORDER.indexOf(a.owner.kind) - KIND_ORDER.indexOf(b.owner.kind) || naturalCompare(a.owner.name, b.owner.name));
}
