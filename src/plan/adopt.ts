// Adoption (issue 14): taking ownership of a live object netkeeper did not make —
// a hand-made bridge, an `ip netns add` namespace, a veth pair — by writing
// netkeeper's mark on it (src/model/marks.ts) instead of deleting and making it
// again, so traffic and open connections on it survive. Pure.
//
// Which objects may be adopted: with `--adopt` every object the files describe;
// otherwise those of documents with `adopt: true` (Network: its bridge; Container:
// its namespace, its interfaces and both ends of its veths, its /etc/netns files;
// Link: its two ends).
//
// An object is adopted only when it matches the files in its ESSENTIAL attributes:
// those netkeeper could change only by making the object anew — the interface type
// (a bridge is a bridge, a veth a veth), where a veth's other end is (namespace and
// name), a VXLAN device's id/local/port/learning, a macvlan's parent and mode, a
// namespace being a real namespace (and for `mode: container:` whom it shares).
// Everything else (MTU, MAC, master, up, IPv6 autoconf, hairpin, addresses, routes,
// sysctls, file contents) is non-essential and updated in place as usual.
// A mismatch is an error naming the document (file:line) and the live object, and
// the object is left alone — unless `--adopt=replace`, which makes it anew.

import type { Config, SourcePos } from '../model/config.js';
import type { Conflict, Desired } from '../model/plan.js';
import type { Resource } from '../model/resources.js';
import { HOST_NS, key } from '../model/resources.js';
import { vethPeer } from '../model/marks.js';
import type { Topology } from '../model/topology.js';
import { describe, immutableDiff } from './diff-attributes.js';

/** What the command line asks: `--adopt` or `--adopt=replace`. */
export interface AdoptOptions {
  /** every object the files describe may be adopted (not only documents with `adopt: true`) */
  all: boolean;
  /** an object that differs in an essential attribute is made anew instead of refused */
  replace: boolean;
}

/** The document a desired object comes from. */
export interface AdoptOwner {
  object: string;
  pos?: SourcePos;
  /** the document says `adopt: true` */
  adopt: boolean;
}

/** What the diff asks about adoption (src/plan/diff.ts). */
export interface AdoptScope {
  /** this desired key may be adopted */
  may(key: string): boolean;
  replace: boolean;
  owner(key: string): AdoptOwner | undefined;
}

/** Parses `--adopt[=MODE]`: undefined (flag absent), true (bare flag) or the mode text. */
export function parseAdoptFlag(v: string | boolean | undefined): AdoptOptions | { error: string } | undefined {
  if (v === undefined || v === false) return undefined;
  const modes =
    v === true
      ? []
      : v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const bad = modes.filter((m) => m !== 'replace' && m !== 'match');
  if (bad.length) return { error: `--adopt takes match (the default) or replace, not ${bad.join(', ')}` };
  return { all: true, replace: modes.includes('replace') };
}

/** The first spec of each name (names are unique once the rules passed; the first wins as `find` would). */
function byName<T extends { name: string }>(specs: readonly T[]): Map<string, T> {
  const m = new Map<string, T>();
  for (const s of specs) if (!m.has(s.name)) m.set(s.name, s);
  return m;
}

/** Desired file keys by the namespace whose /etc/netns folder holds them. */
function filesByNetns(desired: Desired): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of desired.resources.values()) {
    if (r.kind !== 'file' || !r.path.startsWith('/etc/netns/')) continue;
    const end = r.path.indexOf('/', '/etc/netns/'.length);
    if (end < 0) continue;
    const ns = r.path.slice('/etc/netns/'.length, end);
    const list = m.get(ns);
    if (list) list.push(r.key);
    else m.set(ns, [r.key]);
  }
  return m;
}

/** Every desired key that belongs to a Network, Container or Link document, with that document. */
export function adoptOwners(config: Config, topo: Topology, desired: Desired): Map<string, AdoptOwner> {
  const out = new Map<string, AdoptOwner>();
  const networks = byName(config.networks);
  for (const n of topo.networks) {
    const spec = networks.get(n.name);
    if (!n.bridge || !spec) continue;
    out.set(key.link(HOST_NS, n.bridge), { object: `Network ${n.name}`, pos: spec.pos, adopt: spec.adopt === true });
  }
  const containers = byName(config.containers);
  const files = filesByNetns(desired);
  for (const c of topo.containers) {
    const spec = containers.get(c.name);
    if (!spec || !c.local || !c.netns || c.netnsOrigin === 'host') continue;
    const o: AdoptOwner = { object: `Container ${c.name}`, pos: spec.pos, adopt: spec.adopt === true };
    out.set(key.netns(c.netns), o);
    out.set(key.link(c.netns, 'lo'), o);
    for (const a of c.attachments) {
      out.set(key.link(c.netns, a.ifname), o);
      if (a.hostIfname) out.set(key.link(HOST_NS, a.hostIfname), o);
    }
    for (const k of files.get(c.netns) ?? []) out.set(k, o);
  }
  const links = byName(config.links);
  for (const l of topo.links) {
    const spec = links.get(l.name);
    if (!spec) continue;
    for (const e of l.ends) out.set(key.link(e.ns, e.ifname), { object: `Link ${l.name}`, pos: spec.pos, adopt: spec.adopt === true });
  }
  return out;
}

/** The scope of a pass, or undefined when nothing may be adopted. */
export function adoptScope(config: Config, topo: Topology, desired: Desired, opts: AdoptOptions | undefined): AdoptScope | undefined {
  const all = opts?.all ?? false;
  // the common case: no --adopt and no document asks for adoption (nothing to index)
  if (!all && !config.networks.some((s) => s.adopt === true) && !config.containers.some((s) => s.adopt === true) && !config.links.some((s) => s.adopt === true))
    return undefined;
  const owners = adoptOwners(config, topo, desired);
  if (!all && ![...owners.values()].some((o) => o.adopt)) return undefined;
  return {
    may: (k) => {
      const o = owners.get(k);
      return !!o && (all || o.adopt);
    },
    replace: opts?.replace ?? false,
    owner: (k) => owners.get(k),
  };
}

/** Why a live object cannot be adopted as the files describe it: an essential attribute differs. */
export function essentialDiff(d: Resource, o: Resource): string | undefined {
  if (d.kind !== o.kind) return `it is a ${o.kind}, the files describe a ${d.kind}`;
  const imm = immutableDiff(d, o);
  if (imm) return imm;
  if (d.kind === 'link' && o.kind === 'link' && d.type === 'veth' && d.peer && !vethPeer(o))
    return `its other end is not ${d.peer.ns === HOST_NS ? 'in the host namespace' : `in namespace ${d.peer.ns}`} as ${d.peer.ifname}`;
  return undefined;
}

/** The error for a live object that differs from the files in an essential attribute. */
export function adoptMismatch(d: Resource, o: Resource, why: string, owner: AdoptOwner | undefined): Conflict {
  return {
    code: 'adopt-mismatch',
    message: `cannot adopt ${describe(o)}: ${why}; left alone (--adopt=replace makes it anew, dropping its traffic)`,
    object: owner?.object ?? describe(d),
    ...(owner?.pos ? { pos: owner.pos } : {}),
    keys: [d.key],
  };
}
