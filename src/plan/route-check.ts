// Route next hops against the resolved topology (pure): what `validate` cannot
// judge from the files alone — an attachment to a network with an automatic subnet,
// or a network with several subnets of one family, of which the container is given
// an address in one — is judged here, before anything is applied, instead of
// failing half-way with "Nexthop has invalid gateway".

import type { Config } from '../model/config.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { BITS, makeCidr, parseCidr, parseIP } from '../model/ip.js';
import { nextHopProblem, type Onlink } from '../model/next-hop.js';
import type { Topology } from '../model/topology.js';

export function routeProblems(config: Config, topo: Topology): Diagnostic[] {
  const out: Diagnostic[] = [];
  const specs = new Map(config.containers.map((c) => [c.name, c]));
  for (const c of topo.containers) {
    if (!c.local || !c.netns || c.mode === 'container' || !c.routes.some((r) => r.via !== undefined)) continue;
    const prefixes: Onlink[] = [];
    for (const a of c.attachments) {
      for (const [ip, len] of [
        [a.ip4, a.prefix4],
        [a.ip6, a.prefix6],
      ] as const) {
        const cidr = ip !== undefined && len !== undefined ? parseCidr(`${ip}/${len}`) : undefined;
        if (cidr) prefixes.push({ cidr, dev: a.ifname, what: `Network ${a.network}` });
      }
    }
    for (const l of topo.links) {
      l.ends.forEach((e, i) => {
        const mine = e.container === c.name && e.ip !== undefined ? parseCidr(e.ip) : undefined;
        if (!mine) return;
        prefixes.push({ cidr: mine, dev: e.ifname, what: `Link ${l.name}` });
        const other = l.ends[1 - i].ip;
        const peer = other !== undefined ? parseCidr(other) : undefined;
        if (peer && peer.family === mine.family && mine.prefix === BITS[mine.family]) {
          prefixes.push({ cidr: makeCidr(peer.family, peer.addr, BITS[peer.family]), dev: e.ifname, what: `Link ${l.name}'s peer` });
        }
      });
    }
    for (const r of c.routes) {
      if (r.via !== undefined || r.dev === undefined) continue;
      const cidr = parseCidr(r.to === 'default' ? '0.0.0.0/0' : r.to);
      if (cidr) prefixes.push({ cidr, dev: r.dev, what: `route to ${r.to}` });
    }
    c.routes.forEach((r, i) => {
      const via = r.via !== undefined ? parseIP(r.via) : undefined;
      const problem = via && nextHopProblem(r, via, prefixes);
      if (!problem) return;
      const pos = specs.get(c.name)?.routes[i]?.pos;
      out.push({
        code: 'route-gateway-unreachable',
        object: `Container ${c.name}`,
        message: `route to ${r.to} via ${r.via}: ${problem}`,
        ...(pos ? { pos } : {}),
      });
    });
  }
  return out;
}
