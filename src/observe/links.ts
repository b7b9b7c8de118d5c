// `ip -j -d link show` (or `ip -j -d addr show`, which carries the same link fields) → LinkRes.

import { key, type LinkRes, type LinkType } from '../model/resources.js';
import { isOwnedAlias } from '../model/marks.js';
import type { IpLink } from './ip-json.js';

const KINDS: ReadonlySet<string> = new Set(['bridge', 'veth', 'vxlan', 'macvlan', 'dummy']);

export function linkType(l: IpLink): LinkType {
  const kind = l.linkinfo?.info_kind;
  if (kind && KINDS.has(kind)) return kind as LinkType;
  if (l.ifname === 'lo' || l.flags?.includes('LOOPBACK') || l.link_type === 'loopback') return 'loopback';
  return 'other';
}

/**
 * Where a link points to in another namespace (veth peer, macvlan parent), as the raw
 * kernel gives it: an ifindex in the namespace `link_netnsid` names from this side.
 * Resolved across namespaces by ./peers.ts.
 */
export interface LinkPointer {
  ifname: string;
  ifindex: number;
  type: LinkType;
  /** ifindex of the peer/parent (in this namespace unless crossNs) */
  linkIndex: number;
  /** the peer/parent is in another namespace (link_netnsid is set) */
  crossNs: boolean;
  linkNetnsid?: number;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

function bool(v: unknown): boolean {
  return v === true || v === 1 || v === 'on' || v === 'true';
}

/** One link. `peer` is filled here only when the peer is in the same namespace. */
export function parseLink(l: IpLink, ns: string): LinkRes | undefined {
  const ifname = l.ifname;
  if (!ifname) return undefined;
  const type = linkType(l);
  const res: LinkRes = {
    kind: 'link',
    key: key.link(ns, ifname),
    ns,
    owned: isOwnedAlias(l.ifalias),
    ifname,
    type,
    up: l.flags?.includes('UP') ?? false,
    master: l.master ?? null,
  };
  if (l.mtu !== undefined) res.mtu = l.mtu;
  if (l.address) res.mac = l.address;
  if (l.ifalias !== undefined) res.alias = l.ifalias;
  if (l.ifindex !== undefined) res.ifindex = l.ifindex;
  if (l.inet6_addr_gen_mode !== undefined) res.addrgenNone = l.inet6_addr_gen_mode === 'none';

  const port = l.linkinfo?.info_slave_kind === 'bridge' ? l.linkinfo.info_slave_data : undefined;
  if (port && typeof port.learning === 'boolean') res.portLearning = port.learning;
  if (port && typeof port.hairpin === 'boolean') res.hairpin = port.hairpin;

  const sameNsLink = l.link_netnsid === undefined && typeof l.link === 'string' ? l.link : undefined;
  const data = l.linkinfo?.info_data ?? {};
  if (type === 'veth' && sameNsLink) res.peer = { ns, ifname: sameNsLink };
  if (type === 'vxlan') {
    res.vxlan = {
      vni: num(data.id) ?? 0,
      local: str(data.local) ?? str(data.local6) ?? '',
      port: num(data.port) ?? 8472,
      learning: bool(data.learning),
      proxy: bool(data.proxy),
    };
    const dev = str(data.link);
    if (dev) res.vxlan.dev = dev;
    // a metadata (collect_md) device takes its UDP port whole: no other VXLAN device comes up on it
    if (bool(data.external)) res.vxlan.external = true;
  }
  if (type === 'macvlan') {
    res.macvlan = { parent: sameNsLink ?? '', mode: str(data.mode) ?? 'vepa' };
  }
  return res;
}

export function parseLinks(raw: IpLink[], ns: string): LinkRes[] {
  const out: LinkRes[] = [];
  for (const l of raw) {
    const r = parseLink(l, ns);
    if (r) out.push(r);
  }
  return out;
}

/** The cross-namespace pointers (veth peers, macvlan parents) of a namespace's links. */
export function linkPointers(raw: IpLink[]): LinkPointer[] {
  const out: LinkPointer[] = [];
  for (const l of raw) {
    if (!l.ifname || l.ifindex === undefined || l.link_index === undefined) continue;
    const type = linkType(l);
    if (type !== 'veth' && type !== 'macvlan') continue;
    const p: LinkPointer = {
      ifname: l.ifname,
      ifindex: l.ifindex,
      type,
      linkIndex: l.link_index,
      crossNs: l.link_netnsid !== undefined,
    };
    if (l.link_netnsid !== undefined) p.linkNetnsid = l.link_netnsid;
    out.push(p);
  }
  return out;
}
