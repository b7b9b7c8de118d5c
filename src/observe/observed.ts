// Turn the captured outputs of one observe pass into Observed. Pure: the shell part
// (src/shell/observe/kernel.ts) only runs the commands and reads the files listed here.

import { HOST_NS, key, toMap, type LinkRes, type NetnsRes, type Resource } from '../model/resources.js';
import type { HostFacts, Observed } from '../model/plan.js';
import { isNetnsAlias } from '../model/marks.js';
import { parseAddrs } from './addrs.js';
import { HOST_BATCH, NS_BATCH, splitBatch } from './batch.js';
import { parseEtcNetnsFiles, type EtcNetnsFile } from './files.js';
import { parseJsonArray, type FdbEntry, type IpLink, type IpNeigh, type IpRoute, type NetconfEntry } from './ip-json.js';
import { linkPointers, parseLinks, type LinkPointer } from './links.js';
import { parseFdb, parseNeigh } from './neigh.js';
import { parseNetconf } from './netconf.js';
import { resolvePeers } from './peers.js';
import { foreignRouteDsts, foreignRoutes, parseRoutes } from './routes.js';
import { boundPorts, type SocketTables } from './sockets.js';

/** The parsed documents of one namespace batch (NS_BATCH order). */
export interface NsBatch {
  links: IpLink[];
  /** `addr show`: links with addr_info */
  addrs: IpLink[];
  routes: IpRoute[];
  neigh: IpNeigh[];
  netconf: NetconfEntry[];
  /** host only: `route show table main` */
  mainRoutes?: IpRoute[];
}

export function parseNsBatch(stdout: string, host = false, what = 'ip -batch'): NsBatch {
  const cmds = host ? HOST_BATCH : NS_BATCH;
  const docs = splitBatch(stdout, cmds, what);
  const b: NsBatch = {
    links: parseJsonArray<IpLink>(docs[0], 'link show'),
    addrs: parseJsonArray<IpLink>(docs[1], 'addr show'),
    routes: parseJsonArray<IpRoute>(docs[2], 'route show'),
    neigh: parseJsonArray<IpNeigh>(docs[3], 'neigh show'),
    netconf: parseJsonArray<NetconfEntry>(docs[4], 'netconf show'),
  };
  if (host) b.mainRoutes = parseJsonArray<IpRoute>(docs[5], 'route show table main');
  return b;
}

/** Resources of one namespace from its batch. */
export interface NsObservation {
  ns: string;
  links: LinkRes[];
  pointers: LinkPointer[];
  other: Resource[];
  /** lo's ifalias is MARK.nsAlias */
  loMarked: boolean;
}

/**
 * `netkeeperNs`: the namespace is one netkeeper may have created (a named one under
 * /run/netns); it counts as created by netkeeper when lo carries MARK.nsAlias, and
 * then everything in it (addresses, neighbours) is owned.
 */
export function observeNs(ns: string, b: NsBatch, opts: { netkeeperNs: boolean }): NsObservation {
  const links = parseLinks(b.links, ns);
  const lo = links.find((l) => l.ifname === 'lo');
  const loMarked = isNetnsAlias(lo?.alias);
  const nsOwned = opts.netkeeperNs && loMarked;
  const ownedIfnames = new Set(links.filter((l) => l.owned).map((l) => l.ifname));
  const other: Resource[] = [
    ...parseAddrs(b.addrs, ns, { nsOwned, ownedIfnames }),
    ...parseRoutes(b.routes, ns),
    ...parseNeigh(b.neigh, ns, { nsOwned, ownedIfnames }),
    ...parseNetconf(b.netconf, ns),
  ];
  return { ns, links, pointers: linkPointers(b.links), other, loMarked };
}

/** Owned VXLAN devices of the host (their FDB is read with one `bridge -j -batch -`). */
export function ownedVxlanDevs(host: NsBatch): string[] {
  return parseLinks(host.links, HOST_NS)
    .filter((l) => l.type === 'vxlan' && l.owned)
    .map((l) => l.ifname);
}

export interface NsCapture {
  /** the netns name (under /run/netns), or an adopted namespace's name */
  name: string;
  /** file entered with nsenter --net= */
  path: string;
  origin: 'named' | 'adopted' | 'shared';
  /** origin shared: the namespace observed under this other name */
  sharedWith?: string;
  /** stdout of the NS_BATCH (absent for shared ones and when it could not be entered) */
  batch?: string;
  /** could not be entered (stale file, not a namespace) */
  error?: string;
}

export interface ObserveCapture {
  /** stdout of the HOST_BATCH in the host namespace (or its parseNsBatch(…, true)) */
  hostBatch: string | NsBatch;
  /** `bridge -j -batch -` reading `fdb show dev D` for each of `devs` */
  fdb?: { devs: string[]; stdout: string };
  namespaces: NsCapture[];
  /** files under /etc/netns/<ns>/ */
  files: EtcNetnsFile[];
  resolvConf: string;
  hostname: string;
  /** /proc/net/{tcp,tcp6} and {udp,udp6} texts of the host namespace, when read */
  sockets?: SocketTables;
  /** parses the namespaces' batches (a watcher's NsBatchCache: the same text is parsed once) */
  nsBatches?: { parse(text: string, what: string): NsBatch };
}

export function assembleObserved(c: ObserveCapture): Observed {
  const resources: Resource[] = [];
  const host = typeof c.hostBatch === 'string' ? parseNsBatch(c.hostBatch, true, 'host ip -batch') : c.hostBatch;
  const hostObs = observeNs(HOST_NS, host, { netkeeperNs: false });
  const all = [hostObs];

  const nsOwnedByName = new Map<string, boolean>();
  for (const n of c.namespaces) {
    if (n.origin === 'shared' || n.batch === undefined) continue;
    const what = `ip -batch in ${n.name}`;
    const b = c.nsBatches ? c.nsBatches.parse(n.batch, what) : parseNsBatch(n.batch, false, what);
    const o = observeNs(n.name, b, { netkeeperNs: n.origin === 'named' });
    nsOwnedByName.set(n.name, o.loMarked);
    all.push(o);
  }

  for (const n of c.namespaces) {
    const res: NetnsRes = { kind: 'netns', key: key.netns(n.name), ns: n.name, owned: false, name: n.name, origin: n.origin, path: n.path };
    if (n.origin === 'adopted')
      res.owned = true; // adopted by the config; never deleted
    else if (n.origin === 'shared') {
      if (n.sharedWith) res.sharedWith = n.sharedWith;
      res.owned = n.sharedWith ? (nsOwnedByName.get(n.sharedWith) ?? false) : false;
    } else res.owned = nsOwnedByName.get(n.name) ?? false;
    if (n.error !== undefined) res.broken = n.error.trim().split('\n')[0];
    resources.push(res);
  }

  resolvePeers(all);
  for (const o of all) resources.push(...o.links, ...o.other);

  if (c.fdb && c.fdb.devs.length) {
    const docs = splitBatch(c.fdb.stdout, c.fdb.devs, 'bridge -batch');
    const ownedIfnames = new Set(hostObs.links.filter((l) => l.owned).map((l) => l.ifname));
    c.fdb.devs.forEach((dev, i) => {
      const entries = parseJsonArray<FdbEntry>(docs[i], `fdb show dev ${dev}`);
      resources.push(...parseFdb(entries, HOST_NS, { nsOwned: false, ownedIfnames }, dev));
    });
  }

  resources.push(...parseEtcNetnsFiles(c.files));

  const ownedHostIfnames = new Set(hostObs.links.filter((l) => l.owned).map((l) => l.ifname));
  const linkMtu: Record<string, number> = {};
  for (const l of hostObs.links) if (l.mtu !== undefined) linkMtu[l.ifname] = l.mtu;
  const facts: HostFacts = {
    foreignRoutes: foreignRouteDsts(host.mainRoutes ?? [], ownedHostIfnames),
    hostRoutes: foreignRoutes(host.mainRoutes ?? [], ownedHostIfnames),
    resolvConf: c.resolvConf,
    hostname: c.hostname,
    linkMtu,
    ...(c.sockets ? { boundPorts: boundPorts(c.sockets) } : {}),
  };
  return { resources: toMap(resources), facts };
}
