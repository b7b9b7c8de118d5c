// /etc/netns/<name>/{hosts,resolv.conf,hostname}: what `ip netns exec <name>`
// bind-mounts over /etc inside the container.

import { HOST_NS, key } from '../model/resources.js';
import { MARK } from '../model/marks.js';
import type { FileRes } from '../model/resources.js';
import type { TAttachment, TContainer, Topology } from '../model/topology.js';
import { nameCounts, SHARED_HOSTS_DIRNAME, sharedHostsContent, sharedHostsLink, sharedHostsName, sharedHostsSet } from './shared-hosts.js';

export const ETC_NETNS_DIR = '/etc/netns';

function file(ns: string, name: string, content: string): FileRes {
  const path = `${ETC_NETNS_DIR}/${ns}/${name}`;
  return { kind: 'file', key: key.file(path), ns, path, owned: true, content };
}

/**
 * Like Docker on its default bridge: without `dns`, the host's resolv.conf with
 * loopback nameservers dropped (they cannot answer inside the namespace);
 * when none is left, Google's public resolvers, as Docker does.
 */
export function resolvConf(c: TContainer, hostResolvConf: string): string {
  const host = hostResolvConf.split('\n').map((l) => l.trim().split(/\s+/));
  const hostServers = host.filter((w) => w[0] === 'nameserver' && w[1] && !w[1].startsWith('127.') && w[1] !== '::1').map((w) => w[1]);
  const fromHost = (word: string) => host.filter((w) => w[0] === word).flatMap((w) => w.slice(1));
  const servers = c.dns.servers.length ? c.dns.servers : hostServers.length ? hostServers : ['8.8.8.8', '8.8.4.4'];
  const search = c.dns.search.length ? c.dns.search : fromHost('search');
  const options = c.dns.options.length ? c.dns.options : fromHost('options');
  const lines = [MARK.fileHeader, ...servers.map((s) => `nameserver ${s}`)];
  if (search.length) lines.push(`search ${search.join(' ')}`);
  if (options.length) lines.push(`options ${options.join(' ')}`);
  return lines.join('\n') + '\n';
}

/** Per declared network, its members in name order with their hosts entries: computed once per pass. */
export interface HostsIndex {
  byName: Map<string, TContainer>;
  members: Map<string, { name: string; entries: [string, string[]][]; lines: Map<string, string> }[]>;
}

function selfEntries(c: TContainer, a: TAttachment): [string, string[]][] {
  const out: [string, string[]][] = [];
  if (a.ip4) out.push([a.ip4, [c.hostname, ...(c.hostname !== c.name ? [c.name] : []), ...a.aliases]]);
  if (a.ip6) out.push([a.ip6, [c.hostname, ...a.aliases]]);
  return out;
}

export function hostsIndex(topo: Topology): HostsIndex {
  const members: HostsIndex['members'] = new Map();
  for (const n of topo.networks) if (n.declared) members.set(n.name, []);
  for (const c of [...topo.containers].sort((x, y) => x.name.localeCompare(y.name))) {
    if (c.mode === 'container' || c.mode === 'host') continue;
    for (const a of c.attachments) {
      const entries = selfEntries(c, a);
      members.get(a.network)?.push({ name: c.name, entries, lines: new Map(entries.map(([ip, names]) => [ip, `${ip}\t${names.join(' ')}`])) });
    }
  }
  return { byName: new Map(topo.containers.map((x) => [x.name, x])), members };
}

/** hosts: itself, extraHosts, link aliases and, on declared networks, the other containers there. */
export function hostsFile(c: TContainer, topo: Topology, index: HostsIndex = hostsIndex(topo)): string {
  const lines = [MARK.fileHeader, '127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  const seen = new Set<string>();
  const add = (ip: string | undefined, names: string[]) => {
    if (!ip) return;
    const fresh = names.filter((n) => !seen.has(`${ip} ${n}`));
    if (fresh.length === 0) return;
    fresh.forEach((n) => seen.add(`${ip} ${n}`));
    lines.push(`${ip}\t${fresh.join(' ')}`);
  };
  const self = ownerOf(c, index);
  for (const a of self.attachments) {
    const mine = selfEntries(c, a);
    for (const [ip, names] of mine) add(ip, names);
  }
  for (const h of c.extraHosts) add(h.ip, [h.name]);
  for (const l of c.links) {
    const peer = index.byName.get(l.container);
    if (!peer) continue;
    const p = ownerOf(peer, index);
    const shared = p.attachments.find((pa) => self.attachments.some((sa) => sa.network === pa.network));
    const names = l.alias !== peer.name ? [l.alias, peer.name] : [peer.name];
    add(shared?.ip4 ?? p.attachments[0]?.ip4, names);
  }
  // the other members: one line per address, as computed once for the network
  // (an address and name already written above are not written again)
  for (const a of self.attachments) {
    for (const m of index.members.get(a.network) ?? []) {
      if (m.name === c.name) continue;
      for (const [ip, names] of m.entries) {
        if (seen.size && names.some((n) => seen.has(`${ip} ${n}`))) add(ip, names);
        else lines.push(m.lines.get(ip)!);
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** mode container:<x> shares x's interfaces, so its hosts entries are x's addresses. */
function ownerOf(c: TContainer, index: HostsIndex): TContainer {
  if (c.mode !== 'container' || !c.sharedWith) return c;
  return index.byName.get(c.sharedWith) ?? c;
}

/** /etc/netns/.hosts/<set>: the hosts file shared by the containers on that set of networks (shared-hosts.ts). */
export const sharedHostsPath = (name: string): string => `${ETC_NETNS_DIR}/${SHARED_HOSTS_DIRNAME}/${name}`;

export function buildFiles(topo: Topology, hostResolvConf: string): FileRes[] {
  const out: FileRes[] = [];
  const index = hostsIndex(topo);
  const counts = nameCounts(index);
  // a link's content is its target's (the same string), for whoever shows the file
  const shared = new Map<string, string>();
  for (const c of topo.containers) {
    if (!c.local || !c.netns || c.netnsOrigin === 'host') continue;
    const set = sharedHostsSet(c, index, counts);
    if (set) {
      const name = sharedHostsName(set);
      let content = shared.get(name);
      if (content === undefined) shared.set(name, (content = sharedHostsContent(MARK.fileHeader, set, index)));
      out.push({ ...file(c.netns, 'hosts', content), link: sharedHostsLink(name) });
    } else out.push(file(c.netns, 'hosts', hostsFile(c, topo, index)));
    out.push(file(c.netns, 'resolv.conf', resolvConf(c, hostResolvConf)));
    out.push(file(c.netns, 'hostname', `${c.hostname}\n`));
  }
  for (const [name, content] of shared) {
    const path = sharedHostsPath(name);
    out.push({ kind: 'file', key: key.file(path), ns: HOST_NS, path, owned: true, content });
  }
  return out;
}
