// Rules on names, Networks, Hosts, Settings and Links (pure).

import { type Cidr, cidrContains, cidrOverlaps, cidrWithin, isNetworkOrBroadcast, parseCidr, parseIP } from '../model/ip.js';
import type { HostSpec, NetworkSpec, SourcePos, SubnetSpec } from '../model/config.js';
import { label, where, type RuleCtx } from './rules-context.js';

export function checkDuplicateNames(ctx: RuleCtx): void {
  const { cfg } = ctx;
  for (const list of [cfg.networks, cfg.containers, cfg.links, cfg.hosts, cfg.expects ?? []]) {
    const first = new Map<string, (typeof list)[number]>();
    for (const o of list) {
      const prev = first.get(o.name);
      if (!prev) {
        first.set(o.name, o);
        continue;
      }
      ctx.error('duplicate-name', o, ctx.pos(o, 'name'), `${label(o)} is declared twice; first at ${where(prev.pos)}`);
    }
  }
}

export function checkSettings(ctx: RuleCtx, all: { pos?: SourcePos }[]): void {
  for (const s of all.slice(1)) {
    ctx.error('duplicate-settings', { kind: 'Settings' }, s.pos, `at most one Settings document is allowed; the first is at ${where(all[0].pos)}`);
  }
}

export function checkHosts(ctx: RuleCtx): void {
  const byAddr = new Map<string, HostSpec>();
  for (const h of ctx.cfg.hosts) {
    const prev = byAddr.get(h.address);
    if (prev && prev.name !== h.name) {
      ctx.error('duplicate-address', h, ctx.pos(h, 'address'), `address ${h.address} is already the address of Host ${prev.name}`);
    } else if (!prev) byAddr.set(h.address, h);
    checkHostUnderlay(ctx, h);
  }
}

/**
 * A Host's underlay address inside the subnet of a network the hosts route
 * (bridge or overlay with a host gateway: every host holds an address on that
 * bridge, so a connected route for the subnet) would be routed into that
 * bridge: VXLAN to that host, and any traffic to it, would go nowhere. Macvlan
 * networks (the host takes no address on them; the LAN is usually the very
 * segment the host sits on) and isolated switches (the host routes nothing for
 * them) are not concerned.
 */
function checkHostUnderlay(ctx: RuleCtx, h: HostSpec): void {
  const ip = parseIP(h.address);
  if (!ip) return;
  for (const n of ctx.networkList) {
    if (n.driver === 'macvlan' || n.gatewayMode === 'isolated') continue;
    for (const s of n.subnets ?? []) {
      const c = parseCidr(s.subnet);
      if (!c || !cidrContains(c, ip)) continue;
      ctx.error(
        'host-address-in-subnet',
        h,
        ctx.pos(h, 'address'),
        `address ${h.address} is inside subnet ${s.subnet} of ${n.driver} Network ${n.name} (${where(ctx.pos(s, 'subnet'))}): ` +
          'every host routes that subnet into its bridge, so this underlay address would be unreachable; use another subnet',
      );
      return; // one report per Host
    }
  }
}

interface SubnetRef {
  net: NetworkSpec;
  spec: SubnetSpec;
  cidr: Cidr;
}

export function checkNetworks(ctx: RuleCtx): void {
  const all: SubnetRef[] = [];
  const vnis = new Map<number, NetworkSpec>();
  const ifaces = new Map<string, NetworkSpec>();
  for (const n of ctx.networkList) {
    checkDriverFields(ctx, n);
    if (n.vni !== undefined && n.driver === 'overlay') {
      const prev = vnis.get(n.vni);
      if (prev) ctx.error('duplicate-vni', n, ctx.pos(n, 'vni'), `VNI ${n.vni} is already used by Network ${prev.name}`);
      else vnis.set(n.vni, n);
    }
    if (n.interface !== undefined) {
      const prev = ifaces.get(n.interface);
      if (prev) ctx.error('duplicate-interface', n, ctx.pos(n, 'interface'), `interface ${n.interface} is already the bridge of Network ${prev.name}`);
      else ifaces.set(n.interface, n);
    }
    (n.subnets ?? []).forEach((s) => {
      const cidr = parseCidr(s.subnet);
      if (!cidr) return;
      checkSubnetFields(ctx, n, s, cidr);
      all.push({ net: n, spec: s, cidr });
    });
  }
  // overlaps: within a network, and between networks unless both are isolated switches
  for (let j = 0; j < all.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = all[i];
      const b = all[j];
      if (!cidrOverlaps(a.cidr, b.cidr)) continue;
      const overlayVsLocal = (a.net.driver === 'overlay') !== (b.net.driver === 'overlay');
      const bothIsolated = a.net.gatewayMode === 'isolated' && b.net.gatewayMode === 'isolated';
      if (a.net !== b.net && bothIsolated && !overlayVsLocal) continue;
      const why = overlayVsLocal ? " (an overlay subnet may not overlap a local network's subnet)" : '';
      const other = a.net === b.net ? 'another subnet of the same network' : `Network ${a.net.name}`;
      ctx.error(
        'subnet-overlap',
        b.net,
        ctx.pos(b.spec, 'subnet'),
        `subnet ${b.spec.subnet} overlaps ${a.spec.subnet} of ${other} (${where(ctx.pos(a.spec, 'subnet'))})${why}`,
      );
      break; // one report per subnet
    }
  }
}

function checkDriverFields(ctx: RuleCtx, n: NetworkSpec): void {
  const wrong = (field: string, drivers: string) =>
    ctx.error('driver-field', n, ctx.pos(n, field), `"${field}" applies only to ${drivers} networks, and this one is ${n.driver}`);
  if (n.driver === 'macvlan' && n.parent === undefined) {
    ctx.error('missing-parent', n, ctx.pos(n, 'driver'), 'a macvlan network needs "parent": the host interface to hang from');
  }
  if (n.driver === 'macvlan' && (n.subnets ?? []).length === 0) {
    ctx.error(
      'macvlan-no-subnet',
      n,
      ctx.pos(n, n.subnets ? 'subnets' : 'driver'),
      'a macvlan network needs "subnets": the subnet (and gateway) of the LAN its parent is on; an automatic subnet means nothing on a real LAN',
    );
  }
  if (n.driver === 'overlay' && n.vni === undefined) {
    ctx.error('missing-vni', n, ctx.pos(n, 'driver'), 'an overlay network needs "vni": its VXLAN network identifier');
  }
  if (n.driver !== 'macvlan') {
    if (n.parent !== undefined) wrong('parent', 'macvlan');
    if (n.mode !== undefined) wrong('mode', 'macvlan');
  }
  if (n.driver !== 'overlay') {
    if (n.vni !== undefined) wrong('vni', 'overlay');
    if (n.port !== undefined) wrong('port', 'overlay');
  }
  if (n.driver === 'macvlan' && n.interface !== undefined) wrong('interface', 'bridge and overlay');
}

function checkSubnetFields(ctx: RuleCtx, n: NetworkSpec, s: SubnetSpec, cidr: Cidr): void {
  if (s.gateway !== undefined) {
    const gw = parseIP(s.gateway);
    if (gw && !cidrContains(cidr, gw)) {
      ctx.error('gateway-outside-subnet', n, ctx.pos(s, 'gateway'), `gateway ${s.gateway} is outside subnet ${s.subnet}`);
    } else if (gw && isNetworkOrBroadcast(cidr, gw.value)) {
      const what = gw.value === cidr.network ? 'network' : 'broadcast';
      ctx.error('gateway-unusable', n, ctx.pos(s, 'gateway'), `gateway ${s.gateway} is the ${what} address of subnet ${s.subnet}`);
    }
  }
  if (s.ipRange !== undefined) {
    const r = parseCidr(s.ipRange);
    if (r && !cidrWithin(r, cidr)) {
      ctx.error('ip-range-outside-subnet', n, ctx.pos(s, 'ipRange'), `ipRange ${s.ipRange} is not inside subnet ${s.subnet}`);
    }
  }
  (s.reserved ?? []).forEach((addr, k) => {
    const ip = parseIP(addr);
    if (ip && !cidrContains(cidr, ip)) {
      ctx.error('reserved-outside-subnet', n, ctx.pos(s, 'reserved', k), `reserved address ${addr} is outside subnet ${s.subnet}`);
    }
  });
}

export function checkLinks(ctx: RuleCtx): void {
  for (const l of ctx.linkList) {
    const [a, b] = l.endpoints;
    for (const e of l.endpoints) {
      if (e.container === 'host') continue;
      const c = ctx.containers.get(e.container);
      if (!c) {
        ctx.error(
          'unknown-reference',
          l,
          ctx.pos(e, 'container'),
          `endpoint container "${e.container}" is not declared (write "host" for the host's namespace)`,
        );
      } else if (c.mode.type === 'host') {
        ctx.error('link-endpoint-mode', l, ctx.pos(e, 'container'), `Container ${c.name} uses the host's namespace (mode host): write container: host`);
      } else if (c.mode.type === 'container') {
        ctx.error(
          'link-endpoint-mode',
          l,
          ctx.pos(e, 'container'),
          `Container ${c.name} shares the namespace of ${c.mode.container}: put the endpoint on ${c.mode.container}`,
        );
      }
    }
    if (a.container === b.container && a.ifname === b.ifname) {
      ctx.error('link-self', l, ctx.pos(b, 'ifname'), `both endpoints are ${b.container}/${b.ifname}`);
    }
    const ca = ctx.containers.get(a.container);
    const cb = ctx.containers.get(b.container);
    if (ca && cb && ca.host !== cb.host) {
      ctx.error(
        'link-cross-host',
        l,
        ctx.pos(b, 'container'),
        `a Link is a cable inside one host, but ${ca.name} runs on ${ca.host ?? 'this host'} and ${cb.name} on ${cb.host ?? 'this host'}`,
      );
    }
  }
}
