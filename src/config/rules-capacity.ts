// Rules on room (pure): subnets too small to be a network, more members than an
// ipRange holds, more ports than a Linux bridge takes. The files alone decide
// these, so `validate` refuses them rather than the kernel half-way through a
// pass. What depends on the kernel (automatic subnets of bridge networks, which
// may be reused from what a bridge holds) stays with the topology builder.
//
// Counting follows the allocator (src/plan/ipam.ts): each member takes one
// address per family its network has subnets of; a dynamic one comes from the
// ipRange (default: the subnet) and never is the network or broadcast address,
// the gateway, a reserved address, a Host's underlay address, an address whose
// default MAC (02:42 + its bytes) a member's explicit `mac` is, or a member's
// fixed address. Bridge and macvlan networks exist per host: on each Host, its
// own containers and those without `host` take part. Overlays span the hosts:
// all their members share one range.

import type { AttachmentSpec, ContainerSpec, NetworkSpec, SourcePos, SubnetSpec } from '../model/config.js';
import { MAX_BRIDGE_PORTS } from '../model/defaults.js';
import { type Cidr, type Family, cidrWithin, firstHost, formatIP, formatNetwork, isNetworkOrBroadcast, parseCidr, parseIP } from '../model/ip.js';
import { ipv4OfDefaultMacs, networkBridgeName } from '../model/names.js';
import { attachmentIfnames, type RuleCtx } from './rules-context.js';
import { effectiveNetworks } from './rules-host-names.js';

/** An overlay without subnets gets a /24 from 10.0.0.0/8 (src/plan/ipam.ts), whatever the kernel holds. */
const OVERLAY_AUTO_SUBNET = '10.0.0.0/24';
/** Names listed in a message before "and N more". */
const LIST_MAX = 5;

interface Member {
  c: ContainerSpec;
  /** undefined: the implicit attachment to `bridge` of a container without `networks` */
  a?: AttachmentSpec;
  ifname: string;
}

export function checkCapacity(ctx: RuleCtx): void {
  for (const n of ctx.networkList) for (const s of n.subnets ?? []) checkSubnetSize(ctx, n, s);
  const members = membersByNetwork(ctx);
  for (const n of effectiveNetworks(ctx)) {
    const list = members.get(n.name) ?? [];
    if (n.driver !== 'macvlan') checkBridgePorts(ctx, n, list);
    checkAddressRoom(ctx, n, list);
  }
}

function checkSubnetSize(ctx: RuleCtx, n: NetworkSpec, s: SubnetSpec): void {
  const c = parseCidr(s.subnet);
  if (!c) return;
  const max = c.family === 4 ? 32 : 128;
  const gateway = s.gateway ?? (n.gatewayMode !== 'isolated' ? formatIP(c.family, firstHost(c)) : undefined);
  const at = ctx.pos(s, 'subnet');
  if (c.prefix === max) {
    const why =
      gateway !== undefined ? `its only address would be the gateway ${gateway}, leaving none for a container` : 'a network of one address connects nothing';
    ctx.error('subnet-too-small', n, at, `subnet ${s.subnet} holds a single address: ${why}; use a wider subnet (or a Link for a point-to-point cable)`);
  } else if (c.prefix === max - 1 && gateway !== undefined) {
    ctx.error(
      'subnet-too-small',
      n,
      at,
      `subnet ${s.subnet} holds two addresses: with the gateway ${gateway} it leaves one, a network of a single container; ` +
        `use /${max - 2} or wider (or a Link for a point-to-point cable)`,
    );
  }
}

/** Members of each network, containers in name order (the order addresses are handed out in). */
function membersByNetwork(ctx: RuleCtx): Map<string, Member[]> {
  const out = new Map<string, Member[]>();
  const ctrs = [...ctx.containerList].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  for (const c of ctrs) {
    if (c.mode.type !== 'bridge') continue;
    const nets = ctx.networksOf(c);
    const ifnames = c.networksDeclared ? attachmentIfnames(c.networks) : ['eth0'];
    const seen = new Set<string>();
    nets.forEach((net, i) => {
      if (seen.has(net) || !ctx.network(net)) return; // duplicate-attachment, unknown-reference
      seen.add(net);
      const m: Member = { c, ifname: ifnames[i], ...(c.networksDeclared ? { a: c.networks[i] } : {}) };
      (out.get(net) ?? out.set(net, []).get(net)!).push(m);
    });
  }
  return out;
}

/** The member sets that share one bridge or one range: per Host (or one set when no Host is declared). */
function hostGroups(ctx: RuleCtx, list: Member[]): { host?: string; members: Member[] }[] {
  if (ctx.hostNames.size === 0) return [{ members: list }];
  return [...ctx.hostNames].sort().map((h) => ({ host: h, members: list.filter((m) => m.c.host === undefined || m.c.host === h) }));
}

const memberPos = (ctx: RuleCtx, m: Member): SourcePos | undefined => (m.a ? ctx.pos(m.a, 'network') : ctx.pos(m.c, 'name'));
const onHost = (host: string | undefined) => (host !== undefined ? ` on Host ${host}` : '');

function checkBridgePorts(ctx: RuleCtx, n: NetworkSpec, list: Member[]): void {
  const extra = n.driver === 'overlay' ? 1 : 0; // the VXLAN device is a port too
  for (const g of hostGroups(ctx, list)) {
    const ports = g.members.length + extra;
    if (ports <= MAX_BRIDGE_PORTS) continue;
    const first = g.members[MAX_BRIDGE_PORTS - extra];
    ctx.error(
      'bridge-full',
      first.c,
      memberPos(ctx, first),
      `Network ${n.name}'s bridge ${networkBridgeName(n)} would have ${ports} ports${onHost(g.host)} and a Linux bridge takes at most ${MAX_BRIDGE_PORTS}: ` +
        `this container is port ${MAX_BRIDGE_PORTS + 1}; spread the containers over more networks`,
    );
    return; // one report per network
  }
}

interface Window {
  spec?: SubnetSpec;
  subnet: Cidr;
  range: Cidr;
  gateway?: bigint;
  reserved: string[];
}

function windows(n: NetworkSpec): Window[] | undefined {
  const specs = n.subnets ?? [];
  if (specs.length === 0) {
    // bridge networks: the kernel may decide (a reused subnet); macvlan needs subnets (macvlan-no-subnet)
    if (n.driver !== 'overlay') return undefined;
    const subnet = parseCidr(OVERLAY_AUTO_SUBNET)!;
    return [{ subnet, range: subnet, gateway: firstHost(subnet), reserved: [] }];
  }
  const out: Window[] = [];
  for (const s of specs) {
    const subnet = parseCidr(s.subnet);
    const range = s.ipRange !== undefined ? parseCidr(s.ipRange) : subnet;
    if (!subnet || !range || !cidrWithin(range, subnet)) return undefined; // reported elsewhere
    const gw = s.gateway !== undefined ? parseIP(s.gateway)?.value : n.gatewayMode !== 'isolated' ? firstHost(subnet) : undefined;
    out.push({ spec: s, subnet, range, ...(gw !== undefined ? { gateway: gw } : {}), reserved: s.reserved ?? [] });
  }
  return out;
}

function checkAddressRoom(ctx: RuleCtx, n: NetworkSpec, list: Member[]): void {
  const ws = windows(n);
  if (!ws) return;
  const groups = n.driver === 'overlay' ? [{ members: list }] : hostGroups(ctx, list);
  const hostAddrs = ctx.cfg.hosts.map((h) => h.address);
  for (const family of [4, 6] as Family[]) {
    const fw = ws.filter((w) => w.subnet.family === family);
    if (fw.length === 0) continue;
    for (const g of groups) {
      const fixedOf = (m: Member) =>
        [m.a?.ip, m.a?.ip6].flatMap((t) => {
          const ip = t !== undefined ? parseIP(t) : undefined;
          return ip && ip.family === family ? [ip.value] : [];
        });
      const dynamic = g.members.filter((m) => fixedOf(m).length === 0);
      if (dynamic.length === 0) continue;
      const blocked = new Set<bigint>(g.members.flatMap(fixedOf));
      // an automatic overlay subnet is not known here: count only what blocks an address in every /24
      const exact = fw.every((w) => w.spec !== undefined);
      const macs = family === 4 && exact ? ipv4OfDefaultMacs(g.members.map((m) => m.a?.mac)) : [];
      for (const t of [...(exact ? hostAddrs : []), ...macs, ...fw.flatMap((w) => w.reserved)]) {
        const ip = parseIP(t);
        if (ip && ip.family === family) blocked.add(ip.value);
      }
      for (const w of fw) if (w.gateway !== undefined) blocked.add(w.gateway);
      const room = fw.reduce((sum, w) => sum + free(w, blocked), 0n);
      if (BigInt(dynamic.length) <= room) continue;
      const starved = dynamic.slice(Number(room)).map((m) => `${m.c.name}/${m.ifname}`);
      const names = starved.length > LIST_MAX ? `${starved.slice(0, LIST_MAX).join(', ')} and ${starved.length - LIST_MAX} more` : starved.join(', ');
      const first = fw[0];
      const at = first.spec ? ctx.pos(first.spec, first.spec.ipRange !== undefined ? 'ipRange' : 'subnet') : ctx.pos(n, 'name');
      const ranges = fw.map((w) => formatNetwork(w.range)).join(', ');
      const auto = first.spec ? '' : ' (the automatic overlay subnet is a /24)';
      ctx.error(
        'ipam-exhausted',
        n,
        at,
        `no free IPv${family} address left in ${ranges}${auto}${onHost(g.host)} for ${names}: ` +
          `${dynamic.length} members need a dynamic address and it has room for ${room}`,
      );
      break; // one report per network and family
    }
  }
}

/** Addresses of a window a dynamic member can take. */
function free(w: Window, blocked: Set<bigint>): bigint {
  const lo = w.range.network;
  const hi = w.range.last;
  let unusable = 0n;
  for (const v of blocked) if (v >= lo && v <= hi && !isNetworkOrBroadcast(w.subnet, v)) unusable++;
  for (const v of new Set([w.subnet.network, w.subnet.last])) if (v >= lo && v <= hi && isNetworkOrBroadcast(w.subnet, v)) unusable++;
  return hi - lo + 1n - unusable;
}
