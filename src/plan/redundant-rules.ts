// Hand-written DNAT rules that netkeeper's own NK-PORTS-* chains make redundant: a
// rule of the host's nat table that is not netkeeper's and sends the same protocol
// and host port to the same container address and port as a port the files publish
// (Docker's DOCKER chain, a script's PREROUTING rule, after an adoption). Listed as
// warnings with the command that removes them; netkeeper never removes them. Pure.

import type { Conflict, ForeignDnat } from '../model/plan.js';
import type { Topology } from '../model/topology.js';

export function redundantForeignRules(topo: Topology, foreign: readonly ForeignDnat[] | undefined): Conflict[] {
  if (!foreign?.length) return [];
  const out: Conflict[] = [];
  for (const c of topo.containers) {
    if (!c.local) continue;
    for (const p of c.ports) {
      for (const f of foreign) {
        if (f.protocol !== p.protocol || f.dport < p.hostPort || f.dport > p.hostPortEnd || f.toIp !== p.containerIP) continue;
        if (f.toPort !== undefined && f.toPort !== p.containerPort + (f.dport - p.hostPort)) continue;
        const cmd = f.family === 'ipv6' ? 'ip6tables' : 'iptables';
        const range = p.hostPortEnd > p.hostPort ? `${p.hostPort}-${p.hostPortEnd}` : `${p.hostPort}`;
        out.push({
          code: 'redundant-foreign-rule',
          object: `Container ${c.name}`,
          message:
            `a hand-written rule does what netkeeper's NK-PORTS chain does for port ${range}/${p.protocol}: ` +
            `${cmd} -t nat -A ${f.chain} ${f.rule}; netkeeper leaves it alone — remove it yourself with: ${cmd} -t nat -D ${f.chain} ${f.rule}`,
        });
      }
    }
  }
  return out;
}
