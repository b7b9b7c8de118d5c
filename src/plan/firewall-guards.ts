// The guards of a bridge's FORWARD section: icc (accept all, or links and a
// container's own published ports, then drop; IPv6 keeps neighbour discovery) and
// the family a network has no subnet of (guards only, nothing accepted). Pure.

import type { IptFamily } from '../model/resources.js';
import type { TContainer, TNetwork, Topology } from '../model/topology.js';
import { ND_TYPES, fam } from './firewall-common.js';
import type { LocalPort } from './firewall-ports.js';
import { familyOf, rule } from './firewall-rules.js';

function addrOn(c: TContainer, network: string, f: 4 | 6): string | undefined {
  const a = c.attachments.find((x) => x.network === network);
  return f === 4 ? a?.ip4 : a?.ip6;
}

/** The icc part of a bridge's section: accept all, or links and self-hairpin then drop. */
export function iccRules(n: TNetwork & { bridge: string }, f: 4 | 6, topo: Topology, ports: LocalPort[]): string[] {
  const br = n.bridge;
  if (n.icc) return [rule({ i: br, o: br, j: 'ACCEPT' })];
  const out: string[] = [];
  const byName = new Map(topo.containers.map((c) => [c.name, c]));
  // a container reaching its own published port is not container-to-container traffic
  const selfs = new Set<string>();
  for (const p of ports) {
    if (p.bridge !== br || familyOf(p.containerIP) !== (f === 6 ? 'ipv6' : 'ipv4')) continue;
    selfs.add(p.containerIP);
  }
  for (const ip of selfs) out.push(rule({ s: ip, d: ip, i: br, o: br, j: 'ACCEPT' }));
  for (const c of topo.containers) {
    for (const l of c.links) {
      const t = byName.get(l.container);
      const src = addrOn(c, n.name, f);
      const dst = t && addrOn(t, n.name, f);
      if (!src || !dst) continue;
      if (l.ports.length === 0) out.push(rule({ s: src, d: dst, i: br, o: br, j: 'ACCEPT' }));
      for (const p of l.ports) out.push(rule({ s: src, d: dst, i: br, o: br, p: p.protocol, dport: `${p.port}`, j: 'ACCEPT' }));
    }
  }
  // neighbour discovery (router/neighbour solicitation and advertisement, redirect)
  // is not container-to-container traffic: without it no IPv6 link works
  if (f === 6) for (const t of ND_TYPES) out.push(rule({ i: br, o: br, m: [`-p ipv6-icmp -m icmp6 --icmpv6-type ${t}`], j: 'ACCEPT' }));
  out.push(rule({ i: br, o: br, j: 'DROP' }));
  return out;
}

/**
 * A network without a subnet of this family still gets this family's guards
 * (internal, isolation, icc: false), so that a member that gives itself
 * addresses of that family cannot go around them. Nothing is accepted for it.
 */
export function guardOnly(n: TNetwork, family: IptFamily): boolean {
  return !n.subnets.some((s) => s.family === fam(family));
}
