// Topology → netkeeper's firewall: its own NK-* chains (complete ordered rule
// lists), the commented jumps into them from built-in chains, and the sysctls
// the rules rely on. Pure.
//
// Layout (host namespace; IPv6 gets the same in ip6tables when a network has an
// IPv6 subnet, minus the 127.0.0.1 parts):
//
//   filter FORWARD (first) ─▶ NK-FORWARD
//       -j NK-USER                       the user's chain, created empty, never rewritten
//       internal networks: drop in/out   members reach each other and the host only
//       -i BR ! -o BR -j NK-ISOLATION    per bridge: leaving it for elsewhere…
//       per bridge: established back in; icc (accept, or links + self-hairpin then drop);
//         nat: accept DNAT'ed (published ports), drop the rest coming in; routed: accept;
//         accept what leaves the bridge. icc: false over IPv6 accepts neighbour
//         discovery (ICMPv6 133-137) before its drop.
//       a network without a subnet of this family gets only this family's guards
//         (internal drops, isolation when there are two networks or more, the
//         icc: false drop): a member that gives itself such addresses gains nothing
//   NK-ISOLATION: DNAT'ed → RETURN; -o BR2 -j DROP for every bridge  (…but not into another network)
//
//   nat PREROUTING (last) ! -d 127.0.0.0/8 --dst-type LOCAL ─▶ NK-PORTS
//   nat OUTPUT     (last)   --dst-type LOCAL               ─▶ NK-PORTS
//   NK-PORTS: -j NK-PORTS-<bridge> per bridge with published ports (one chain per
//     bridge, so a changed port rewrites only its bridge's chain)
//   nat POSTROUTING (last) ─▶ NK-POSTROUTING: outbound masquerade of nat subnets,
//     hairpin masquerade (DNAT'ed traffic from a bridge's own subnet back into it),
//     masquerade of 127.0.0.1-sourced traffic into bridges with route_localnet
//   raw PREROUTING (first) ─▶ NK-RAW: drop 127.0.0.0/8 arriving on a bridge that has
//     route_localnet (the kube-proxy CVE-2020-8558 lesson)
//
// A port published on 127.0.0.1 is DNAT'ed from OUTPUT only: the PREROUTING jump
// excludes 127.0.0.0/8, so nothing from another machine (or a container) reaches it.
// Router containers: nat POSTROUTING (last) ─▶ NK-POSTROUTING with -o IF -j MASQUERADE
// inside the container's namespace.

import { HOST_NS, chainRes as chain } from '../model/resources.js';
import type { IptFamily, Resource, SysctlRes } from '../model/resources.js';
import type { TNetwork, Topology } from '../model/topology.js';
import { CHAINS, CT_DNAT, CT_ESTABLISHED, bridged, fam, forwards, hook, sysctl } from './firewall-common.js';
import { guardOnly, iccRules } from './firewall-guards.js';
import { dnatRules, localnetBridges, localPorts, type LocalPort } from './firewall-ports.js';
import { routerFamily, routerMasquerade } from './firewall-router.js';
import { familyOf, rule } from './firewall-rules.js';
import { routedForward, routedNoMasquerade } from './firewall-routed.js';

export { chainRuleDiff, renderIptables, staleUdpPorts } from '../render/iptables.js';
export type { IptablesBatch } from '../render/iptables.js';
export { CHAINS } from './firewall-common.js';
export { dnatRules } from './firewall-ports.js';

function hostFamily(topo: Topology, family: IptFamily, ports: LocalPort[]): Resource[] {
  const f = fam(family);
  const nets = bridged(topo).filter((n) => n.subnets.some((s) => s.family === f));
  // isolation only means something between two networks or more
  const isolates = (n: TNetwork) => n.gatewayMode !== 'isolated' && !n.internal;
  const manyIsolating = bridged(topo).filter(isolates).length >= 2;
  const guarded = bridged(topo).filter((n) => guardOnly(n, family) && (n.internal || !n.icc || (isolates(n) && manyIsolating)));
  const fports = ports.filter((p) => familyOf(p.containerIP) === family);
  if (nets.length === 0 && guarded.length === 0 && fports.length === 0) return [];
  const out: Resource[] = [];

  // ---- filter (networks in their order; guard-only ones among them)
  const all = bridged(topo).filter((n) => nets.includes(n) || guarded.includes(n));
  const isolating = all.filter((n) => isolates(n) && (!guarded.includes(n) || manyIsolating));
  const fwd: string[] = [rule({ j: CHAINS.user })];
  for (const n of all) {
    if (!n.internal) continue;
    fwd.push(rule({ i: n.bridge, o: `!${n.bridge}`, j: 'DROP' }), rule({ i: `!${n.bridge}`, o: n.bridge, j: 'DROP' }));
  }
  for (const n of isolating) fwd.push(rule({ i: n.bridge, o: `!${n.bridge}`, j: CHAINS.isolation }));
  for (const n of all) {
    const br = n.bridge;
    if (guarded.includes(n)) {
      if (!n.icc) fwd.push(rule({ i: br, o: br, j: 'DROP' }));
      continue;
    }
    fwd.push(rule({ o: br, m: [CT_ESTABLISHED], j: 'ACCEPT' }));
    fwd.push(...iccRules(n, f, topo, fports));
    if (n.internal || n.gatewayMode === 'isolated') continue;
    fwd.push(...routedForward(n, f));
    if (n.gatewayMode === 'nat') fwd.push(rule({ o: br, m: [CT_DNAT], j: 'ACCEPT' }), rule({ o: br, j: 'DROP' }));
    else fwd.push(rule({ o: br, j: 'ACCEPT' }));
    fwd.push(rule({ i: br, j: 'ACCEPT' }));
  }
  out.push(chain(HOST_NS, family, 'filter', CHAINS.user, [], true));
  out.push(chain(HOST_NS, family, 'filter', CHAINS.forward, fwd));
  out.push(hook(HOST_NS, family, 'filter', 'FORWARD', CHAINS.forward, rule({ mark: true, j: CHAINS.forward }), 'first'));
  if (isolating.length > 0) {
    const iso = [rule({ m: [CT_DNAT], j: 'RETURN' }), ...isolating.map((n) => rule({ o: n.bridge, j: 'DROP' }))];
    out.push(chain(HOST_NS, family, 'filter', CHAINS.isolation, iso));
  }

  // ---- nat: published ports
  const loop = family === 'ipv6' ? '::1/128' : '127.0.0.0/8';
  // in network order, so that a port moving between containers touches only its bridge's chain
  const published = new Set(fports.map((p) => p.bridge));
  const bridges = nets.map((n) => n.bridge).filter((b) => published.has(b));
  if (bridges.length > 0) {
    out.push(
      chain(
        HOST_NS,
        family,
        'nat',
        CHAINS.ports,
        bridges.map((b) => rule({ j: CHAINS.portsOf(b) })),
      ),
    );
    for (const b of bridges) {
      const rules = fports.filter((p) => p.bridge === b).flatMap(dnatRules);
      out.push(chain(HOST_NS, family, 'nat', CHAINS.portsOf(b), rules));
    }
    const local = '-m addrtype --dst-type LOCAL';
    out.push(hook(HOST_NS, family, 'nat', 'PREROUTING', CHAINS.ports, rule({ d: `!${loop}`, m: [local], mark: true, j: CHAINS.ports }), 'last'));
    out.push(hook(HOST_NS, family, 'nat', 'OUTPUT', CHAINS.ports, rule({ m: [local], mark: true, j: CHAINS.ports }), 'last'));
  }

  // ---- nat: masquerade
  const post: string[] = [];
  for (const n of nets) {
    if (n.gatewayMode !== 'nat' || !forwards(n, f)) continue;
    post.push(...routedNoMasquerade(n, f));
    for (const s of n.subnets) if (s.family === f && s.hostHasGateway) post.push(rule({ s: s.subnet, o: `!${n.bridge}`, j: 'MASQUERADE' }));
  }
  for (const b of bridges) {
    const n = nets.find((x) => x.bridge === b);
    for (const s of n?.subnets ?? []) if (s.family === f) post.push(rule({ s: s.subnet, o: b, m: [CT_DNAT], j: 'MASQUERADE' }));
  }
  const lnet = new Set(family === 'ipv4' ? localnetBridges(fports) : []);
  const localnet = nets.map((n) => n.bridge).filter((b) => lnet.has(b));
  for (const b of localnet) post.push(rule({ s: '127.0.0.0/8', o: b, j: 'MASQUERADE' }));
  if (family === 'ipv4') post.push(...routerMasquerade(topo, HOST_NS));
  if (post.length > 0) {
    out.push(chain(HOST_NS, family, 'nat', CHAINS.postrouting, post));
    out.push(hook(HOST_NS, family, 'nat', 'POSTROUTING', CHAINS.postrouting, rule({ mark: true, j: CHAINS.postrouting }), 'last'));
  }

  // ---- raw: the route_localnet guard
  if (localnet.length > 0) {
    out.push(
      chain(
        HOST_NS,
        family,
        'raw',
        CHAINS.raw,
        localnet.map((b) => rule({ d: '127.0.0.0/8', i: b, j: 'DROP' })),
      ),
    );
    out.push(hook(HOST_NS, family, 'raw', 'PREROUTING', CHAINS.raw, rule({ mark: true, j: CHAINS.raw }), 'first'));
    for (const b of localnet) out.push(sysctl(`net.ipv4.conf.${b}.route_localnet`, '1'));
  }
  return out;
}

function forwardingSysctls(topo: Topology): SysctlRes[] {
  if (!topo.settings.ipForward) return [];
  const out: SysctlRes[] = [];
  const nets = bridged(topo);
  if (nets.some((n) => forwards(n, 4))) out.push(sysctl('net.ipv4.ip_forward', '1'));
  if (nets.some((n) => forwards(n, 6))) out.push(sysctl('net.ipv6.conf.all.forwarding', '1'));
  return out;
}

/** Every firewall resource (chains, hooks) and the sysctls they need. */
export function buildFirewall(topo: Topology): Resource[] {
  const out: Resource[] = [...forwardingSysctls(topo)];
  if (!topo.settings.iptables) return out;
  const ports = localPorts(topo);
  out.push(...hostFamily(topo, 'ipv4', ports));
  out.push(...hostFamily(topo, 'ipv6', ports));
  out.push(...routerFamily(topo));
  // icc: false is enforced on bridged frames, which reach iptables only through br_netfilter
  // (both families: a member of an IPv4-only network may give itself IPv6 addresses)
  const nets = bridged(topo);
  if (nets.some((n) => !n.icc)) {
    out.push(sysctl('net.bridge.bridge-nf-call-iptables', '1'));
    out.push(sysctl('net.bridge.bridge-nf-call-ip6tables', '1'));
  }
  // a bridge that no longer needs route_localnet has it off again: its NK-RAW guard goes too
  const localnet = new Set(localnetBridges(ports));
  for (const n of nets) if (!localnet.has(n.bridge)) out.push(sysctl(`net.ipv4.conf.${n.bridge}.route_localnet`, '0'));
  return out;
}
