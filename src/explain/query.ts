// The command line's FROM and TO[:PORT][/PROTO] → a Query. Pure.

import { isIp4 } from './ipv4.js';
import type { Endpoint, Proto, Query } from './types.js';

function endpoint(s: string): Endpoint {
  if (s === 'host') return { kind: 'host' };
  if (isIp4(s) || s.includes(':')) return { kind: 'address', ip: s };
  return { kind: 'container', name: s };
}

export function parseQuery(from: string, to: string): { ok: true; value: Query } | { ok: false; error: string } {
  const m = /^(.+?)(?::(\d+))?(?:\/(tcp|udp|icmp))?$/.exec(to);
  if (!m || from === '') return { ok: false, error: `cannot read ${JSON.stringify(to)}: expected TO[:PORT][/PROTO], e.g. web:80/tcp, 10.0.0.5, host:8080` };
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return { ok: false, error: `port ${m[2]} is out of range (1-65535)` };
  const proto: Proto = (m[3] as Proto | undefined) ?? (port === undefined ? 'icmp' : 'tcp');
  if (proto === 'icmp' && port !== undefined) return { ok: false, error: 'icmp takes no port' };
  if (proto !== 'icmp' && port === undefined) return { ok: false, error: `${proto} needs a port (TO:PORT/${proto})` };
  return { ok: true, value: { from: endpoint(from), to: endpoint(m[1]), ...(port !== undefined ? { port } : {}), proto } };
}
