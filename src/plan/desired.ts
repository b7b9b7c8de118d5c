// Topology → the desired kernel resources: interfaces, addresses, routes,
// namespaces, sysctls and /etc/netns files (here), the firewall's chains, hooks and
// sysctls (firewall.ts) and the overlays' static forwarding entries (overlay.ts).

import { HOST_NS, MARK, key, toMap } from '../model/resources.js';
import { makeAlias as alias } from '../model/marks.js';
import type { AddrRes, LinkRes, NetnsRes, Resource, RouteRes, SysctlRes } from '../model/resources.js';
import type { Desired } from '../model/plan.js';
import type { TAttachment, TContainer, TNetwork, Topology } from '../model/topology.js';
import { BITS, formatIP, parseCidr } from '../model/ip.js';
import { buildFiles } from './desired-files.js';
import { overlayGatewayMac } from '../model/names.js';
import { namedNetnsPath } from '../model/netns-path.js';
import { DEFAULT_VXLAN_PORT } from '../model/defaults.js';
import { buildFirewall } from './firewall.js';
import { buildOverlay } from './overlay.js';
import { routedVtep } from './overlay-routed.js';

/** Which parts besides the core a desired state holds (a pass asks for both; tests for what they look at). */
export interface DesiredParts {
  /** the firewall's chains, hooks and sysctls (firewall.ts) */
  firewall?: boolean;
  /** the overlays' static FDB and neighbour entries (overlay.ts) */
  overlay?: boolean;
}

export { NETNS_DIR } from '../model/netns-path.js';

export { alias };

/** `sharedWith` names a container; the namespace resource names that container's namespace. */
function netnsRes(c: TContainer, nsOf: Map<string, string | undefined>): NetnsRes | undefined {
  if (!c.netns || c.netnsOrigin === 'host') return undefined;
  return {
    kind: 'netns',
    key: key.netns(c.netns),
    ns: c.netns,
    owned: true,
    name: c.netns,
    origin: c.netnsOrigin,
    path: c.netnsPath ?? namedNetnsPath(c.netns),
    ...(c.sharedWith ? { sharedWith: nsOf.get(c.sharedWith) ?? c.sharedWith } : {}),
  };
}

function link(ns: string, ifname: string, props: Omit<LinkRes, 'kind' | 'key' | 'ns' | 'ifname' | 'owned'>): LinkRes {
  return { kind: 'link', key: key.link(ns, ifname), ns, ifname, owned: true, ...props };
}

function addr(ns: string, ifname: string, cidr: string): AddrRes {
  return { kind: 'addr', key: key.addr(ns, ifname, cidr), ns, ifname, cidr, owned: true };
}

function route(ns: string, dst: string, via: string | undefined, dev: string | undefined): RouteRes {
  const r: RouteRes = { kind: 'route', key: key.route(ns, dst), ns, dst, owned: true };
  if (via) r.via = via;
  if (dev) r.dev = dev;
  return r;
}

function sysctl(ns: string, name: string, value: string): SysctlRes {
  return { kind: 'sysctl', key: key.sysctl(ns, name), ns, name, value, owned: true };
}

function networkResources(n: TNetwork, topo: Topology): Resource[] {
  const out: Resource[] = [];
  if (!n.bridge) return out; // macvlan: nothing on the host
  const hasV6 = n.subnets.some((s) => s.family === 6);
  out.push(
    link(HOST_NS, n.bridge, {
      type: 'bridge',
      up: true,
      mtu: n.mtu,
      alias: alias('net', n.name),
      // a fixed MAC: a bridge left to take its lowest port's MAC changes it when
      // ports come and go, and the kernel then drops its permanent neighbour entries
      mac: n.gatewayMac ?? overlayGatewayMac(n.name),
      ...(hasV6 ? {} : { addrgenNone: true }),
    }),
  );
  for (const s of n.subnets) {
    if (s.hostHasGateway && s.gateway) out.push(addr(HOST_NS, n.bridge, `${s.gateway}/${s.prefixLen}`));
  }
  if (n.driver === 'overlay' && n.vxlanDev && n.vni !== undefined && n.routed) {
    out.push(...routedVtep(n, topo)); // not a bridge port: src/plan/overlay-routed.ts
  } else if (n.driver === 'overlay' && n.vxlanDev && n.vni !== undefined) {
    const self = topo.hosts.find((h) => h.name === topo.self);
    out.push(
      link(HOST_NS, n.vxlanDev, {
        type: 'vxlan',
        up: true,
        mtu: n.mtu,
        master: n.bridge,
        alias: alias('vxlan', n.name),
        addrgenNone: true,
        // static bridge entries point remote MACs at this port (src/plan/overlay.ts): never learn here
        portLearning: false,
        vxlan: { vni: n.vni, local: self?.address ?? '', port: n.vxlanPort ?? DEFAULT_VXLAN_PORT, learning: false, proxy: true },
      }),
    );
  }
  return out;
}

function defaultRoutes(c: TContainer, nets: Map<string, TNetwork>): RouteRes[] {
  const ns = c.netns!;
  const out: RouteRes[] = [];
  const explicit = new Set(c.routes.map((r) => (r.to === 'default' ? 'default' : r.to)));
  for (const fam of [4, 6] as const) {
    const dst = fam === 4 ? 'default' : 'default6';
    if (fam === 4 && explicit.has('default')) continue;
    for (const a of c.attachments) {
      const n = nets.get(a.network);
      if (!n || n.internal) continue;
      const own = fam === 4 ? a.ip4 : a.ip6;
      const s = n.subnets.find((x) => x.family === fam && x.gateway);
      if (!own || !s?.gateway || s.gateway === own) continue;
      out.push(route(ns, dst, s.gateway, a.ifname));
      break;
    }
  }
  return out;
}

function attachmentResources(c: TContainer, a: TAttachment, n: TNetwork): Resource[] {
  const ns = c.netns!;
  const out: Resource[] = [];
  const hasV6 = n.subnets.some((s) => s.family === 6);
  if (n.driver === 'macvlan') {
    out.push(
      link(ns, a.ifname, {
        type: 'macvlan',
        up: true,
        mtu: a.mtu,
        mac: a.mac,
        alias: alias('macvlan', `${n.name}`),
        macvlan: { parent: n.parent ?? '', mode: n.macvlanMode ?? 'bridge' },
      }),
    );
  } else if (a.hostIfname && n.bridge) {
    out.push(
      link(HOST_NS, a.hostIfname, {
        type: 'veth',
        up: true,
        mtu: a.mtu,
        master: n.bridge,
        alias: alias('veth', `${ns}/${a.ifname}`),
        peer: { ns, ifname: a.ifname },
        ...(hasV6 ? {} : { addrgenNone: true }),
        // a container reaching its own published port: the DNAT'ed frame goes back out this port.
        // Always stated, so that a port that no longer needs it is set back to off
        hairpin: n.gatewayMode !== 'isolated' && c.ports.some((p) => p.network === a.network),
      }),
      link(ns, a.ifname, {
        type: 'veth',
        up: true,
        mtu: a.mtu,
        mac: a.mac,
        alias: alias('veth', `${HOST_NS}/${a.hostIfname}`),
        peer: { ns: HOST_NS, ifname: a.hostIfname },
        ...(hasV6 ? {} : { addrgenNone: true }),
      }),
    );
  }
  if (a.ip4 && a.prefix4 !== undefined) out.push(addr(ns, a.ifname, `${a.ip4}/${a.prefix4}`));
  if (a.ip6 && a.prefix6 !== undefined) out.push(addr(ns, a.ifname, `${a.ip6}/${a.prefix6}`));
  return out;
}

function containerResources(c: TContainer, nets: Map<string, TNetwork>, nsOf: Map<string, string | undefined>): Resource[] {
  const out: Resource[] = [];
  const nsr = netnsRes(c, nsOf);
  if (!nsr) return out;
  out.push(nsr);
  if (c.netnsOrigin === 'shared') return out; // its namespace is plumbed by the container it shares
  const ns = nsr.name;
  const owned = c.netnsOrigin === 'named';
  // a router container's lo says so: the next pass reads its iptables even after
  // `masquerade` left the files, and removes the rules
  const nsAlias = c.masquerade.length > 0 ? MARK.nsAliasFirewall : MARK.nsAlias;
  out.push(link(ns, 'lo', { type: 'loopback', up: true, ...(owned ? { alias: nsAlias } : {}) }));
  for (const cidr of c.loopback) out.push(addr(ns, 'lo', cidr));
  for (const a of c.attachments) {
    const n = nets.get(a.network);
    if (n) out.push(...attachmentResources(c, a, n));
  }
  out.push(...defaultRoutes(c, nets));
  for (const r of c.routes) {
    const dst = r.to === 'default' ? (r.via?.includes(':') ? 'default6' : 'default') : r.to;
    out.push(route(ns, dst, r.via, r.dev));
  }
  out.push(sysctl(ns, 'net.ipv4.ip_forward', c.forwarding ? '1' : '0'));
  return out;
}

function linkResources(topo: Topology): Resource[] {
  const out: Resource[] = [];
  const local = new Set(topo.containers.filter((c) => c.local).map((c) => c.netns ?? HOST_NS));
  for (const l of topo.links) {
    if (!l.ends.every((e) => e.ns === HOST_NS || local.has(e.ns))) continue;
    l.ends.forEach((e, i) => {
      const other = l.ends[1 - i];
      out.push(
        link(e.ns, e.ifname, {
          type: 'veth',
          up: true,
          mtu: l.mtu,
          alias: alias('link', `${l.name}`),
          peer: { ns: other.ns, ifname: other.ifname },
          ...(e.mac ? { mac: e.mac } : {}),
          ...(e.ip && !e.ip.includes(':') ? { addrgenNone: true } : {}),
        }),
      );
      if (e.ip) {
        out.push(addr(e.ns, e.ifname, e.ip));
        // /32 (or /128) addresses: a route to the other end over the link
        const mine = parseCidr(e.ip);
        const peer = other.ip ? parseCidr(other.ip) : undefined;
        if (mine && peer && mine.prefix === BITS[mine.family]) {
          out.push(route(e.ns, `${formatIP(peer.family, peer.addr)}/${mine.prefix}`, undefined, e.ifname));
        }
      }
    });
  }
  return out;
}

/** Every resource this host should have, keyed. */
export function buildDesired(topo: Topology, hostResolvConf: string, parts: DesiredParts = {}): Desired {
  const nets = new Map(topo.networks.map((n) => [n.name, n]));
  const all: Resource[] = [];
  for (const n of topo.networks) all.push(...networkResources(n, topo));
  const nsOf = new Map(topo.containers.map((c) => [c.name, c.netns]));
  for (const c of topo.containers) if (c.local) all.push(...containerResources(c, nets, nsOf));
  all.push(...linkResources(topo));
  all.push(...buildFiles(topo, hostResolvConf));
  if (parts.firewall) all.push(...buildFirewall(topo));
  if (parts.overlay) all.push(...buildOverlay(topo));
  const m = toMap([]);
  for (const r of all) {
    const prev = m.get(r.key);
    // the same address on several links of a router container is keyed per link;
    // an identical resource from two parts (e.g. a sysctl) is kept once
    if (prev && r.kind === 'sysctl' && prev.kind === 'sysctl') {
      if (r.value === '1') m.set(r.key, r);
      continue;
    }
    m.set(r.key, r);
  }
  return { resources: m };
}
