// Which declared object caused each kernel resource: a container, a network, a
// link, a peer host of an overlay, or the host-wide settings (sysctls, the
// firewall's base chains). Pure. Built from the Topology (what is declared now)
// and from netkeeper's own marks on what the kernel has (the `nk:` aliases, the
// namespace names), so that a resource of an object no longer declared still
// names it.

import { aliasMark } from '../model/marks.js';
import { SETTINGS, type Owner } from '../model/owner.js';
import { HOST_NS, type Resource } from '../model/resources.js';
import type { Topology } from '../model/topology.js';
import { normalizeIP } from '../model/ip.js';
import { parseDnat } from '../observe/dnat.js';
import { isSharedHostsPath, sharedHostsTarget } from '../model/shared-hosts-path.js';

export { SETTINGS, ownerId, ownerLabel, type Owner, type OwnerKind } from '../model/owner.js';

export interface OwnerIndex {
  /** namespace name → container that owns what is in it */
  nsContainer: Map<string, string>;
  /** netns resource name → container (a shared namespace's own name too) */
  netnsContainer: Map<string, string>;
  /** host interface (bridge, vxlan) → network */
  hostIfNetwork: Map<string, string>;
  /** `ns/ifname` of a link end → link */
  linkEnd: Map<string, string>;
  /** container address (IPv4/IPv6, normalized) → container */
  ipContainer: Map<string, string>;
  /** container MAC (lowercase) → container */
  macContainer: Map<string, string>;
  /** container → the host it runs on */
  containerHost: Map<string, string>;
  /** containers declared on another host (an overlay's peers) */
  remote: Set<string>;
  /** underlay address → host */
  addrHost: Map<string, string>;
  /** overlay: MAC of a remote container → the host its unicast entry points at */
  macHost: Map<string, string>;
  /** a shared hosts file (/etc/netns/.hosts/<set>) → the declared containers whose hosts file links to it */
  sharedHostsUsers: Map<string, Set<string>>;
}

const put = <K, V>(m: Map<K, V>, k: K, v: V) => {
  if (!m.has(k)) m.set(k, v);
};

export { aliasMark } from '../model/marks.js';

/**
 * The index: declared objects first (they win), then what the marks in
 * `resources` say about objects no longer declared. `before`: the index of the
 * kernel as it is (`resources` observed), where an address belongs to the
 * container whose namespace has it; `after`: of what the files make.
 */
export function ownerIndex(topo: Topology | undefined, resources: Iterable<Resource>, side: 'before' | 'after' = 'after'): OwnerIndex {
  const idx: OwnerIndex = {
    nsContainer: new Map(),
    netnsContainer: new Map(),
    hostIfNetwork: new Map(),
    linkEnd: new Map(),
    ipContainer: new Map(),
    macContainer: new Map(),
    containerHost: new Map(),
    remote: new Set(),
    addrHost: new Map(),
    macHost: new Map(),
    sharedHostsUsers: new Map(),
  };
  if (topo) {
    for (const n of topo.networks) {
      if (n.bridge) put(idx.hostIfNetwork, n.bridge, n.name);
      if (n.vxlanDev) put(idx.hostIfNetwork, n.vxlanDev, n.name);
    }
    for (const c of topo.containers) {
      if (c.netns) put(idx.netnsContainer, c.netns, c.name);
      if (c.netns && c.netnsOrigin !== 'shared') put(idx.nsContainer, c.netns, c.name);
      idx.containerHost.set(c.name, c.host);
      if (!c.local) idx.remote.add(c.name);
      // before: the addresses the kernel has say whose they are (an address may move to another container)
      if (side === 'before' && c.local) continue;
      for (const a of c.attachments) {
        for (const ip of [a.ip4, a.ip6]) if (ip) put(idx.ipContainer, normalizeIP(ip) ?? ip, c.name);
        put(idx.macContainer, a.mac.toLowerCase(), c.name);
      }
    }
    for (const l of topo.links) for (const e of l.ends) put(idx.linkEnd, `${e.ns}/${e.ifname}`, l.name);
    for (const h of topo.hosts) put(idx.addrHost, normalizeIP(h.address) ?? h.address, h.name);
  }
  const rs = [...resources];
  for (const r of rs) {
    if (r.kind === 'netns') {
      put(idx.netnsContainer, r.name, r.name);
      if (r.origin !== 'shared') put(idx.nsContainer, r.name, r.name);
    }
    if (r.kind !== 'link') continue;
    const m = aliasMark(r.alias);
    if (!m) continue;
    if ((m[0] === 'net' || m[0] === 'vxlan') && r.ns === HOST_NS) put(idx.hostIfNetwork, r.ifname, m[1]);
    if (m[0] === 'link') put(idx.linkEnd, `${r.ns}/${r.ifname}`, m[1]);
  }
  // where each remote container is: its unicast entry on the VXLAN device
  for (const r of rs) {
    if (r.kind === 'fdb' && r.ns === HOST_NS && r.dst && r.mac !== FLOOD)
      put(idx.macHost, r.mac.toLowerCase(), idx.addrHost.get(normalizeIP(r.dst) ?? r.dst) ?? r.dst);
  }
  // the declared containers whose hosts file links to a shared one
  const declared = new Map((topo?.containers ?? []).filter((c) => c.netns && c.local).map((c) => [c.netns!, c.name]));
  for (const r of rs) {
    if (r.kind !== 'file' || r.link === undefined || !declared.has(r.ns)) continue;
    const target = sharedHostsTarget(r.path, r.link);
    const users = idx.sharedHostsUsers.get(target) ?? idx.sharedHostsUsers.set(target, new Set()).get(target)!;
    users.add(declared.get(r.ns)!);
  }
  // addresses of containers no longer declared: by the namespace they are in
  for (const r of rs) {
    if (r.kind !== 'addr' || r.ns === HOST_NS || r.ifname === 'lo' || idx.linkEnd.has(`${r.ns}/${r.ifname}`)) continue;
    const ip = r.cidr.split('/')[0];
    put(idx.ipContainer, normalizeIP(ip) ?? ip, nsOwner(idx, r.ns));
  }
  return idx;
}

/** The container whose namespace `ns` is (its own name when nothing declares it: namespaces are named after containers). */
export function nsOwner(idx: OwnerIndex, ns: string): string {
  return idx.nsContainer.get(ns) ?? idx.netnsContainer.get(ns) ?? ns;
}

const container = (name: string): Owner => ({ kind: 'container', name });
const FLOOD = '00:00:00:00:00:00';

/** The peer host an overlay entry for `mac` (or, without one, the container of `ip`) is about. */
function remoteHost(idx: OwnerIndex, mac: string | undefined, ip?: string): string | undefined {
  const byMac = mac ? idx.macHost.get(mac.toLowerCase()) : undefined;
  if (byMac) return byMac;
  const c = (mac ? idx.macContainer.get(mac.toLowerCase()) : undefined) ?? (ip ? idx.ipContainer.get(normalizeIP(ip) ?? ip) : undefined);
  return c ? idx.containerHost.get(c) : undefined;
}

/** The containers a published-port chain's rules lead to. */
function dnatOwners(idx: OwnerIndex, rules: string[]): Owner[] {
  const names = new Set<string>();
  for (const rule of rules) {
    const d = parseDnat(rule);
    if (!d) continue;
    const name = idx.ipContainer.get(normalizeIP(d.containerIP) ?? d.containerIP);
    if (name) names.add(name);
  }
  return [...names].map(container);
}

/** The containers whose addresses lines of a hosts file (`address<TAB>names`) are for (a peer host's: that host). */
function entryOwners(idx: OwnerIndex, lines: string[]): Owner[] {
  const out = new Map<string, Owner>();
  for (const line of lines) {
    const ip = line.trim().split(/\s/)[0];
    const name = ip ? idx.ipContainer.get(normalizeIP(ip) ?? ip) : undefined;
    if (!name) continue;
    const host = idx.remote.has(name) ? idx.containerHost.get(name) : undefined;
    const o: Owner = host ? { kind: 'host', name: host } : container(name);
    out.set(`${o.kind}:${o.name}`, o);
  }
  return [...out.values()];
}

/** A container's host side (veth end in the host namespace): `nk:veth:NS/IF`. */
function hostVethOwner(idx: OwnerIndex, alias: string | undefined, peerNs: string | undefined): Owner | undefined {
  const m = aliasMark(alias);
  const ns = m?.[0] === 'veth' ? m[1].split('/')[0] : peerNs;
  return ns && ns !== HOST_NS ? container(nsOwner(idx, ns)) : undefined;
}

/**
 * The declared objects behind one resource. Usually one; a published-port chain
 * names every container whose rules `changed` (the rules added or removed; none
 * when given and empty), a shared hosts file every container whose entries
 * `changed` (its lines added or removed).
 */
export function ownersOf(r: Resource, idx: OwnerIndex, changed?: string[]): Owner[] {
  const inNs = (): Owner => container(nsOwner(idx, r.ns));
  const linkOf = (ns: string, ifname: string | undefined): Owner | undefined => {
    const l = ifname === undefined ? undefined : idx.linkEnd.get(`${ns}/${ifname}`);
    return l ? { kind: 'link', name: l } : undefined;
  };
  const hostIf = (ifname: string | undefined): Owner | undefined => {
    const n = ifname === undefined ? undefined : idx.hostIfNetwork.get(ifname);
    return n ? { kind: 'network', name: n } : undefined;
  };
  switch (r.kind) {
    case 'netns':
      return [container(idx.netnsContainer.get(r.name) ?? r.name)];
    case 'link': {
      const m = aliasMark(r.alias);
      if (m?.[0] === 'link') return [{ kind: 'link', name: m[1] }];
      const l = linkOf(r.ns, r.ifname);
      if (l) return [l];
      if (r.ns !== HOST_NS) return [inNs()];
      if (m && (m[0] === 'net' || m[0] === 'vxlan')) return [{ kind: 'network', name: m[1] }];
      return [hostVethOwner(idx, r.alias, r.peer?.ns) ?? hostIf(r.ifname) ?? SETTINGS];
    }
    case 'addr':
      return [linkOf(r.ns, r.ifname) ?? (r.ns !== HOST_NS ? inNs() : (hostIf(r.ifname) ?? SETTINGS))];
    case 'route':
      return [linkOf(r.ns, r.dev) ?? (r.ns !== HOST_NS ? inNs() : (hostIf(r.dev) ?? SETTINGS))];
    case 'file': {
      // a shared hosts file is the hosts file of each container linked to it; what
      // changes in it is about the containers whose entries `changed` (its lines added
      // or removed): adding one container is not an update of every peer
      const users = r.ns === HOST_NS ? idx.sharedHostsUsers.get(r.path) : undefined;
      if (changed && r.ns === HOST_NS && isSharedHostsPath(r.path)) return entryOwners(idx, changed);
      if (users?.size) return [...users].map(container);
      return [r.ns !== HOST_NS ? inNs() : SETTINGS];
    }
    case 'sysctl':
      return [r.ns !== HOST_NS ? inNs() : SETTINGS];
    case 'neigh': {
      if (r.ns !== HOST_NS) return [inNs()];
      const h = remoteHost(idx, r.mac, r.ip);
      return [h ? { kind: 'host', name: h } : (hostIf(r.dev) ?? SETTINGS)];
    }
    case 'fdb': {
      if (r.ns !== HOST_NS) return [inNs()];
      const h = r.dst ? (idx.addrHost.get(normalizeIP(r.dst) ?? r.dst) ?? r.dst) : remoteHost(idx, r.mac);
      return [h ? { kind: 'host', name: h } : (hostIf(r.dev) ?? SETTINGS)];
    }
    case 'chain':
    case 'hook':
      if (r.ns !== HOST_NS) return [inNs()];
      if (r.kind === 'chain' && r.chain.startsWith('NK-PORTS-')) {
        const owners = dnatOwners(idx, changed ?? r.rules);
        if (owners.length || changed) return owners;
      }
      return [SETTINGS];
  }
}
