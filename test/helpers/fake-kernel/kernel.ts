// The fake kernel's namespaces and the files that name them, and the operations
// that cascade (deleting a link takes its veth peer, macvlans on it and its
// routes; a namespace no file holds any more is destroyed with its links).

import { FakeNs, adjustBridgeMtu, newLink, type FakeLink } from './state.js';
import { forgetLinkSysctls } from './sysctl.js';

export const HOST_PROC_NS = '/proc/self/ns/net';

/** What a path names: a namespace, a file with no namespace mounted on it, or nothing. */
export type PathTarget = { ns: FakeNs } | { stale: true } | undefined;

export class KernelState {
  readonly host: FakeNs;
  private nextNsId = 1;
  private readonly macSeq = { n: 0x10 };
  /** path → namespace (bind mounts under /run/netns, /proc/<pid>/ns/net) */
  readonly mounts = new Map<string, FakeNs>();
  /** files under /run/netns with no namespace mounted (a killed `ip netns add`) */
  readonly staleFiles = new Set<string>();
  /** br_netfilter loaded: the net.bridge.* sysctls exist */
  brNetfilter = false;

  constructor() {
    this.host = this.makeNs();
    this.mounts.set(HOST_PROC_NS, this.host);
    this.mounts.set('/proc/1/ns/net', this.host);
  }

  makeNs(): FakeNs {
    const ns = new FakeNs(this.nextNsId++, this.macSeq);
    newLink(ns, 'lo', 'loopback');
    return ns;
  }

  resolve(path: string): PathTarget {
    const ns = this.mounts.get(path);
    if (ns) return { ns };
    if (this.staleFiles.has(path)) return { stale: true };
    return undefined;
  }

  /** The first /run/netns name of a namespace ('host' for the host's; `#<id>` when it has none). */
  nameOf(ns: FakeNs): string {
    if (ns === this.host) return 'host';
    const names = [...this.mounts].filter(([p, n]) => n === ns && p.startsWith('/run/netns/')).map(([p]) => p.slice('/run/netns/'.length));
    return names.sort()[0] ?? `#${ns.id}`;
  }

  /** Every live namespace, the host's first. */
  namespaces(): FakeNs[] {
    const out = [this.host];
    for (const ns of this.mounts.values()) if (!out.includes(ns)) out.push(ns);
    return out;
  }

  /** Remove a path; a namespace no path names any more is destroyed. */
  unmount(path: string): void {
    const ns = this.mounts.get(path);
    this.mounts.delete(path);
    if (ns && ns !== this.host && ![...this.mounts.values()].includes(ns)) this.destroyNs(ns);
  }

  destroyNs(ns: FakeNs): void {
    for (const l of [...ns.links.values()]) if (l.kind !== 'loopback') this.deleteLink(l);
    ns.alive = false;
  }

  /** Delete a link: its veth peer, the macvlans on it, its ports' master, its routes, neighbours and FDB go too. */
  deleteLink(link: FakeLink): void {
    if (!link.ns.links.has(link.ifindex)) return;
    link.ns.links.delete(link.ifindex);
    const ns = link.ns;
    ns.routes = ns.routes.filter((r) => r.dev !== link.ifname);
    ns.neigh = ns.neigh.filter((n) => n.dev !== link.ifname);
    ns.fdb = ns.fdb.filter((f) => f.dev !== link.ifname);
    forgetLinkSysctls(ns, link.ifname);
    for (const l of ns.links.values()) if (l.master === link) l.master = undefined;
    adjustBridgeMtu(link.master);
    if (link.peer) {
      const p = link.peer;
      link.peer = undefined;
      p.peer = undefined;
      this.deleteLink(p);
    }
    for (const other of this.namespaces()) for (const l of [...other.links.values()]) if (l.parent === link) this.deleteLink(l);
  }

  /** Links down: IPv4/IPv6 routes through them are flushed, as the kernel does. */
  setDown(link: FakeLink): void {
    link.up = false;
    link.ns.routes = link.ns.routes.filter((r) => r.dev !== link.ifname);
  }
}
