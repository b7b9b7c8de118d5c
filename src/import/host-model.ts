// The observed resources indexed the way import reads them: links and addresses by
// namespace, the host's bridges with their ports. Pure.

import { HOST_NS, type AddrRes, type LinkRes } from '../model/resources.js';
import type { Observed } from '../model/plan.js';
import { parseCidr, type Cidr } from '../model/ip.js';

export interface HostIndex {
  links: Map<string, LinkRes[]>;
  addrs: Map<string, AddrRes[]>;
  /** host bridges by name */
  bridges: Map<string, LinkRes>;
  /** host links by name */
  hostLinks: Map<string, LinkRes>;
  /** by ns: net.ipv4.ip_forward */
  forwarding: Map<string, boolean>;
}

export function indexObserved(observed: Observed): HostIndex {
  const idx: HostIndex = { links: new Map(), addrs: new Map(), bridges: new Map(), hostLinks: new Map(), forwarding: new Map() };
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => {
    const l = m.get(k);
    if (l) l.push(v);
    else m.set(k, [v]);
  };
  const sorted = [...observed.resources.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const r of sorted) {
    if (r.kind === 'link') {
      push(idx.links, r.ns, r);
      if (r.ns === HOST_NS) idx.hostLinks.set(r.ifname, r);
      if (r.ns === HOST_NS && r.type === 'bridge') idx.bridges.set(r.ifname, r);
    } else if (r.kind === 'addr') push(idx.addrs, r.ns, r);
    else if (r.kind === 'sysctl' && r.name === 'net.ipv4.ip_forward') idx.forwarding.set(r.ns, r.value === '1');
  }
  return idx;
}

/** Addresses of one interface, IPv4 first. */
export function addrsOf(idx: HostIndex, ns: string, ifname: string): Cidr[] {
  const out: Cidr[] = [];
  for (const a of idx.addrs.get(ns) ?? []) {
    if (a.ifname !== ifname) continue;
    const c = parseCidr(a.cidr);
    if (c) out.push(c);
  }
  return out.sort((a, b) => a.family - b.family);
}

export function linkOf(idx: HostIndex, ns: string, ifname: string): LinkRes | undefined {
  return (idx.links.get(ns) ?? []).find((l) => l.ifname === ifname);
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

/** A document name from a kernel or Docker name: kept when valid, else made valid. */
export function docName(raw: string): string {
  if (NAME_RE.test(raw)) return raw;
  const s = raw.replace(/[^a-zA-Z0-9_.-]/g, '-').replace(/^[^a-zA-Z0-9]+/, '');
  return (s || 'x').slice(0, 63);
}

/** Names unique within a kind: a second `x` becomes `x-2`. */
export function uniqueNamer(): (raw: string) => string {
  const used = new Set<string>();
  return (raw) => {
    const base = docName(raw);
    let n = base;
    for (let i = 2; used.has(n); i++) n = `${base.slice(0, 60)}-${i}`;
    used.add(n);
    return n;
  };
}
