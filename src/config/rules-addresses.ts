// Rules on addresses the kernel or the network cannot use (pure): subnets and fixed
// addresses in unusable classes, loopback entries in 127/8, IPv6 on a too small MTU,
// route next hops nothing in the namespace reaches. Each of these passed `validate`
// and then failed half-way in the kernel (or was applied meaninglessly), so they are
// refused here, where `validate`, `plan` and `reconcile` all see them. (A port
// published on an IPv6 host address by a container without IPv6 is refused by
// checkPorts in rules-containers.ts: port-family.)

import type { ContainerSpec, LinkSpec, NetworkSpec } from '../model/config.js';
import { type Cidr, type Family, formatIP, parseCidr, parseIP } from '../model/ip.js';
import { addressClass, IPV6_MIN_MTU, overlappedClass } from '../model/ip-classes.js';
import { nextHopProblem, type Onlink } from '../model/next-hop.js';
import { attachmentIfnames, type RuleCtx } from './rules-context.js';

export function checkAddressClasses(ctx: RuleCtx): void {
  for (const n of ctx.networkList) checkNetwork(ctx, n);
  for (const l of ctx.linkList) checkLink(ctx, l);
  for (const c of ctx.containerList) {
    checkLoopback(ctx, c);
    checkRoutes(ctx, c);
  }
}

const has6 = (n: NetworkSpec | undefined) => (n?.subnets ?? []).some((s) => parseCidr(s.subnet)?.family === 6);

function checkNetwork(ctx: RuleCtx, n: NetworkSpec): void {
  for (const s of n.subnets ?? []) {
    const c = parseCidr(s.subnet);
    const k = c && overlappedClass(c);
    if (k) {
      ctx.error(
        'unusable-address',
        n,
        ctx.pos(s, 'subnet'),
        `subnet ${s.subnet} overlaps the ${k.name} range ${formatRange(k.range)}: ${k.why}; use a private range such as 172.16.0.0/12, 10.0.0.0/8 or fd00::/8`,
      );
    }
  }
  if (n.mtu !== undefined && n.mtu < IPV6_MIN_MTU && has6(n)) {
    ctx.error(
      'ipv6-mtu-too-small',
      n,
      ctx.pos(n, 'mtu'),
      `mtu ${n.mtu} is below ${IPV6_MIN_MTU}, the least IPv6 needs, and this network has an IPv6 subnet (the kernel would turn IPv6 off on its interfaces)`,
    );
  }
}

function checkLink(ctx: RuleCtx, l: LinkSpec): void {
  let v6 = false;
  for (const e of l.endpoints) {
    const c = e.ip !== undefined ? parseCidr(e.ip) : undefined;
    if (!c) continue;
    if (c.family === 6) v6 = true;
    const k = addressClass({ family: c.family, value: c.addr });
    if (k) ctx.error('unusable-address', l, ctx.pos(e, 'ip'), `address ${e.ip} is ${article(k.name)} ${k.name} address (${formatRange(k.range)}): ${k.why}`);
  }
  if (l.mtu !== undefined && l.mtu < IPV6_MIN_MTU && v6) {
    ctx.error('ipv6-mtu-too-small', l, ctx.pos(l, 'mtu'), `mtu ${l.mtu} is below ${IPV6_MIN_MTU}, the least IPv6 needs, and an endpoint has an IPv6 address`);
  }
}

function checkLoopback(ctx: RuleCtx, c: ContainerSpec): void {
  c.loopback.forEach((text, i) => {
    const cidr = parseCidr(text);
    if (!cidr) return;
    const k = addressClass({ family: cidr.family, value: cidr.addr });
    if (!k) return;
    const why = k.name === 'loopback' ? "lo already holds 127.0.0.1/8 and ::1; `loopback` adds other addresses to lo, such as a router's 10.10.10.1/32" : k.why;
    ctx.error(
      'unusable-address',
      c,
      ctx.pos(c, 'loopback', i),
      `loopback address ${text} is ${article(k.name)} ${k.name} address (${formatRange(k.range)}): ${why}`,
    );
  });
}

/**
 * What a container's own namespace reaches directly: the subnets of its attachments,
 * its Link endpoints' prefixes and /32 (/128) peers, and its routes with `dev` and no
 * `via`. `unknown`: families whose connected prefix the files do not fix (an attachment
 * to a network with an automatic subnet), where no next hop can be judged.
 */
function onlinkPrefixes(ctx: RuleCtx, c: ContainerSpec): { prefixes: Onlink[]; unknown: Map<Family, Set<string>> } {
  const prefixes: Onlink[] = [];
  const unknown = new Map<Family, Set<string>>();
  if (c.mode.type === 'bridge') {
    const atts: { network: string; ifname?: string }[] = c.networksDeclared ? c.networks : [{ network: 'bridge' }];
    const ifnames = attachmentIfnames(atts);
    atts.forEach((a, i) => {
      const n = ctx.network(a.network);
      if (!n) return;
      if ((n.subnets ?? []).length === 0) {
        (unknown.get(4) ?? unknown.set(4, new Set()).get(4)!).add(ifnames[i]);
        return;
      }
      for (const s of n.subnets ?? []) {
        const cidr = parseCidr(s.subnet);
        if (cidr) prefixes.push({ cidr, dev: ifnames[i], what: `Network ${n.name}` });
      }
    });
  }
  for (const l of ctx.linkList) {
    l.endpoints.forEach((e, i) => {
      if (e.container !== c.name || e.ip === undefined) return;
      const mine = parseCidr(e.ip);
      if (!mine) return;
      prefixes.push({ cidr: mine, dev: e.ifname, what: `Link ${l.name}` });
      const peerText = l.endpoints[1 - i].ip;
      const peer = peerText !== undefined ? parseCidr(peerText) : undefined;
      if (peer && mine.prefix === (mine.family === 4 ? 32 : 128) && peer.family === mine.family) {
        prefixes.push({ cidr: parseCidr(`${formatIP(peer.family, peer.addr)}/${mine.prefix}`)!, dev: e.ifname, what: `Link ${l.name}'s peer` });
      }
    });
  }
  for (const r of c.routes) {
    if (r.via !== undefined || r.dev === undefined) continue;
    const cidr = r.to === 'default' ? parseCidr('0.0.0.0/0') : parseCidr(r.to);
    if (cidr) prefixes.push({ cidr, dev: r.dev, what: `route to ${r.to}` });
  }
  return { prefixes, unknown };
}

function checkRoutes(ctx: RuleCtx, c: ContainerSpec): void {
  if ((c.mode.type !== 'bridge' && c.mode.type !== 'none') || !c.routes.some((r) => r.via !== undefined)) return;
  const { prefixes, unknown } = onlinkPrefixes(ctx, c);
  for (const r of c.routes) {
    if (r.via === undefined) continue;
    const via = parseIP(r.via);
    if (!via) continue;
    const problem = nextHopProblem(r, via, prefixes, unknown);
    if (problem) ctx.error('route-gateway-unreachable', c, ctx.pos(r, 'via'), `route to ${r.to} via ${r.via}: ${problem}`);
  }
}

function formatRange(c: Cidr): string {
  return `${formatIP(c.family, c.network)}/${c.prefix}`;
}

function article(word: string): string {
  return /^[aeiouAEIOU]/.test(word) ? 'an' : 'a';
}
