// Who listens in a namespace, from its /proc/net/{tcp,tcp6,udp,udp6}: TCP sockets
// in LISTEN and every UDP socket, with the address they are bound to (0.0.0.0 and
// :: take any address). A packet delivered to a port nothing listens on is
// refused, which a user sees as "not reachable". Pure.

import type { Listener } from './types.js';

function hexIp4(h: string): string | undefined {
  if (h.length === 8) {
    const b = [0, 2, 4, 6].map((i) => parseInt(h.slice(i, i + 2), 16)).reverse();
    return b.join('.');
  }
  if (h.length === 32) {
    if (/^0{32}$/.test(h)) return '0.0.0.0';
    // ::ffff:a.b.c.d, printed as four little-endian words
    if (h.slice(0, 16) === '0000000000000000' && h.slice(16, 24).toUpperCase() === 'FFFF0000') return hexIp4(h.slice(24));
  }
  return undefined;
}

export function parseListeners(text: string, proto: 'tcp' | 'udp'): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !/^\d+:$/.test(f[0])) continue;
    if (proto === 'tcp' && f[3] !== '0A') continue;
    const [addr, port] = f[1].split(':');
    const ip = hexIp4(addr);
    if (ip === undefined) continue;
    out.push({ proto, ip, port: parseInt(port, 16) });
  }
  return out;
}

/** Whether a socket takes a packet to ip:port; undefined when the namespace's sockets were not read. */
export function listening(list: Listener[] | undefined, proto: 'tcp' | 'udp', ip: string, port: number): boolean | undefined {
  if (!list) return undefined;
  return list.some((l) => l.proto === proto && l.port === port && (l.ip === '0.0.0.0' || l.ip === ip));
}
