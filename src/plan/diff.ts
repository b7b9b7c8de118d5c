// (desired, observed) → Plan: the smallest ordered set of changes. Pure.

import { HOST_NS } from '../model/resources.js';
import { vethPeer } from '../model/marks.js';
import type { LinkRes, Resource, ResourceMap } from '../model/resources.js';
import type { Change, Conflict, Desired, Observed, Plan } from '../model/plan.js';
import { describe, immutableDiff, mayAdopt, mutableDiff, neverDelete } from './diff-attributes.js';
import { orderChanges } from './change-order.js';
import { outlivesItsNetns } from './netns-leftovers.js';
import { holdBack } from './hold-back.js';
import { adoptMismatch, essentialDiff, type AdoptScope } from './adopt.js';

export { orderChanges } from './change-order.js';

export interface DiffOptions {
  /** remove owned objects that left the files (Settings.prune) */
  prune: boolean;
  /** which unmarked live objects may be adopted (src/plan/adopt.ts); none when absent */
  adopt?: AdoptScope;
}

/** What a namespace has when it is new: no need to write these into one made in this plan. */
const NEW_NETNS_SYSCTLS: Record<string, string> = { 'net.ipv4.ip_forward': '0' };
/** Per-interface sysctls (net.ipv4.conf.<if>.<key>) as a new interface has them. */
const NEW_LINK_SYSCTLS: Record<string, string> = { route_localnet: '0' };
/** The interface and key of a per-interface sysctl. */
const ifSysctl = (name: string) => /^net\.ipv[46]\.conf\.(.+)\.([^.]+)$/.exec(name);

/** The veth end that renders the `ip link add … peer …` for a pair: the host end, else the smaller key. */
export function isPrimaryEnd(l: LinkRes): boolean {
  if (!l.peer) return true;
  if (l.ns === HOST_NS && l.peer.ns !== HOST_NS) return true;
  if (l.peer.ns === HOST_NS && l.ns !== HOST_NS) return false;
  return `${l.ns}/${l.ifname}` < `${l.peer.ns}/${l.peer.ifname}`;
}

/** Where the other end of an observed veth is: observed, else from its kernel alias mark (nk:veth:NS/IF). */
export const observedPeer: (l: LinkRes) => { ns: string; ifname: string } | undefined = vethPeer;

const linkKey = (ns: string, ifname: string) => `link:${ns}/${ifname}`;

export function diff(desired: Desired, observed: Observed, opts: DiffOptions): Plan {
  const D = desired.resources;
  const O = observed.resources;
  const changes = new Map<string, Change>();
  // each names the object it is about: it and what depends on it are held back (hold-back.ts)
  const conflicts: Conflict[] = [];
  const warnings: Conflict[] = [];

  // 1. namespaces and links first: what is made anew takes its addresses, routes
  //    and bridge ports with it, so those must be created again even if observed.
  const fresh = new Set<string>(); // keys of netns/links that will be (re)created
  const adoptRefused = new Set<string>(); // live objects that differ from the files in an essential attribute
  for (const d of D.values()) {
    if (d.kind !== 'netns' && d.kind !== 'link') continue;
    const o = O.get(d.key);
    if (!o) {
      if (d.kind === 'link' && d.type === 'loopback') continue; // lo comes with its namespace
      if (d.kind === 'netns' && d.origin === 'adopted') {
        // its process exited (or the path went): what netkeeper made in it went with it
        warnings.push({
          code: 'adopted-netns-gone',
          message: `the adopted namespace ${d.path} no longer exists (its process exited?); nothing is made for it until it exists again`,
          object: `Container ${d.name}`,
          keys: [d.key],
        });
        continue;
      }
      changes.set(d.key, { action: 'create', key: d.key, after: d, reason: 'declared' });
      fresh.add(d.key);
      continue;
    }
    if (!o.owned && !mayAdopt(d)) {
      if (opts.adopt?.may(d.key)) {
        const why = essentialDiff(d, o);
        if (why && !opts.adopt.replace) {
          conflicts.push(adoptMismatch(d, o, why, opts.adopt.owner(d.key)));
          adoptRefused.add(d.key);
          continue;
        }
        if (!why) {
          const reasons = mutableDiff(d, o);
          changes.set(d.key, { action: 'adopt', key: d.key, before: o, after: d, reason: ['adopted as it is', ...reasons].join('; ') });
          continue;
        }
        changes.set(d.key, { action: 'replace', key: d.key, before: o, after: d, reason: `${why} (--adopt=replace)` });
        fresh.add(d.key);
        continue;
      }
      conflicts.push({
        code: 'unowned-in-the-way',
        message: `${describe(o)} exists and is not netkeeper's; remove or rename it, or change the files`,
        object: describe(d),
        keys: [d.key],
      });
      continue;
    }
    const imm = immutableDiff(d, o);
    if (imm) {
      changes.set(d.key, { action: 'replace', key: d.key, before: o, after: d, reason: imm });
      fresh.add(d.key);
    }
  }
  // a namespace made anew takes every interface in it along
  for (const d of D.values()) {
    if (d.kind === 'link' && d.ns !== HOST_NS && fresh.has(`netns:${d.ns}`) && d.type !== 'loopback' && !changes.has(d.key)) {
      changes.set(d.key, { action: 'create', key: d.key, after: d, reason: `namespace ${d.ns} is new` });
      fresh.add(d.key);
    }
  }
  // a veth pair is one object: when one end is made anew, so is the other
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of D.values()) {
      if (d.kind !== 'link' || !d.peer || !fresh.has(d.key)) continue;
      const pk = linkKey(d.peer.ns, d.peer.ifname);
      if (fresh.has(pk)) continue;
      const pd = D.get(pk);
      const po = O.get(pk);
      if (!pd) continue;
      if (po) changes.set(pk, { action: 'replace', key: pk, before: po, after: pd, reason: `its peer ${d.ifname} is made anew` });
      else changes.set(pk, { action: 'create', key: pk, after: pd, reason: 'declared' });
      fresh.add(pk);
      grew = true;
    }
  }

  // 2. everything else, and in-place updates of existing links
  const conflicted = new Set(conflicts.map((c) => c.object));
  // the namespaces that hold something made anew: only their objects need the look-ups below
  const freshNs = new Set([...fresh].map((k) => (k.startsWith('netns:') ? k.slice('netns:'.length) : k.slice('link:'.length, k.lastIndexOf('/')))));
  for (const d of D.values()) {
    if (changes.has(d.key) || (conflicted.size && conflicted.has(describe(d))) || adoptRefused.has(d.key)) continue;
    const o = O.get(d.key);
    const near = freshNs.has(d.ns);
    const onFresh = near && (d.kind === 'addr' || d.kind === 'neigh' || d.kind === 'fdb') && fresh.has(linkKey(d.ns, 'ifname' in d ? d.ifname : d.dev));
    const routeOnFresh = near && d.kind === 'route' && d.dev !== undefined && fresh.has(linkKey(d.ns, d.dev));
    const inFreshNs = near && d.ns !== HOST_NS && fresh.has(`netns:${d.ns}`) && d.kind !== 'file' && d.kind !== 'netns';
    if (near && !o && d.kind === 'sysctl' && fresh.has(`netns:${d.ns}`) && NEW_NETNS_SYSCTLS[d.name] === d.value) continue;
    // a sysctl of an interface made anew: set again, unless the new interface has it already
    const ifs = near && d.kind === 'sysctl' ? ifSysctl(d.name) : null;
    const sysctlOnFresh = !!ifs && fresh.has(linkKey(d.ns, ifs[1]));
    if (sysctlOnFresh && d.kind === 'sysctl' && NEW_LINK_SYSCTLS[ifs[2]] === d.value) continue;
    if (!o || onFresh || routeOnFresh || sysctlOnFresh || (inFreshNs && d.kind !== 'link')) {
      if (d.kind === 'netns' || (d.kind === 'link' && d.type !== 'loopback')) continue; // handled above
      changes.set(d.key, { action: 'create', key: d.key, after: d, reason: o ? 'its interface or namespace is made anew' : 'declared' });
      continue;
    }
    if (!o.owned && !mayAdopt(d)) {
      if (opts.adopt?.may(d.key)) {
        changes.set(d.key, { action: 'adopt', key: d.key, before: o, after: d, reason: ['adopted as it is', ...mutableDiff(d, o)].join('; ') });
        continue;
      }
      conflicts.push({
        code: 'unowned-in-the-way',
        message: `${describe(o)} exists and is not netkeeper's; remove or rename it, or change the files`,
        object: describe(d),
        keys: [d.key],
      });
      continue;
    }
    let reasons = mutableDiff(d, o);
    if (d.kind === 'link' && d.master && fresh.has(linkKey(d.ns, d.master)) && reasons.every((x) => !x.startsWith('master')))
      reasons = [...reasons, `master ${d.master} is made anew`];
    if (reasons.length) changes.set(d.key, { action: 'update', key: d.key, before: o, after: d, reason: reasons.join('; ') });
  }

  // 3. deletions of owned objects that left the files
  if (opts.prune) {
    const deleting = new Set<string>();
    for (const o of O.values()) {
      if (!o.owned || D.has(o.key) || neverDelete(o)) continue;
      deleting.add(o.key);
    }
    for (const k of deleting) {
      const o = O.get(k)!;
      if (covered(o, deleting, O)) continue;
      changes.set(k, { action: 'delete', key: k, before: o, reason: 'no longer declared' });
    }
  }

  // removing an address makes the kernel drop the routes that went through it:
  // the namespace's routes on that interface are written again
  for (const c of [...changes.values()]) {
    if (c.action !== 'delete' || c.before?.kind !== 'addr') continue;
    const { ns, ifname } = c.before;
    for (const d of D.values()) {
      if (d.kind !== 'route' || d.ns !== ns || (d.dev !== undefined && d.dev !== ifname) || changes.has(d.key)) continue;
      changes.set(d.key, { action: 'create', key: d.key, after: d, before: O.get(d.key), reason: `address ${c.before.cidr} it may depend on is removed` });
    }
  }

  const plan: Plan = { changes: orderChanges([...changes.values()]), conflicts, ...(warnings.length ? { warnings } : {}) };
  return holdBack(plan, [...D.values(), ...O.values()]);
}

/** A deletion another deletion already does: objects inside a namespace or on an interface that goes. */
function covered(o: Resource, deleting: Set<string>, O: ResourceMap): boolean {
  if (o.kind !== 'file' && o.kind !== 'netns' && o.ns !== HOST_NS && deleting.has(`netns:${o.ns}`))
    return !(o.kind === 'link' && outlivesItsNetns(o, observedPeer(o), deleting)); // a held namespace keeps what is in it
  if (o.kind === 'addr' && deleting.has(linkKey(o.ns, o.ifname))) return true;
  if ((o.kind === 'neigh' || o.kind === 'fdb') && deleting.has(linkKey(o.ns, o.dev))) return true;
  if (o.kind === 'route' && o.dev && deleting.has(linkKey(o.ns, o.dev))) return true;
  if (o.kind === 'link') {
    const p = observedPeer(o);
    if (p) {
      const pk = linkKey(p.ns, p.ifname);
      const po = O.get(pk);
      if (po && po.kind === 'link' && deleting.has(pk)) {
        if (p.ns !== HOST_NS && deleting.has(`netns:${p.ns}`)) return false; // the peer goes with its namespace; delete this end
        return !isPrimaryEnd({ ...o, peer: p });
      }
    }
  }
  return false;
}
