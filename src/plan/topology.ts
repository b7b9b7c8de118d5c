// Config + what the kernel has now → Topology: every default derived, every
// kernel name derived, every address allocated, stably. Pure.
//
// Decisions worth knowing:
// - The implicit network `bridge` (bridge `nk0`, automatic subnet, nat, icc) is
//   ALWAYS part of the topology unless a Network named `bridge` is declared,
//   whether or not a container uses it — like docker0, which exists as soon as
//   the daemon runs. A declared `bridge` keeps `nk0` as its default interface.
// - Stability: an automatic subnet is kept while the network's bridge (or, for
//   networks where the host has no address, a member container) holds an
//   address in it; a container keeps the address it holds now while it is still
//   inside the network's ipRange and free. New addresses are the lowest free
//   ones, containers served in name order.
// - Overlay networks span hosts, so every host must compute the same result
//   without seeing the others' kernels: their automatic subnets (pool
//   10.0.0.0/8 in /24s, like swarm) and their addresses are computed from the
//   config alone — the kernel is not consulted. Fixed addresses first; then
//   each container, in name order, prefers the address at sha1("network/
//   container") modulo the ipRange's size and takes the first free one from
//   there (ipam.ts, placement 'hashed'). Adding or removing a container thus
//   moves no other one, except after a collision: a new container whose probe
//   stops on the address of one that sorts after it displaces that one (which
//   may, rarely, displace one more), and removing a container lets one that
//   had probed past its address move back. The chance is about members ÷ range
//   size per change; give fixed addresses, or a roomy ipRange, where it matters.
// - A dynamic IPv4 address whose default MAC (02:42 + its four bytes) is some
//   member's explicit `mac` on the same network is never handed out, nor a
//   Host's underlay address (a macvlan LAN is usually the hosts' own segment).
// - Bridge and macvlan networks exist per host: only this host's containers
//   take part in their IPAM. Containers of other hosts keep only their fixed
//   addresses there (nothing is built for them on this host anyway).

import type {
  AttachmentSpec,
  Config,
  ContainerSpec,
  LinkSpec,
  NetworkSpec,
  SourcePos,
  SubnetSpec,
} from '../model/config.js';
import type { Diagnostic, DiagnosticCode, Result } from '../model/diagnostic.js';
import type { Observed } from '../model/plan.js';
import { HOST_NS, key } from '../model/resources.js';
import type {
  TAttachment,
  TContainer,
  TLink,
  TLinkEnd,
  TNetwork,
  TSubnet,
  Topology,
} from '../model/topology.js';
import { namedNetnsPath, specNetnsPath } from '../model/netns-path.js';
import { hostOverlapErrors } from './host-overlap.js';
import { allocate, chooseAutoSubnets, type AutoSubnetRequest, type IpamRequest } from './ipam.js';
import { buildPorts } from './ports.js';
import { DEFAULT_MTU, DEFAULT_NETWORK, DEFAULT_VXLAN_PORT, IMPLICIT_BRIDGE, VXLAN_OVERHEAD } from '../model/defaults.js';
import {
  defaultVni,
  ipv4OfDefaultMacs,
  macFromIPv4,
  macFromName,
  networkBridgeName,
  normalizeMac,
  overlayGatewayMac,
  vethHostName,
  vxlanName,
} from '../model/names.js';
import {
  type Cidr,
  canonicalIP,
  cidrContains,
  firstHost,
  formatAddrPrefix,
  formatIP,
  formatNetwork,
  isDefaultRoute,
  normalizeIP,
  parseCidr,
  parseIP,
} from '../model/ip.js';

interface Ctx {
  config: Config;
  observed: Observed;
  self: string;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

function err(ctx: Ctx, code: DiagnosticCode, object: string, message: string, pos?: SourcePos): void {
  ctx.errors.push({ code, object, message, ...(pos ? { pos } : {}) });
}

const netObj = (n: string) => `Network ${n}`;
const ctrObj = (n: string) => `Container ${n}`;

/** Addresses in the observed kernel, by "ns/ifname" (all, and only owned ones). */
function indexAddresses(observed: Observed) {
  const all = new Map<string, string[]>();
  const owned = new Map<string, string[]>();
  for (const r of observed.resources.values()) {
    if (r.kind !== 'addr') continue;
    const k = `${r.ns}/${r.ifname}`;
    (all.get(k) ?? all.set(k, []).get(k)!).push(r.cidr);
    if (r.owned) (owned.get(k) ?? owned.set(k, []).get(k)!).push(r.cidr);
  }
  for (const m of [all, owned]) for (const v of m.values()) v.sort();
  return { all, owned };
}

function firstV4(cidrs: string[] | undefined): Cidr | undefined {
  for (const s of cidrs ?? []) {
    const c = parseCidr(s);
    if (c && c.family === 4) return c;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Containers: namespaces and attachment skeletons

interface NsInfo {
  netns?: string;
  netnsOrigin: TContainer['netnsOrigin'];
  netnsPath?: string;
  sharedWith?: string;
}

/** The container owning the namespace `c` shares (config refuses cycles, dangling names and mode-host targets). */
function resolveRoot(byName: Map<string, ContainerSpec>, c: ContainerSpec): string | undefined {
  const seen = new Set<string>([c.name]);
  let cur = c;
  while (cur.mode.type === 'container') {
    const next = byName.get(cur.mode.container);
    if (!next || seen.has(next.name)) return undefined;
    seen.add(next.name);
    cur = next;
  }
  return cur.mode.type === 'host' ? undefined : cur.name;
}

function nsInfo(byName: Map<string, ContainerSpec>, c: ContainerSpec): NsInfo {
  switch (c.mode.type) {
    case 'host':
      return { netnsOrigin: 'host' };
    case 'container': {
      const root = resolveRoot(byName, c);
      return { netns: c.name, netnsOrigin: 'shared', netnsPath: namedNetnsPath(c.name), sharedWith: root };
    }
    default:
      if (c.netns.type !== 'named') return { netns: c.name, netnsOrigin: 'adopted', netnsPath: specNetnsPath(c.netns) };
      return { netns: c.netns.name, netnsOrigin: 'named', netnsPath: specNetnsPath(c.netns) };
  }
}

interface AttDraft {
  container: ContainerSpec;
  ns?: string;
  local: boolean;
  spec: AttachmentSpec;
  ifname: string;
}

function attachmentDrafts(c: ContainerSpec, ns: string | undefined, local: boolean, nets: Map<string, NetworkSpec>): AttDraft[] {
  if (c.mode.type !== 'bridge') return [];
  const specs: AttachmentSpec[] = c.networksDeclared
    ? c.networks
    : [{ network: DEFAULT_NETWORK, aliases: [], pos: c.pos }];
  const used = new Set<string>(specs.flatMap((a) => (a.ifname ? [a.ifname] : [])));
  const out: AttDraft[] = [];
  specs.forEach((a, i) => {
    if (!nets.has(a.network)) return; // unknown-reference (config)
    let ifname = a.ifname;
    if (!ifname) {
      let n = i;
      while (used.has(`eth${n}`)) n++;
      ifname = `eth${n}`;
      used.add(ifname);
    }
    out.push({ container: c, ns, local, spec: a, ifname });
  });
  return out;
}

// ---------------------------------------------------------------------------
// Networks

function gatewayRule(spec: NetworkSpec): { hostHasGateway: boolean; derive: boolean } {
  if (spec.gatewayMode === 'isolated') return { hostHasGateway: false, derive: false };
  if (spec.driver === 'macvlan') return { hostHasGateway: false, derive: true };
  return { hostHasGateway: true, derive: true };
}

function toTSubnet(spec: NetworkSpec, s: SubnetSpec, auto: boolean, reusedGateway?: string): TSubnet | undefined {
  const c = parseCidr(s.subnet);
  if (!c) return undefined;
  const rule = gatewayRule(spec);
  let gateway = s.gateway ? normalizeIP(s.gateway) : undefined;
  if (!gateway && rule.derive) gateway = reusedGateway ?? formatIP(c.family, firstHost(c));
  const range = s.ipRange ? parseCidr(s.ipRange) : undefined;
  return {
    subnet: formatNetwork(c),
    family: c.family,
    prefixLen: c.prefix,
    ...(gateway ? { gateway } : {}),
    hostHasGateway: rule.hostHasGateway,
    ipRange: range ? formatNetwork(range) : formatNetwork(c),
    reserved: (s.reserved ?? []).map((r) => canonicalIP(r)),
    auto,
  };
}

function underlayMtu(ctx: Ctx): number | undefined {
  const me = ctx.config.hosts.find((h) => h.name === ctx.self);
  const addr = me ? parseIP(me.address) : undefined;
  if (!addr) return undefined;
  for (const r of ctx.observed.resources.values()) {
    if (r.kind !== 'addr' || r.ns !== HOST_NS) continue;
    const c = parseCidr(r.cidr);
    if (c && c.family === addr.family && c.addr === addr.value) {
      const mtu = ctx.observed.facts.linkMtu[r.ifname];
      if (mtu) return mtu;
    }
  }
  return undefined;
}

function networkMtu(ctx: Ctx, spec: NetworkSpec): number {
  if (spec.mtu) return spec.mtu;
  if (spec.driver === 'overlay') {
    const u = underlayMtu(ctx);
    return u ? u - VXLAN_OVERHEAD : DEFAULT_MTU - VXLAN_OVERHEAD;
  }
  if (spec.driver === 'macvlan' && spec.parent) {
    // a macvlan device inherits its parent's MTU and may not exceed it
    return ctx.observed.facts.linkMtu[spec.parent] ?? DEFAULT_MTU;
  }
  return DEFAULT_MTU;
}

// ---------------------------------------------------------------------------

export function buildTopology(config: Config, observed: Observed, self: string): Result<Topology> {
  const ctx: Ctx = { config, observed, self, errors: [], warnings: [] };
  const addrs = indexAddresses(observed);

  // --- network specs: implicit `bridge` first, then declared ones by name
  const declared = config.networks.filter((n) => !n.implicit).sort((a, b) => cmp(a.name, b.name));
  const specs: NetworkSpec[] = declared.some((n) => n.name === DEFAULT_NETWORK)
    ? declared
    : [IMPLICIT_BRIDGE, ...declared];
  const specByName = new Map(specs.map((s) => [s.name, s]));

  const nets = new Map<string, TNetwork>();
  for (const s of specs) {
    const pos = s.implicit ? undefined : s.pos;
    const t: TNetwork = {
      name: s.name,
      driver: s.driver,
      subnets: [],
      mtu: networkMtu(ctx, s),
      gatewayMode: s.gatewayMode,
      icc: s.icc,
      internal: s.internal,
      hostIP: s.hostIP ? canonicalIP(s.hostIP) : '0.0.0.0',
      declared: !s.implicit,
      ...(pos ? { pos } : {}),
    };
    if (s.driver !== 'macvlan') {
      t.bridge = networkBridgeName(s);
    } else {
      t.parent = s.parent;
      t.macvlanMode = s.mode ?? 'bridge';
    }
    if (s.driver === 'overlay') {
      t.vni = s.vni ?? defaultVni(s.name);
      t.vxlanPort = s.port ?? DEFAULT_VXLAN_PORT;
      t.vxlanDev = vxlanName(s.name);
    }
    nets.set(s.name, t);
  }
  if (specs.some((s) => s.driver === 'overlay') && !config.hosts.some((h) => h.name === self)) {
    ctx.warnings.push({
      code: 'overlay-no-self-host',
      message: `overlay networks are declared but no Host is named ${self} (this host); its VXLAN devices get no local address`,
    });
  }

  // --- containers: namespaces and attachment skeletons
  const ctrs = [...config.containers].sort((a, b) => cmp(a.name, b.name));
  const ctrByName = new Map(ctrs.map((c) => [c.name, c]));
  const nsByName = new Map<string, NsInfo>();
  const drafts: AttDraft[] = [];
  for (const c of ctrs) {
    const host = c.host ?? self;
    const ns = nsInfo(ctrByName, c);
    nsByName.set(c.name, ns);
    drafts.push(...attachmentDrafts(c, ns.netns, host === self, specByName));
  }

  // --- subnets: declared ones, then automatic ones
  const allDeclared = specs.flatMap((s) => (s.subnets ?? []).map((x) => x.subnet));
  const autoReqs: AutoSubnetRequest[] = [];
  for (const s of specs) {
    if (s.subnets && s.subnets.length > 0) continue;
    if (s.driver === 'overlay') {
      autoReqs.push({ network: s.name, scope: 'global' });
      continue;
    }
    const t = nets.get(s.name)!;
    let reuse: AutoSubnetRequest['reuse'];
    if (t.bridge && gatewayRule(s).hostHasGateway) {
      const link = observed.resources.get(key.link(HOST_NS, t.bridge));
      if (link && link.kind === 'link' && link.owned) {
        const c = firstV4(addrs.owned.get(`${HOST_NS}/${t.bridge}`));
        if (c) reuse = { subnet: formatNetwork(c), gateway: formatIP(4, c.addr) };
      }
    }
    if (!reuse) {
      // no host address to go by: a member container's current address
      for (const d of drafts) {
        if (d.spec.network !== s.name || !d.local || !d.ns) continue;
        const c = firstV4(addrs.all.get(`${d.ns}/${d.ifname}`));
        if (c) {
          reuse = { subnet: formatNetwork(c) };
          break;
        }
      }
    }
    autoReqs.push({ network: s.name, scope: 'local', ...(reuse ? { reuse } : {}) });
  }
  // declared subnets that collide with the host's routes or a live automatic subnet (host-overlap.ts)
  for (const e of hostOverlapErrors({ specs, autoReqs, routes: observed.facts.hostRoutes ?? [], bridgeOf: (n) => nets.get(n)?.bridge }))
    err(ctx, e.code, netObj(e.network), e.message, specByName.get(e.network)?.pos);
  const auto = chooseAutoSubnets(autoReqs, {
    declared: allDeclared,
    foreignRoutes: observed.facts.foreignRoutes.filter((r) => !isDefaultRoute(r)),
  });
  for (const e of auto.errors) {
    err(ctx, e.code, netObj(e.network), e.message, specByName.get(e.network)?.implicit ? undefined : specByName.get(e.network)?.pos);
  }
  for (const s of specs) {
    const t = nets.get(s.name)!;
    if (s.subnets && s.subnets.length > 0) {
      for (const sub of s.subnets) {
        const ts = toTSubnet(s, sub, false);
        if (ts) t.subnets.push(ts); // (the schema refuses a subnet that is not a CIDR)
      }
    } else {
      const choice = auto.chosen.get(s.name);
      if (choice) t.subnets.push(toTSubnet(s, { subnet: choice.subnet }, true, choice.gateway)!);
    }
    if (t.driver === 'overlay' && t.subnets.some((x) => x.hostHasGateway)) t.gatewayMac = overlayGatewayMac(t.name);
  }

  // --- addresses, per network (a Host's underlay address is never handed out:
  // on a macvlan LAN it is the host's own address)
  const hostAddresses = config.hosts.map((h) => h.address);
  const assigned = new Map<AttDraft, { ip4?: string; prefix4?: number; ip6?: string; prefix6?: number }>();
  for (const s of specs) {
    const t = nets.get(s.name)!;
    const global = t.driver === 'overlay';
    const members = drafts.filter((d) => d.spec.network === s.name);
    const macBlocked = ipv4OfDefaultMacs(members.filter((d) => global || d.local).map((d) => d.spec.mac));
    const byId = new Map<string, AttDraft>();
    const reqs: IpamRequest[] = [];
    for (const d of members) {
      const fixed = [d.spec.ip, d.spec.ip6].filter((x): x is string => !!x); // (config: none on an automatic subnet)
      if (!global && !d.local) {
        // another host's bridge: carry fixed addresses only
        assigned.set(d, carryFixed(t.subnets, fixed));
        continue;
      }
      const id = `${d.container.name}/${d.ifname}`;
      byId.set(id, d);
      const keep = global || !d.ns ? [] : (addrs.all.get(`${d.ns}/${d.ifname}`) ?? []).map((x) => x.split('/')[0]);
      reqs.push({ id, fixed, keep, ...(global ? { slotKey: `${s.name}/${d.container.name}` } : {}) });
    }
    const res = allocate(
      t.subnets.map((x) => ({
        subnet: x.subnet,
        ipRange: x.ipRange,
        gateway: x.gateway,
        hostHasGateway: x.hostHasGateway,
        reserved: [...x.reserved, ...hostAddresses, ...(x.family === 4 ? macBlocked : [])],
      })),
      reqs,
      global ? 'hashed' : 'lowest',
    );
    for (const e of res.errors) {
      const d = e.id ? byId.get(e.id) : undefined;
      if (e.code === 'ipam-exhausted' || !d) {
        err(ctx, e.code, netObj(s.name), `network ${s.name}: ${e.message}`, s.implicit ? undefined : s.pos);
      } else {
        err(ctx, e.code, ctrObj(d.container.name), `network ${s.name}: ${e.message}`, d.spec.pos);
      }
    }
    for (const [id, a] of res.assignments) assigned.set(byId.get(id)!, a);
  }

  // --- containers
  const attsByCtr = new Map<string, TAttachment[]>();
  for (const d of drafts) {
    const t = nets.get(d.spec.network)!;
    const a = assigned.get(d) ?? {};
    const att: TAttachment = {
      network: t.name,
      ifname: d.ifname,
      ...(t.bridge ? { hostIfname: vethHostName(d.container.name, d.ifname) } : {}),
      ...a,
      mac: d.spec.mac
        ? normalizeMac(d.spec.mac)
        : a.ip4
          ? macFromIPv4(a.ip4)
          : macFromName(d.container.name, d.ifname),
      mtu: t.mtu,
      aliases: [...d.spec.aliases],
    };
    (attsByCtr.get(d.container.name) ?? attsByCtr.set(d.container.name, []).get(d.container.name)!).push(att);
  }

  const portsByCtr = buildPorts({
    containers: ctrs.map((c) => {
      const ns = nsByName.get(c.name)!;
      return { spec: c, local: (c.host ?? self) === self, attachments: attsByCtr.get(ns.sharedWith ?? c.name) ?? [] };
    }),
    networks: nets,
    observed: observed.resources.values(),
    ...(observed.facts.boundPorts ? { bound: observed.facts.boundPorts } : {}),
    error: (code, name, message, pos) => err(ctx, code, ctrObj(name), message, pos),
  });

  const containers: TContainer[] = [];
  for (const c of ctrs) {
    const ns = nsByName.get(c.name)!;
    const host = c.host ?? self;
    const local = host === self;
    const attachments = attsByCtr.get(c.name) ?? [];
    const ports = portsByCtr.get(c.name) ?? [];
    containers.push({
      name: c.name,
      ...(ns.netns !== undefined ? { netns: ns.netns } : {}),
      netnsOrigin: ns.netnsOrigin,
      ...(ns.netnsPath !== undefined ? { netnsPath: ns.netnsPath } : {}),
      ...(ns.sharedWith !== undefined ? { sharedWith: ns.sharedWith } : {}),
      mode: c.mode.type,
      hostname: c.hostname ?? c.name,
      attachments,
      ports,
      dns: c.dns
        ? { servers: [...c.dns.servers], search: [...c.dns.search], options: [...c.dns.options] }
        : { servers: [], search: [], options: [] },
      extraHosts: c.extraHosts.map((h) => ({ ...h })),
      links: c.links.map((l) => ({
        container: l.container,
        alias: l.alias ?? l.container,
        ports: l.ports.map((p) => ({ ...p })),
      })),
      routes: c.routes.map((r) => ({ to: r.to, ...(r.via ? { via: r.via } : {}), ...(r.dev ? { dev: r.dev } : {}) })),
      loopback: [...c.loopback],
      forwarding: c.forwarding,
      masquerade: [...c.masquerade],
      host,
      local,
    });
  }

  // --- point-to-point links
  const links: TLink[] = [];
  for (const l of [...config.links].sort((a, b) => cmp(a.name, b.name))) {
    const t = buildLink(l, ctrByName, nsByName);
    if (t) links.push(t);
  }

  const topology: Topology = {
    self,
    networks: specs.map((s) => nets.get(s.name)!),
    containers,
    links,
    hosts: config.hosts.map((h) => ({ name: h.name, address: canonicalIP(h.address) })),
    settings: {
      ipForward: config.settings.ipForward,
      iptables: config.settings.iptables,
      prune: config.settings.prune,
    },
  };
  if (ctx.errors.length > 0) return { ok: false, errors: ctx.errors };
  return ctx.warnings.length > 0 ? { ok: true, value: topology, warnings: ctx.warnings } : { ok: true, value: topology };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Fixed addresses of an attachment on another host's bridge, with their subnet's prefix. */
function carryFixed(subnets: TSubnet[], fixed: string[]) {
  const out: { ip4?: string; prefix4?: number; ip6?: string; prefix6?: number } = {};
  for (const f of fixed) {
    const ip = parseIP(f);
    if (!ip) continue;
    const sub = subnets.find((s) => {
      const c = parseCidr(s.subnet);
      return c !== undefined && cidrContains(c, ip);
    });
    if (ip.family === 4) {
      out.ip4 = formatIP(4, ip.value);
      if (sub) out.prefix4 = sub.prefixLen;
    } else {
      out.ip6 = formatIP(6, ip.value);
      if (sub) out.prefix6 = sub.prefixLen;
    }
  }
  return out;
}

/** A Link's ends in their namespaces (config refuses unknown containers and ends on different hosts). */
function buildLink(l: LinkSpec, ctrByName: Map<string, ContainerSpec>, nsByName: Map<string, NsInfo>): TLink | undefined {
  const ends: TLinkEnd[] = [];
  for (const e of l.endpoints) {
    let ns: string | undefined;
    if (e.container === 'host') {
      ns = HOST_NS;
    } else {
      const info = nsByName.get(e.container);
      if (!ctrByName.has(e.container) || !info) return undefined;
      if (info.netnsOrigin === 'host') {
        ns = HOST_NS;
      } else if (info.netnsOrigin === 'shared') {
        // the interface lives in the namespace this container shares
        const root = info.sharedWith ? nsByName.get(info.sharedWith) : undefined;
        ns = root?.netns ?? info.netns;
      } else {
        ns = info.netns;
      }
    }
    const ip = e.ip ? parseCidr(e.ip) : undefined;
    ends.push({
      ns: ns!,
      container: e.container,
      ifname: e.ifname,
      ...(e.ip ? { ip: ip ? formatAddrPrefix(ip) : e.ip } : {}),
      ...(e.mac ? { mac: normalizeMac(e.mac) } : {}),
    });
  }
  return { name: l.name, mtu: l.mtu ?? DEFAULT_MTU, ends: [ends[0], ends[1]] };
}
