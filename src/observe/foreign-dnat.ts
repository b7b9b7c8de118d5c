// DNAT rules of the host's nat table that are not netkeeper's (a hand-published port,
// Docker's DOCKER chain), as iptables-save prints them (pure). The plan lists those
// netkeeper's own NK-PORTS-* chains make redundant (src/plan/redundant-rules.ts);
// netkeeper never changes or removes them.

import type { ForeignDnat } from '../model/plan.js';
import type { IptFamily } from '../model/resources.js';

const TARGET = /(?:^|\s)-j DNAT --to-destination (\S+)/;

/** "10.0.0.2:80", "[fd00::2]:80", "10.0.0.2" → address and port. */
function target(t: string): { ip: string; port?: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?/.exec(t);
  if (v6) return { ip: v6[1], ...(v6[2] ? { port: Number(v6[2]) } : {}) };
  const [ip, port] = t.split(':');
  const p = port === undefined ? undefined : Number(port.split('-')[0]);
  return { ip, ...(p !== undefined && Number.isInteger(p) ? { port: p } : {}) };
}

export function foreignDnat(text: string, family: IptFamily): ForeignDnat[] {
  const out: ForeignDnat[] = [];
  let table = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) table = line.slice(1);
    if (table !== 'nat' || !line.startsWith('-A ')) continue;
    const [, chain, ...rest] = line.split(/\s+/);
    if (chain.startsWith('NK-')) continue;
    const rule = rest.join(' ');
    const t = TARGET.exec(rule);
    const proto = /(?:^|\s)-p (tcp|udp)(?:\s|$)/.exec(rule)?.[1] as 'tcp' | 'udp' | undefined;
    const dport = /(?:^|\s)--dport (\d+)(?::(\d+))?(?:\s|$)/.exec(rule);
    if (!t || !proto || !dport || /(?:^|\s)!\s+--dport/.test(rule)) continue;
    const to = target(t[1]);
    out.push({
      family,
      chain,
      rule,
      protocol: proto,
      dport: Number(dport[1]),
      dportEnd: dport[2] ? Number(dport[2]) : Number(dport[1]),
      toIp: to.ip,
      ...(to.port !== undefined ? { toPort: to.port } : {}),
    });
  }
  return out;
}
