// Ports bound on the host, from /proc/net/{tcp,tcp6,udp,udp6} of the host
// namespace (pure). TCP counts listening sockets only: a connection's local port
// takes no part in a DNAT of new incoming connections. UDP counts every socket.

export interface SocketTables {
  tcp: string[];
  udp: string[];
}

const LISTEN = '0A';

/** Local ports of one /proc/net/{tcp,udp}[6] table; TCP only in state LISTEN. */
export function parseProcNet(text: string, tcp: boolean): number[] {
  const out: number[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const local = f[1];
    const colon = local.lastIndexOf(':');
    if (colon < 0) continue;
    if (tcp && f[3] !== LISTEN) continue;
    const port = parseInt(local.slice(colon + 1), 16);
    if (Number.isInteger(port) && port > 0) out.push(port);
  }
  return out;
}

/** Sorted, unique bound ports per protocol. */
export function boundPorts(t: SocketTables): { tcp: number[]; udp: number[] } {
  const uniq = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);
  return { tcp: uniq(t.tcp.flatMap((x) => parseProcNet(x, true))), udp: uniq(t.udp.flatMap((x) => parseProcNet(x, false))) };
}
