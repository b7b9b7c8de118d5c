// Name resolution between containers without rewriting every peer's file per change.
//
// The hosts entries of a set of networks live in one shared file,
// /etc/netns/.hosts/<set>, and the hosts file of each container whose own file would
// say exactly that is a relative symbolic link to it (../.hosts/<set>): `ip netns exec`
// bind-mounts /etc/netns/<name>/hosts over /etc/hosts, and the mount follows the link.
// Adding or removing a container then rewrites the shared file of each set that holds
// one of its networks (one file for a container on one network) and makes or removes
// its own link, instead of rewriting the hosts file of every peer.
//
// A set is the container's networks in its order (`a`, or `a,b` for a container on a
// then b: the order decides which address its own name and a peer on both resolve to
// first, as in its own file). A container keeps a file of its own when the shared one
// would not say what its own says: it has extraHosts or links, it shares another's
// interfaces (mode container:, whose entries carry its own hostname), one of its
// networks is not declared (no peers are listed there), or another member of its
// networks has one of its names (in its own file its own entry comes first).
// `.hosts` cannot be a namespace's directory: namespace names never start with a dot.

import { sha1hex } from '../model/names.js';
import { SHARED_HOSTS_DIRNAME, sharedHostsLink } from '../model/shared-hosts-path.js';

export { SHARED_HOSTS_DIRNAME, sharedHostsLink };
import type { TContainer } from '../model/topology.js';
import type { HostsIndex } from './desired-files.js';

/** File name of a set of networks: the names joined by `,` (no name holds one), hashed when long. */
export function sharedHostsName(networks: readonly string[]): string {
  const plain = networks.join(',');
  if (plain.length <= 100) return plain;
  return `${networks[0].slice(0, 40)}-${sha1hex(plain).slice(0, 16)}`;
}

/** Lower-cased names -> how many members carry them, per network (hosts look-ups ignore case). */
export type NameCounts = Map<string, Map<string, number>>;

export function nameCounts(index: HostsIndex): NameCounts {
  const out: NameCounts = new Map();
  for (const [net, members] of index.members) {
    const counts = new Map<string, number>();
    for (const m of members) {
      const names = new Set(m.entries.flatMap(([, ns]) => ns.map((n) => n.toLowerCase())));
      for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    out.set(net, counts);
  }
  return out;
}

/** The networks whose shared file stands for this container's hosts file, or undefined (a file of its own). */
export function sharedHostsSet(c: TContainer, index: HostsIndex, counts: NameCounts): string[] | undefined {
  if (c.mode === 'container' || c.mode === 'host' || c.extraHosts.length || c.links.length || c.attachments.length === 0) return undefined;
  const nets = c.attachments.map((a) => a.network);
  if (new Set(nets).size !== nets.length) return undefined;
  for (const net of nets) {
    const members = index.members.get(net);
    const own = members?.find((m) => m.name === c.name);
    if (!own) return undefined; // not declared
    const cn = counts.get(net)!;
    for (const [, names] of own.entries) for (const n of names) if ((cn.get(n.toLowerCase()) ?? 0) > 1) return undefined;
  }
  return nets;
}

/** The shared file of a set: localhost, then every member of each network in turn, in name order. */
export function sharedHostsContent(header: string, networks: readonly string[], index: HostsIndex): string {
  const lines = [header, '127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  for (const net of networks) for (const m of index.members.get(net) ?? []) for (const [ip] of m.entries) lines.push(m.lines.get(ip)!);
  return lines.join('\n') + '\n';
}
