// The crash journal: which namespaces and interfaces a pass is about to make.
//
// netkeeper knows what it owns from marks in the kernel (lo's ifalias in a
// namespace it made, an ifalias on each interface), but the kernel cannot set a
// mark in the same step that makes the object: `ip netns add` makes a namespace
// whose lo is marked later by a batch inside it, and `ip link add` ignores
// `alias` (the host batch sets it on the next line; a veth's container end is
// marked by that namespace's batch). A pass killed in between leaves namespaces
// and interfaces without their mark, and every later run would refuse them as
// "unowned in the way" — forever.
//
// So, before applying, a pass writes the keys of the namespaces and interfaces
// it will create (and of the namespaces it will delete: `ip netns delete`
// unmounts before it unlinks) to <run dir>/intent.json (beside the lock; it
// holds the lock).
// The next pass reads it: an object listed there that exists without its mark
// was made by netkeeper and is adopted (treated as owned, so the plan marks it,
// or deletes it if it is no longer declared). Entries are kept only while they
// matter — the object exists and is still unmarked — and the journal is emptied
// once a pass verifies the kernel in sync. The journal lives on /run (tmpfs): a
// reboot loses it together with the objects it describes.
//
// Objects listed were absent when the pass planned them under the lock; the
// only way to adopt something that is not ours is for someone to create an
// object of that very name by hand between a killed run and the next run.

import { join } from 'node:path';
import { changeSubject, type Change, type Observed, type Plan } from '../model/plan.js';
import { runDir } from './lock.js';
import { nodeHostFs, type HostFs } from './host-fs.js';

export const INTENT_FILE = 'intent.json';

export interface Intent {
  /** Adopt unmarked objects an earlier (killed) pass was making. Call right after observing. */
  adopt(observed: Observed): Promise<void>;
  /** Before applying: remember what this plan creates (and what earlier passes left unmarked). */
  record(changes: Change[]): Promise<void>;
  /** After verifying: forget everything once the kernel is in sync. */
  settle(remaining: Plan): Promise<void>;
}

const JOURNALED = new Set(['netns', 'link']);

/**
 * Keys a plan will create anew that carry their ownership mark only after a
 * later step — and the namespaces it deletes: `ip netns delete` unmounts the
 * namespace before it removes the file, and killed in between it leaves a file
 * with no namespace (and no mark) on it.
 */
export function intendedKeys(changes: Change[]): string[] {
  return changes
    .filter((c) => {
      const r = changeSubject(c);
      if (!JOURNALED.has(r.kind) || (r.kind === 'netns' && r.origin === 'adopted')) return false;
      return c.action !== 'update' && c.action !== 'adopt' && (c.action !== 'delete' || r.kind === 'netns');
    })
    .map((c) => c.key);
}

/**
 * Mark as owned the unmarked objects listed in `keys` (and, in an adopted
 * namespace, its addresses, routes and neighbours, as observe does for a marked
 * one). Returns the keys that were adopted: those still matter.
 */
export function adoptIntended(observed: Observed, keys: ReadonlySet<string>): Set<string> {
  const adopted = new Set<string>();
  const namespaces = new Set<string>();
  for (const k of keys) {
    const r = observed.resources.get(k);
    if (!r || r.owned) continue;
    observed.resources.set(k, { ...r, owned: true });
    adopted.add(k);
    if (r.kind === 'netns') namespaces.add(r.name);
  }
  if (namespaces.size) {
    for (const [k, r] of observed.resources) {
      if (!r.owned && namespaces.has(r.ns) && (r.kind === 'addr' || r.kind === 'route' || r.kind === 'neigh')) {
        observed.resources.set(k, { ...r, owned: true });
      }
    }
  }
  return adopted;
}

/** The journal in `dir` (default: the run dir, /run/netkeeper or $NETKEEPER_RUN_DIR). */
export function fileIntent(dir: string = runDir(), fs: HostFs = nodeHostFs): Intent {
  const path = join(dir, INTENT_FILE);
  let listed: Set<string> | undefined;
  /** listed keys that were adopted by this pass's first observe: they still matter */
  let live = new Set<string>();
  let first = true;

  const load = async (): Promise<Set<string>> => {
    if (listed) return listed;
    try {
      const j = JSON.parse((await fs.readFile(path)) ?? '{}') as { keys?: unknown };
      listed = new Set(Array.isArray(j.keys) ? j.keys.filter((k): k is string => typeof k === 'string') : []);
    } catch {
      listed = new Set();
    }
    return listed;
  };

  const save = async (keys: Set<string>): Promise<void> => {
    if (keys.size === 0) {
      await fs.rm(path);
      return;
    }
    await fs.mkdir(dir, { mode: 0o755 });
    const tmp = `${path}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify({ pid: process.pid, at: new Date().toISOString(), keys: [...keys].sort() }) + '\n');
    await fs.rename(tmp, path);
  };

  return {
    async adopt(observed) {
      const keys = await load();
      const adopted = adoptIntended(observed, keys);
      if (first) live = adopted;
      first = false;
    },
    async record(changes) {
      const next = new Set([...live, ...intendedKeys(changes)]);
      listed = next;
      await save(next);
    },
    async settle(remaining) {
      if (remaining.changes.length || remaining.conflicts.some((c) => !c.keys)) return;
      // in sync but for what conflicts hold back: that is still to be made (or marked), its entries stay
      const held = new Set([...remaining.conflicts, ...(remaining.warnings ?? [])].flatMap((c) => c.heldBack ?? []));
      listed = new Set([...(await load())].filter((k) => held.has(k)));
      live = new Set([...live].filter((k) => held.has(k)));
      await save(listed);
    },
  };
}
