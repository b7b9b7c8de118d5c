// Drift per declared object: the plan the files make against the kernel now
// (parseConfig → buildTopology → buildDesired → diff, as a pass computes it),
// each change put to the object it belongs to (owners.ts) and said in the
// user's words ("mtu 1400, want 1500", "missing address 10.0.0.3"). Pure.

import { HOST_NS } from '../model/resources.js';
import type { LinkRes, Resource } from '../model/resources.js';
import { vethPeer } from '../model/marks.js';
import { changeSubject, type Change, type Plan } from '../model/plan.js';
import { chainRuleDiff } from '../render/iptables.js';
import { SETTINGS, ownerId, ownerOf, type Owner, type OwnerIndex } from './owners.js';

/** How a declared object stands against the files. */
export type SyncState = 'in sync' | 'drifted' | 'missing' | 'not declared';

export interface Sync {
  state: SyncState;
  /** drifted: what differs, in the files' words */
  drift: string[];
}

export interface OwnerDrift {
  owner: Owner;
  /** its main kernel object (namespace, bridge, a Link's interfaces) is to be made */
  missing: boolean;
  what: string[];
}

export const IN_SYNC: Sync = { state: 'in sync', drift: [] };

/** A container-side name for an interface: the container end of a host veth. */
function ifLabel(l: LinkRes, idx: OwnerIndex): string {
  if (l.ns === HOST_NS && l.type === 'veth' && !idx.networkOfDev.has(l.ifname)) {
    const peer = vethPeer(l);
    return peer ? `${peer.ifname} (host end ${l.ifname})` : l.ifname;
  }
  return l.ifname;
}

const ip = (cidr: string) => cidr.split('/')[0];
const dstLabel = (dst: string) => (dst === 'default' || dst === 'default6' ? 'default route' : `route ${dst}`);
const onOff = (b: boolean | undefined) => (b ? 'on' : 'off');

function linkUpdate(o: LinkRes, d: LinkRes, subject: string, reason: string): string[] {
  const out: string[] = [];
  const pre = subject ? `${subject} ` : '';
  if (d.mtu !== undefined && d.mtu !== o.mtu) out.push(`${pre}mtu ${o.mtu ?? '?'}, want ${d.mtu}`);
  if (d.up !== o.up) out.push(`${pre}${o.up ? 'up' : 'down'}, want ${d.up ? 'up' : 'down'}`);
  if (d.mac && d.mac.toLowerCase() !== o.mac?.toLowerCase()) out.push(`${pre}mac ${o.mac ?? '?'}, want ${d.mac.toLowerCase()}`);
  if (d.master !== undefined && d.master !== (o.master ?? null))
    out.push(`${pre}${o.master ? `on bridge ${o.master}` : 'on no bridge'}, want ${d.master ?? 'none'}`);
  if (d.hairpin !== undefined && d.hairpin !== (o.hairpin ?? false)) out.push(`${pre}hairpin ${onOff(o.hairpin)}, want ${onOff(d.hairpin)}`);
  if (out.length === 0) out.push(`${pre}${reason}`);
  return out;
}

/** One change in the user's words, for the object `owner` (undefined: nothing worth saying, e.g. a consequence of another change). */
export function describeChange(c: Change, owner: Owner, idx: OwnerIndex): string[] {
  const r = changeSubject(c);
  // what is made again only because its interface or namespace is made anew: said by that one
  if (c.action === 'create' && c.reason !== 'declared' && r.kind !== 'link' && r.kind !== 'netns') return [];
  switch (r.kind) {
    case 'netns':
      if (c.action === 'create') return [`missing namespace ${r.name}`];
      if (c.action === 'delete') return [`namespace ${r.name} is no longer declared`];
      return [`namespace ${r.name}: ${c.reason}`];
    case 'link': {
      const isBridge = owner.kind === 'network' && r.ns === HOST_NS && r.type === 'bridge';
      const label = isBridge
        ? ''
        : owner.kind === 'link'
          ? `${r.ns === HOST_NS ? 'host' : (idx.containerOfNs.get(r.ns) ?? r.ns)}:${r.ifname}`
          : ifLabel(r, idx);
      if (c.action === 'create') {
        if (r.ns === HOST_NS && r.type === 'veth' && owner.kind === 'container') return []; // the container end says it
        return [isBridge ? `missing bridge ${r.ifname}` : `missing interface ${label}`];
      }
      if (c.action === 'delete') return [`extra interface ${label || r.ifname}`];
      if (c.action === 'replace') return [`${label || r.ifname} must be made anew (${c.reason})`];
      return linkUpdate(c.before as LinkRes, r, label, c.reason);
    }
    case 'addr': {
      const what = owner.kind === 'network' ? 'gateway address' : 'address';
      const on = owner.kind === 'container' && r.ifname !== 'eth0' ? ` on ${r.ifname}` : '';
      if (c.action === 'create') return [`missing ${what} ${ip(r.cidr)}${on}`];
      if (c.action === 'delete') return [`extra ${what} ${r.cidr}${on}`];
      return [`${what} ${r.cidr}: ${c.reason}`];
    }
    case 'route': {
      const how = `${r.via ? ` via ${r.via}` : ''}${r.dev && !r.via ? ` dev ${r.dev}` : ''}`;
      if (c.action === 'create') return [`missing ${dstLabel(r.dst)}${how}`];
      if (c.action === 'delete') return [`extra ${dstLabel(r.dst)}${how}`];
      const b = c.before as typeof r;
      return [`${dstLabel(r.dst)} ${b.via ? `via ${b.via}` : `dev ${b.dev ?? '?'}`}, want${how}`];
    }
    case 'sysctl': {
      const name = r.name === 'net.ipv4.ip_forward' ? 'ip forwarding' : r.name;
      if (c.action === 'delete') return [];
      const before = c.before && c.before.kind === 'sysctl' ? c.before.value : undefined;
      return [`${name} ${before ?? 'unset'}, want ${r.value}`];
    }
    case 'file':
      if (c.action === 'create') return [`missing ${r.path}`];
      if (c.action === 'delete') return [`extra ${r.path}`];
      return [`${r.path} out of date`];
    case 'neigh':
    case 'fdb': {
      const what = r.kind === 'neigh' ? `neighbour entry ${r.ip}` : `forwarding entry ${r.mac}${r.dst ? ` via ${r.dst}` : ''}`;
      if (c.action === 'create') return [`missing ${what}`];
      if (c.action === 'delete') return [`stale ${what}`];
      return [`${what}: ${c.reason}`];
    }
    case 'chain':
      // published ports are compared port by port (ports-drift.ts)
      if (r.ns === HOST_NS && r.chain.startsWith('NK-PORTS-')) return [];
      if (c.action === 'create') return [`missing firewall chain ${r.table}/${r.chain}`];
      if (c.action === 'delete') return [`extra firewall chain ${r.table}/${r.chain}`];
      return [`firewall chain ${r.table}/${r.chain} differs`];
    case 'hook':
      if (c.action === 'create') return [`missing jump from ${r.table}/${r.chain} into netkeeper's rules`];
      if (c.action === 'delete') return [`extra jump from ${r.table}/${r.chain}`];
      return [`jump from ${r.table}/${r.chain} differs`];
  }
}

/** Is this change the object's own kernel object going missing (so the object is `missing`, not drifted)? */
function marksMissing(c: Change, owner: Owner, r: Resource): boolean {
  if (c.action !== 'create' || (c.reason !== 'declared' && !c.reason.startsWith('namespace'))) return false;
  if (owner.kind === 'container') return r.kind === 'netns';
  if (owner.kind === 'network') return r.kind === 'link' && r.ns === HOST_NS && (r.type === 'bridge' || r.type === 'vxlan');
  if (owner.kind === 'link') return r.kind === 'link';
  return false;
}

/**
 * A rewritten host chain holds rules of several networks (NK-FORWARD, NK-ISOLATION,
 * NK-POSTROUTING): each rule that differs goes to the network whose bridge it
 * names (-i/-o), the rest to the host-wide settings.
 */
function chainRuleOwners(before: string[], after: string[], idx: OwnerIndex): Map<string, { owner: Owner; missing: number; extra: number }> {
  const out = new Map<string, { owner: Owner; missing: number; extra: number }>();
  for (const line of chainRuleDiff(before, after)) {
    const dev = [...line.matchAll(/(?:^|\s)-[io] (\S+)/g)].map((m) => m[1]).find((d) => idx.networkOfDev.has(d));
    const owner: Owner = dev ? { kind: 'network', name: idx.networkOfDev.get(dev)! } : SETTINGS;
    const e = out.get(ownerId(owner)) ?? out.set(ownerId(owner), { owner, missing: 0, extra: 0 }).get(ownerId(owner))!;
    if (line.startsWith('- ')) e.extra++;
    else e.missing++; // "+ rule", or "~ same rules, new order"
  }
  return out;
}

/** The plan's changes per object (key: ownerId). Conflicts are not drift: plan/reconcile report them. */
export function driftByOwner(plan: Plan, idx: OwnerIndex): Map<string, OwnerDrift> {
  const out = new Map<string, OwnerDrift>();
  const entry = (owner: Owner) => out.get(ownerId(owner)) ?? out.set(ownerId(owner), { owner, missing: false, what: [] }).get(ownerId(owner))!;
  const say = (e: OwnerDrift, w: string) => {
    if (!e.what.includes(w)) e.what.push(w);
  };
  for (const c of plan.changes) {
    const r = changeSubject(c);
    if (c.action === 'update' && r.kind === 'chain' && c.before.kind === 'chain' && r.ns === HOST_NS && !r.chain.startsWith('NK-PORTS-')) {
      for (const { owner, missing, extra } of chainRuleOwners(c.before.rules, r.rules, idx).values()) {
        const n = [missing ? `${missing} missing` : '', extra ? `${extra} extra` : ''].filter(Boolean).join(', ');
        say(entry(owner), `firewall rules in ${r.table}/${r.chain}${r.family === 'ipv6' ? ' (IPv6)' : ''}: ${n}`);
      }
      continue;
    }
    // a shared hosts file is the hosts file of every container linked to it: its drift is theirs
    const users = r.kind === 'file' && c.action !== 'delete' ? idx.sharedHostsUsers.get(r.path) : undefined;
    if (r.kind === 'file' && users) {
      for (const ns of users) say(entry(ownerOf({ ...r, ns, path: `/etc/netns/${ns}/hosts` }, idx)), `/etc/netns/${ns}/hosts out of date`);
      continue;
    }
    const owner = ownerOf(r, idx);
    const e = entry(owner);
    if (marksMissing(c, owner, r)) e.missing = true;
    for (const w of describeChange(c, owner, idx)) say(e, w);
  }
  return out;
}

/** An object's sync state from its drift entry. */
export function syncOf(declared: boolean, present: boolean, d: OwnerDrift | undefined, extra: string[] = []): Sync {
  if (!declared) return { state: 'not declared', drift: [] };
  if (!present || d?.missing) return { state: 'missing', drift: [] };
  const what = [...(d?.what ?? []), ...extra];
  return what.length ? { state: 'drifted', drift: what } : IN_SYNC;
}

/** "in sync" / "drifted: a, b" / "missing" / "not declared" */
export function syncText(s: Sync): string {
  return s.state === 'drifted' ? `drifted: ${s.drift.join(', ')}` : s.state;
}
