// `status` for overlay and macvlan networks, from what the kernel has now. Pure.
// Per overlay: its VXLAN device, the members on this host (veth ports of the
// overlay bridge → container namespace, address, MAC) and the remote members
// (static FDB + neighbour entries on the VXLAN device → address, MAC, VTEP), with
// host names taken from the Host objects and container names, where the files
// are readable, from the topology. Per macvlan network: its members and parent.

import { HOST_NS } from '../model/resources.js';
import { aliasDetail, vethPeer } from '../model/marks.js';
import type { AddrRes, FdbRes, LinkRes, NeighRes, Resource } from '../model/resources.js';
import type { Topology } from '../model/topology.js';
import { textTable } from '../model/text-table.js';

export interface MemberStatus {
  /** container name (local: its namespace; remote: from the files, when known) */
  container?: string;
  host?: string;
  local: boolean;
  ip4?: string;
  ip6?: string;
  mac?: string;
  /** local: namespace/ifname */
  where?: string;
  /** remote: the VTEP address its FDB entry sends to */
  vtep?: string;
  /** remote entries that do not pair up (FDB without neighbour or the other way round) */
  incomplete?: string;
}

export interface OverlayStatus {
  network: string;
  vxlanDev: string;
  bridge?: string;
  vni: number;
  port: number;
  local: { address: string; host?: string };
  members: MemberStatus[];
  /** hosts this one floods broadcast/unknown traffic to */
  floods: { address: string; host?: string }[];
}

export interface MacvlanStatus {
  network: string;
  parent: string;
  mode: string;
  members: { container: string; where: string; ip4?: string; ip6?: string; mac?: string }[];
}

/** What the files say, when they could be read: host names by address, container names by address. */
export interface StatusNames {
  hosts: { name: string; address: string }[];
  /** per network name: address → container */
  containers?: Map<string, Map<string, { container: string; host: string }>>;
}

export function namesFromTopology(topo: Topology | undefined, hosts: { name: string; address: string }[]): StatusNames {
  if (!topo) return { hosts };
  const containers = new Map<string, Map<string, { container: string; host: string }>>();
  for (const c of topo.containers)
    for (const a of c.attachments) {
      const m = containers.get(a.network) ?? containers.set(a.network, new Map()).get(a.network)!;
      for (const ip of [a.ip4, a.ip6]) if (ip) m.set(ip, { container: c.name, host: c.host });
    }
  return { hosts: topo.hosts.length ? topo.hosts : hosts, containers };
}

function addrsOf(resources: Resource[], ns: string, ifname: string): { ip4?: string; ip6?: string } {
  const out: { ip4?: string; ip6?: string } = {};
  for (const r of resources) {
    if (r.kind !== 'addr' || r.ns !== ns || r.ifname !== ifname) continue;
    const ip = (r as AddrRes).cidr.split('/')[0];
    if (ip.includes(':')) {
      if (!ip.toLowerCase().startsWith('fe80') && !out.ip6) out.ip6 = ip;
    } else if (!out.ip4) out.ip4 = ip;
  }
  return out;
}

export function overlayStatus(resources: Resource[], names: StatusNames): OverlayStatus[] {
  const hostByAddr = new Map(names.hosts.map((h) => [h.address, h.name]));
  const links = resources.filter((r): r is LinkRes => r.kind === 'link');
  const out: OverlayStatus[] = [];
  for (const vx of links) {
    const network = aliasDetail(vx.alias, 'vxlan');
    if (vx.ns !== HOST_NS || vx.type !== 'vxlan' || !network || !vx.vxlan) continue;
    const byIp = names.containers?.get(network);
    const members: MemberStatus[] = [];
    // local: veth ports of the overlay bridge
    const bridge = vx.master ?? undefined;
    for (const l of links) {
      if (!bridge || l.ns !== HOST_NS || l.type !== 'veth' || l.master !== bridge) continue;
      const peer = vethPeer(l);
      if (!peer) continue;
      const inner = links.find((x) => x.ns === peer.ns && x.ifname === peer.ifname);
      const a = addrsOf(resources, peer.ns, peer.ifname);
      const named = (a.ip4 && byIp?.get(a.ip4)) || (a.ip6 && byIp?.get(a.ip6)) || undefined;
      members.push({
        container: named ? named.container : peer.ns,
        host: hostByAddr.get(vx.vxlan.local),
        local: true,
        ...a,
        ...(inner?.mac ? { mac: inner.mac.toLowerCase() } : {}),
        where: `${peer.ns}/${peer.ifname}`,
      });
    }
    // remote: static entries on the VXLAN device
    const fdb = resources.filter((r): r is FdbRes => r.kind === 'fdb' && r.ns === HOST_NS && r.dev === vx.ifname && !r.master);
    const neigh = resources.filter((r): r is NeighRes => r.kind === 'neigh' && r.ns === HOST_NS && r.dev === vx.ifname);
    const floods = fdb
      .filter((f) => /^0{2}(:0{2}){5}$/.test(f.mac))
      .map((f) => ({ address: f.dst, ...(hostByAddr.has(f.dst) ? { host: hostByAddr.get(f.dst) } : {}) }));
    const remote = new Map<string, MemberStatus>();
    for (const f of fdb) {
      if (/^0{2}(:0{2}){5}$/.test(f.mac)) continue;
      remote.set(f.mac, { local: false, mac: f.mac, vtep: f.dst, ...(hostByAddr.has(f.dst) ? { host: hostByAddr.get(f.dst) } : {}) });
    }
    for (const n of neigh) {
      const m = remote.get(n.mac) ?? remote.set(n.mac, { local: false, mac: n.mac, incomplete: 'no FDB entry' }).get(n.mac)!;
      if (n.ip.includes(':')) m.ip6 = n.ip;
      else m.ip4 = n.ip;
    }
    for (const m of remote.values()) {
      if (!m.ip4 && !m.ip6) m.incomplete = 'no neighbour entry';
      const named = (m.ip4 && byIp?.get(m.ip4)) || (m.ip6 && byIp?.get(m.ip6)) || undefined;
      if (named) m.container = named.container;
      members.push(m);
    }
    // local first, then named ones by name, then unnamed ones by MAC
    const sortKey = (m: MemberStatus) => `${m.local ? 0 : 1}${m.container === undefined ? 1 : 0}${m.container ?? ''}\u0000${m.mac ?? ''}`;
    members.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    out.push({
      network,
      vxlanDev: vx.ifname,
      ...(bridge ? { bridge } : {}),
      vni: vx.vxlan.vni,
      port: vx.vxlan.port,
      local: { address: vx.vxlan.local, ...(hostByAddr.has(vx.vxlan.local) ? { host: hostByAddr.get(vx.vxlan.local) } : {}) },
      members,
      floods: floods.sort((a, b) => a.address.localeCompare(b.address)),
    });
  }
  return out.sort((a, b) => a.network.localeCompare(b.network));
}

export function macvlanStatus(resources: Resource[]): MacvlanStatus[] {
  const nets = new Map<string, MacvlanStatus>();
  for (const r of resources) {
    if (r.kind !== 'link' || r.type !== 'macvlan') continue;
    const network = aliasDetail(r.alias, 'macvlan');
    if (!network) continue;
    const s = nets.get(network) ?? nets.set(network, { network, parent: r.macvlan?.parent ?? '', mode: r.macvlan?.mode ?? '', members: [] }).get(network)!;
    if (!s.parent && r.macvlan?.parent) s.parent = r.macvlan.parent;
    s.members.push({ container: r.ns, where: `${r.ns}/${r.ifname}`, ...addrsOf(resources, r.ns, r.ifname), ...(r.mac ? { mac: r.mac.toLowerCase() } : {}) });
  }
  for (const s of nets.values()) s.members.sort((a, b) => a.container.localeCompare(b.container));
  return [...nets.values()].sort((a, b) => a.network.localeCompare(b.network));
}

const hostLabel = (h: { address: string; host?: string }) => (h.host ? `${h.host} (${h.address})` : h.address);

/** Text sections for `status`, after the resource table. */
export function formatL2Status(overlays: OverlayStatus[], macvlans: MacvlanStatus[]): string[] {
  const out: string[] = [];
  for (const o of overlays) {
    const local = o.members.filter((m) => m.local).length;
    out.push(
      '',
      `Overlay ${o.network}: vni ${o.vni}, port ${o.port}, ${o.vxlanDev} on ${o.bridge ?? '(no bridge)'}, this host ${hostLabel(o.local)}; ${local} local, ${o.members.length - local} remote`,
    );
    const rows = o.members.map((m) => [
      `  ${m.container ?? '?'}`,
      m.host ?? m.vtep ?? '?',
      m.local ? 'local' : 'remote',
      [m.ip4, m.ip6].filter(Boolean).join(' ') || '–',
      m.mac ?? '–',
      m.local ? (m.where ?? '') : `via ${m.vtep ?? '?'}${m.incomplete ? ` (incomplete: ${m.incomplete})` : ''}`,
    ]);
    if (rows.length) out.push(...textTable([['  MEMBER', 'HOST', 'WHERE', 'ADDRESS', 'MAC', 'PATH'], ...rows]));
    out.push(`  floods to: ${o.floods.length ? o.floods.map(hostLabel).join(', ') : 'no peer host'}`);
  }
  for (const m of macvlans) {
    out.push('', `macvlan ${m.network}: parent ${m.parent || '?'}, mode ${m.mode}; ${m.members.length} member(s)`);
    const rows = m.members.map((x) => [`  ${x.container}`, x.where, [x.ip4, x.ip6].filter(Boolean).join(' ') || '–', x.mac ?? '–']);
    if (rows.length) out.push(...textTable([['  MEMBER', 'INTERFACE', 'ADDRESS', 'MAC'], ...rows]));
  }
  return out;
}
