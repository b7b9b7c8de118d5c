// `status NAME`: one network or container in detail, like `docker network
// inspect` / `docker inspect`. Built on the views (views.ts) plus what only the
// detail shows: a network's options and its firewall chains, a container's
// interfaces, routes and /etc/netns files. Pure.

import { editDistance } from '../model/edit-distance.js';
import { HOST_NS } from '../model/resources.js';
import type { ChainRes, FileRes, LinkRes, NetnsRes, Resource, RouteRes } from '../model/resources.js';
import type { Topology } from '../model/topology.js';
import type { Sync } from './drift.js';
import type { PortView } from './ports-drift.js';
import type { ContainerState, StatusViews } from './views.js';
import { naturalCompare } from './natural.js';
import { overlayStatus, namesFromTopology, type OverlayStatus } from './overlay.js';

export interface NetworkDetail {
  kind: 'network';
  name: string;
  driver: string;
  interface: string | null;
  subnets: { subnet: string; gateway: string | null; ipRange: string | null }[];
  mtu: number | null;
  /** what the files set (gatewayMode, icc, internal, hostIP, parent, mode, vni, port); empty when not declared */
  options: Record<string, string | number | boolean>;
  containers: { name: string; interface: string; ip4: string | null; ip6: string | null; mac: string | null }[];
  ports: PortView[];
  /** netkeeper's iptables chains for this network: rules in each that concern its bridge */
  firewall: { family: string; table: string; chain: string; rules: number }[];
  /** overlay: members here and on other hosts */
  overlay: OverlayStatus | null;
  sync: Sync | null;
}

export interface ContainerDetail {
  kind: 'container';
  name: string;
  namespace: string | null;
  /** how netkeeper holds the namespace: named (made and owned), adopted (a process's), shared (mode container:), host */
  origin: string | null;
  path: string | null;
  mode: string;
  state: ContainerState;
  interfaces: {
    name: string;
    type: string;
    network: string | null;
    link: string | null;
    addresses: string[];
    mac: string | null;
    mtu: number | null;
    up: boolean;
  }[];
  routes: { to: string; via: string | null; dev: string | null }[];
  ports: PortView[];
  files: { path: string; content: string }[];
  sync: Sync | null;
}

export interface LinkDetail {
  kind: 'link';
  name: string;
  mtu: number | null;
  ends: { container: string; interface: string; addresses: string[]; mac: string | null; mtu: number | null; up: boolean }[];
  sync: Sync | null;
}

export type ObjectDetail = NetworkDetail | ContainerDetail | LinkDetail;

export function linkDetail(name: string, views: StatusViews, rs: Resource[]): LinkDetail | undefined {
  const v = views.links.find((l) => l.name === name);
  if (!v) return undefined;
  const nsOf = (container: string) => (container === 'host' ? HOST_NS : ([...views.index.containerOfNs].find(([, c]) => c === container)?.[0] ?? container));
  const ends = v.ends.map((e) => {
    const l = rs.find((r): r is LinkRes => r.kind === 'link' && r.ns === nsOf(e.container) && r.ifname === e.interface);
    return { ...e, mac: l?.mac?.toLowerCase() ?? null, mtu: l?.mtu ?? null, up: l?.up ?? false };
  });
  return { kind: 'link', name, mtu: v.mtu, ends, sync: v.sync };
}

const mentions = (rule: string, dev: string) => new RegExp(`(^|\\s)-[io] ${dev.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`).test(rule);

export function networkDetail(name: string, views: StatusViews, rs: Resource[], topo: Topology | undefined): NetworkDetail | undefined {
  const v = views.networks.find((n) => n.name === name);
  if (!v) return undefined;
  const n = topo?.networks.find((x) => x.name === name);
  const options: Record<string, string | number | boolean> = {};
  if (n) {
    Object.assign(options, { gatewayMode: n.gatewayMode, icc: n.icc, internal: n.internal, hostIP: n.hostIP });
    if (n.parent) Object.assign(options, { parent: n.parent, mode: n.macvlanMode ?? 'bridge' });
    if (n.vni !== undefined) Object.assign(options, { vni: n.vni, port: n.vxlanPort ?? 4789 });
  }
  const bridge = v.driver === 'macvlan' ? undefined : (v.interface ?? undefined);
  const firewall = bridge
    ? rs
        .filter((r): r is ChainRes => r.kind === 'chain' && r.ns === HOST_NS)
        .map((c) => ({
          family: c.family,
          table: c.table,
          chain: c.chain,
          rules: c.chain === `NK-PORTS-${bridge}` ? c.rules.length : c.rules.filter((x) => mentions(x, bridge)).length,
        }))
        .filter((c) => c.rules > 0)
    : [];
  const containers = views.containers.flatMap((c) =>
    c.networks
      .filter((a) => a.network === name)
      .map((a) => ({ name: c.name, interface: a.interface, ip4: a.ip4 ?? null, ip6: a.ip6 ?? null, mac: a.mac ?? null })),
  );
  const overlay = v.driver === 'overlay' ? (overlayStatus(rs, namesFromTopology(topo, topo?.hosts ?? [])).find((o) => o.network === name) ?? null) : null;
  return {
    kind: 'network',
    name,
    driver: v.driver,
    interface: v.interface,
    subnets: n
      ? n.subnets.map((s) => ({ subnet: s.subnet, gateway: s.gateway ?? null, ipRange: s.ipRange !== s.subnet ? s.ipRange : null }))
      : v.subnets.map((s, i) => ({ subnet: s, gateway: v.gateways[i] ?? null, ipRange: null })),
    mtu: v.mtu,
    options,
    containers,
    ports: views.ports.filter((p) => p.network === name),
    firewall,
    overlay,
    sync: v.sync,
  };
}

export function containerDetail(name: string, views: StatusViews, rs: Resource[], topo: Topology | undefined): ContainerDetail | undefined {
  const v = views.containers.find((c) => c.name === name);
  if (!v) return undefined;
  const c = topo?.containers.find((x) => x.name === name);
  const ns = c ? (c.netns ?? HOST_NS) : ([...views.index.containerOfNs].find(([, n]) => n === name)?.[0] ?? name);
  const n = rs.find((r): r is NetnsRes => r.kind === 'netns' && r.name === ns);
  const inNs = ns === HOST_NS ? [] : rs.filter((r) => r.ns === (n?.sharedWith ?? ns));
  const interfaces = inNs
    .filter((r): r is LinkRes => r.kind === 'link')
    .sort((a, b) => (a.type === 'loopback' ? -1 : b.type === 'loopback' ? 1 : naturalCompare(a.ifname, b.ifname)))
    .map((l) => {
      const att = v.networks.find((a) => a.interface === l.ifname);
      return {
        name: l.ifname,
        type: l.type,
        network: att?.network ?? null,
        link: att?.link ?? null,
        addresses: inNs.filter((r) => r.kind === 'addr' && r.ifname === l.ifname).map((r) => (r as { cidr: string }).cidr),
        mac: l.mac?.toLowerCase() ?? null,
        mtu: l.mtu ?? null,
        up: l.up,
      };
    });
  const routes = inNs
    .filter((r): r is RouteRes => r.kind === 'route')
    .map((r) => ({ to: r.dst === 'default6' ? 'default (IPv6)' : r.dst, via: r.via ?? null, dev: r.dev ?? null }))
    .sort((a, b) => (a.to.startsWith('default') ? -1 : b.to.startsWith('default') ? 1 : naturalCompare(a.to, b.to)));
  const files = rs
    .filter((r): r is FileRes => r.kind === 'file' && r.path.startsWith(`/etc/netns/${ns}/`))
    .map((f) => ({ path: f.path, content: f.content }))
    .sort((a, b) => naturalCompare(a.path, b.path));
  return {
    kind: 'container',
    name,
    namespace: v.namespace,
    origin: c?.netnsOrigin ?? n?.origin ?? null,
    path: c?.netnsPath ?? n?.path ?? null,
    mode: v.mode,
    state: v.state,
    interfaces,
    routes,
    ports: views.ports.filter((p) => p.container === name),
    files,
    sync: v.sync,
  };
}

/** Names close to `name` (a typo, a prefix): for the error of an unknown one. */
export function closeNames(name: string, names: string[]): string[] {
  const lower = name.toLowerCase();
  return [...new Set(names)]
    .filter(
      (n) =>
        n.toLowerCase().includes(lower) || lower.includes(n.toLowerCase()) || editDistance(lower, n.toLowerCase()) <= Math.max(1, Math.floor(name.length / 3)),
    )
    .sort(naturalCompare);
}
