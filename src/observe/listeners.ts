// Sockets listening on the host, from `ss -H -l -t -u -n -p` (pure): protocol, local
// address and port, and the process when ss could name it. A published port whose
// host address and port a listener holds would be shadowed by the DNAT rule, so the
// plan refuses it (src/plan/host-checks/ports-in-use.ts).

import type { HostListener } from '../model/observed-host.js';

/** "0.0.0.0:80", "[::]:80", "*:80", "127.0.0.1%lo:53", "[fe80::1]%eth0:546" → address and port. */
function splitLocal(local: string): { addr: string; port: number } | undefined {
  const colon = local.lastIndexOf(':');
  if (colon < 0) return undefined;
  const port = Number(local.slice(colon + 1));
  if (!Number.isInteger(port) || port <= 0) return undefined;
  let addr = local.slice(0, colon);
  const pct = addr.indexOf('%');
  if (pct >= 0) addr = addr.slice(0, pct);
  if (addr.startsWith('[') && addr.endsWith(']')) addr = addr.slice(1, -1);
  if (addr.startsWith('::ffff:') && addr.includes('.')) addr = addr.slice('::ffff:'.length);
  return { addr, port };
}

/** `users:(("nginx",pid=812,fd=6),("nginx",pid=813,fd=6))` → "nginx (pid 812)". */
function processOf(users: string): string | undefined {
  const m = /\("([^"]*)",pid=(\d+)/.exec(users);
  return m ? `${m[1]} (pid ${m[2]})` : undefined;
}

/** Lines of `ss -H -l -t -u -n -p`: "tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:((…))". */
export function parseListeners(text: string): HostListener[] {
  const out: HostListener[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || (f[0] !== 'tcp' && f[0] !== 'udp')) continue;
    const local = splitLocal(f[4]);
    if (!local) continue;
    const users = f.slice(6).join(' ');
    const process = users ? processOf(users) : undefined;
    out.push({ protocol: f[0], addr: local.addr, port: local.port, ...(process ? { process } : {}) });
  }
  return out;
}
