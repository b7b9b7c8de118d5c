// The reverse of a plan, for rolling a pass back. Pure.
//
// Before applying, a pass records the *before image*: for every key the plan
// touches, the object as observed (or null: it did not exist) — and, for what the
// plan deletes or makes anew, everything that goes with it (a namespace's links,
// addresses, routes, neighbours, FDB entries, sysctls and chains; a link's
// addresses, routes, neighbours, FDB entries, bridge ports and veth peer).
//
// Rolling back diffs that image against the kernel as it is *then*
// (reverseChanges): what exists and did not → delete; what did and is gone →
// create with its old attributes; what differs → update (or replace) to the old
// attributes. Diffing against the kernel as it is, not reversing the plan line by
// line, makes the reverse exact whatever part of the pass ran: a pass that failed
// half-way, or one killed at any point (the next run completes it from the
// record), and a rollback killed half-way is completed the same way.
//
// reversePlan(changes, observed) is the reverse of the whole plan (every change
// applied), ordered as a plan: what `plan` would show as the rollback.

import { HOST_NS, type LinkRes, type Resource, type ResourceMap } from '../model/resources.js';
import { changeSubject, type Change } from '../model/plan.js';
import { vethPeer } from '../model/marks.js';
import { immutableDiff, mutableDiff } from './diff-attributes.js';
import { orderChanges } from './change-order.js';

/** key → the object as it was before the pass, or null (absent). */
export type BeforeImage = Map<string, Resource | null>;

/** Link types netkeeper can make again (render/ip.ts linkAdd); others are left alone. */
const REMAKEABLE = new Set(['bridge', 'vxlan', 'macvlan', 'veth', 'loopback']);

/** What goes with the namespaces and links a plan removes, indexed (one lookup per observed object). */
class Gone {
  readonly ns = new Set<string>();
  /** removed links by namespace */
  readonly links = new Map<string, Set<string>>();
  /** keys of the veth peers of removed links */
  readonly peers = new Set<string>();

  addLink(l: LinkRes): void {
    let set = this.links.get(l.ns);
    if (!set) this.links.set(l.ns, (set = new Set()));
    set.add(l.ifname);
    const p = vethPeer(l);
    if (p) this.peers.add(`link:${p.ns}/${p.ifname}`);
  }

  get empty(): boolean {
    return this.ns.size === 0 && this.links.size === 0;
  }

  /** `r` goes (or changes) with a removed namespace or link. */
  takes(r: Resource): boolean {
    if (r.kind === 'netns') return false;
    // a namespace: everything in it, and the other ends of veths into it
    if (this.ns.has(r.ns)) return true;
    if (r.kind === 'link' && this.ns.size && this.ns.has(vethPeer(r)?.ns ?? '')) return true;
    // a link: its peer, addresses, routes, neighbours, FDB entries, ports, per-interface sysctls
    if (this.peers.has(r.key)) return true;
    const set = this.links.get(r.ns);
    if (!set) return false;
    switch (r.kind) {
      case 'addr':
        return set.has(r.ifname);
      case 'route':
        return r.dev === undefined || set.has(r.dev) || !!r.via; // a gateway route may hang on the link's subnet
      case 'neigh':
      case 'fdb':
        return set.has(r.dev);
      case 'link':
        return !!r.master && set.has(r.master);
      case 'sysctl': {
        const m = /^net\.ipv[46]\.(?:conf|neigh)\.(.+)\.[^.]+$/.exec(r.name);
        return !!m && set.has(m[1]);
      }
      default:
        return false;
    }
  }
}

/** The object as a rollback makes it again: a veth knows its peer, a link its master (null: none). */
function normalise(r: Resource): Resource {
  if (r.kind !== 'link') return r;
  const peer = r.type === 'veth' ? vethPeer(r) : undefined;
  return { ...r, master: r.master ?? null, ...(peer ? { peer } : {}) };
}

/**
 * The before image of a plan: every key it changes, as observed now (null: absent),
 * and what goes with what it deletes or replaces.
 */
export function beforeImage(changes: Change[], observed: ResourceMap): BeforeImage {
  const image: BeforeImage = new Map();
  const add = (r: Resource) => {
    if (!image.has(r.key) || image.get(r.key) === null) image.set(r.key, normalise(r));
  };
  const gone = new Gone();
  for (const c of changes) {
    const o = observed.get(c.key);
    if (o) add(o);
    else if (!image.has(c.key)) image.set(c.key, null);
    const s = changeSubject(c);
    if (s.kind === 'link' && c.action === 'create' && s.peer) {
      const pk = `link:${s.peer.ns}/${s.peer.ifname}`;
      const p = observed.get(pk);
      if (p) add(p);
      else if (!image.has(pk)) image.set(pk, null);
    }
    if (!o || (c.action !== 'delete' && c.action !== 'replace')) continue;
    if (o.kind === 'netns' && o.origin !== 'adopted') gone.ns.add(o.name);
    if (o.kind === 'link') gone.addLink(o);
  }
  if (!gone.empty) for (const r of observed.values()) if (gone.takes(r)) add(r);
  return image;
}

/** Keys of namespaces and links a change makes (anew). */
function madeKeys(changes: Change[]): { ns: Set<string>; links: Set<string> } {
  const ns = new Set<string>();
  const links = new Set<string>();
  for (const c of changes) {
    if (c.action !== 'create' && c.action !== 'replace') continue;
    if (c.after.kind === 'netns') ns.add(c.after.name);
    if (c.after.kind === 'link') links.add(`${c.after.ns}/${c.after.ifname}`);
  }
  return { ns, links };
}

/** Whether `r` hangs on a namespace or link made anew (it went with the old one: make it again). */
function onMade(r: Resource, made: { ns: Set<string>; links: Set<string> }): boolean {
  if (r.kind === 'netns') return false;
  if (made.ns.has(r.ns)) return true;
  const on = (ifname: string | undefined | null) => !!ifname && made.links.has(`${r.ns}/${ifname}`);
  switch (r.kind) {
    case 'addr':
      return on(r.ifname);
    case 'route':
    case 'neigh':
    case 'fdb':
      return on(r.dev);
    case 'link':
      return on(r.master);
    default:
      return false;
  }
}

/**
 * The changes that bring the kernel (`now`) back to the before image, ordered as a
 * plan. Empty when the kernel is as it was: the rollback is complete.
 */
export function reverseChanges(image: BeforeImage, now: ResourceMap): Change[] {
  const out: Change[] = [];
  const equal: Resource[] = [];
  for (const [key, b] of image) {
    const n = now.get(key);
    if (!b) {
      if (n) out.push({ action: 'delete', key, before: n, reason: 'rollback: made by the pass' });
      continue;
    }
    if (b.kind === 'link' && !REMAKEABLE.has(b.type)) continue;
    if (!n) {
      out.push({ action: 'create', key, after: b, reason: 'rollback: removed by the pass' });
      continue;
    }
    const immutable = immutableDiff(b, n) ?? (b.kind === 'netns' && n.kind === 'netns' && n.broken ? 'broken' : undefined);
    if (immutable) {
      out.push({ action: 'replace', key, before: n, after: b, reason: `rollback: ${immutable}` });
      continue;
    }
    // an alias the pass wrote where there was none (an adoption's mark): an empty alias removes it
    const target = b.kind === 'link' && n.kind === 'link' && b.alias === undefined && n.alias !== undefined ? { ...b, alias: '' } : b;
    const diffs = mutableDiff(target, n);
    if (diffs.length) out.push({ action: 'update', key, before: n, after: target, reason: `rollback: ${diffs.join(', ')}` });
    else equal.push(b);
  }
  // what hangs on a namespace or link made again went with the old one
  const made = madeKeys(out);
  for (const b of equal) {
    if (!onMade(b, made)) continue;
    const n = now.get(b.key)!;
    out.push(
      b.kind === 'link'
        ? { action: 'update', key: b.key, before: n, after: b, reason: 'rollback: its master is made again' }
        : { action: 'create', key: b.key, before: n, after: b, reason: 'rollback: made again with what it hangs on' },
    );
  }
  // what is in a namespace the rollback deletes goes with it
  const goneNs = new Set(out.filter((c) => c.action === 'delete' && c.before.kind === 'netns').map((c) => (c.before as { name: string }).name));
  const kept = out.filter(
    (c) => !(c.action === 'delete' && c.before.kind !== 'link' && c.before.kind !== 'netns' && c.before.ns !== HOST_NS && goneNs.has(c.before.ns)),
  );
  return orderChanges(kept);
}

/** The reverse of a whole plan: the kernel after every change, brought back to `observed`. */
export function reversePlan(changes: Change[], observed: ResourceMap): Change[] {
  const image = beforeImage(changes, observed);
  const after: ResourceMap = new Map();
  for (const [k, b] of image) if (b) after.set(k, b);
  for (const c of changes) {
    if (c.action === 'delete') after.delete(c.key);
    else after.set(c.key, c.after);
  }
  // what went with a deleted namespace or link (and is not made again by the plan)
  const gone = new Gone();
  for (const c of changes) {
    if (c.action !== 'delete' && c.action !== 'replace') continue;
    const o = observed.get(c.key);
    if (o?.kind === 'netns' && o.origin !== 'adopted') gone.ns.add(o.name);
    if (o?.kind === 'link') gone.addLink(o);
  }
  const kept = new Set(changes.filter((c) => c.action !== 'delete').map((c) => c.key));
  for (const [key, r] of image) if (r && !kept.has(key) && gone.takes(r) && (r.kind !== 'link' || gone.ns.has(r.ns) || gone.peers.has(key))) after.delete(key);
  return reverseChanges(image, after);
}

/** The before image as JSON-able entries (the rollback record) and back. */
export const imageEntries = (image: BeforeImage): [string, Resource | null][] => [...image];
export const imageFrom = (entries: [string, Resource | null][]): BeforeImage => new Map(entries);
