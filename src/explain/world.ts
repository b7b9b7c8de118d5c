// The world the evaluator walks, built from what observe returns (links with their
// peers, addresses, forwarding, FDB) and the few reads explain adds: every
// namespace's main routing table and iptables-save text, and host sysctls. Pure.

import type { ObservedHost } from '../model/observed-host.js';
import type { FdbRes, LinkRes } from '../model/resources.js';
import { aliasDetail, vethPeer } from '../model/marks.js';
import type { IpRoute } from '../observe/ip-json.js';
import { isIp4 } from './ipv4.js';
import { parseRouteEntries } from './routes.js';
import { parseListeners } from './listeners.js';
import type { Attributor, NsView, World } from './types.js';

export interface ExplainReads {
  /** `ip -j -N route show table main` of each namespace, by namespace name */
  routes: Map<string, IpRoute[]>;
  /** `iptables-save` of each namespace (absent: not read) */
  iptables: Map<string, string>;
  /** /proc/net/{tcp,tcp6} and {udp,udp6} of each namespace */
  sockets?: Map<string, { tcp: string; udp: string }>;
  /** host sysctls: net.bridge.bridge-nf-call-iptables, net.ipv4.conf.<if>.route_localnet */
  sysctls: Map<string, string>;
}

export function buildWorld(host: ObservedHost, reads: ExplainReads, containers: Map<string, string> = new Map(), attribute?: Attributor): World {
  const namespaces = new Map<string, NsView>();
  const ns = (name: string): NsView => {
    let v = namespaces.get(name);
    if (!v) {
      v = { name, links: [], addrs: [], routes: parseRouteEntries(reads.routes.get(name) ?? []), forwarding: false };
      const ipt = reads.iptables.get(name);
      if (ipt !== undefined) v.iptables = ipt;
      const so = reads.sockets?.get(name);
      if (so) v.listeners = [...parseListeners(so.tcp, 'tcp'), ...parseListeners(so.udp, 'udp')];
      namespaces.set(name, v);
    }
    return v;
  };
  ns('host');
  const fdb: FdbRes[] = [];
  for (const r of host.observed.resources.values()) {
    if (r.kind === 'netns' && r.origin !== 'shared' && r.broken === undefined) ns(r.name);
    else if (r.kind === 'link') {
      // a veth netkeeper made names its other end in its mark even where the kernel
      // gives no peer (two namespaces with no id for each other)
      const peer = r.type === 'veth' ? vethPeer(r) : undefined;
      ns(r.ns).links.push(peer && !r.peer ? { ...r, peer } : r);
    } else if (r.kind === 'addr') {
      const [ip, prefix] = r.cidr.split('/');
      if (isIp4(ip)) ns(r.ns).addrs.push({ ifname: r.ifname, ip, prefix: Number(prefix) });
    } else if (r.kind === 'sysctl' && r.name === 'net.ipv4.ip_forward') ns(r.ns).forwarding = r.value === '1';
    else if (r.kind === 'fdb') fdb.push(r);
  }
  // a Link's two ends carry the same mark (nk:link:NAME): where the kernel's ifindex
  // pairs were ambiguous (young namespaces number alike), the mark pairs them
  const byLinkMark = new Map<string, LinkRes[]>();
  for (const v of namespaces.values())
    for (const l of v.links) {
      const name = l.type === 'veth' ? aliasDetail(l.alias, 'link') : undefined;
      if (name !== undefined) byLinkMark.set(name, [...(byLinkMark.get(name) ?? []), l]);
    }
  for (const ends of byLinkMark.values())
    if (ends.length === 2 && ends[0].ns !== ends[1].ns)
      for (const [a, b] of [ends, [...ends].reverse()]) {
        if (a.peer) continue;
        const v = namespaces.get(a.ns)!;
        v.links[v.links.indexOf(a)] = { ...a, peer: { ns: b.ns, ifname: b.ifname } };
      }
  for (const v of namespaces.values()) v.addrs.sort((a, b) => a.ifname.localeCompare(b.ifname, 'en', { numeric: true }));
  // a namespace shared by a `container:` mode container is observed under its owner's name
  const names = new Map(containers);
  for (const r of host.observed.resources.values())
    if (r.kind === 'netns' && r.origin === 'shared' && r.sharedWith && !names.has(r.name)) names.set(r.name, r.sharedWith);
  return { namespaces, containers: names, fdb, hostSysctls: reads.sysctls, ...(attribute ? { attribute } : {}) };
}
