// IPv4 arithmetic the evaluator needs: dotted quad ↔ number, CIDR membership. Pure.

export function ip4(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export function isIp4(s: string): boolean {
  return ip4(s) !== undefined;
}

/** `a.b.c.d/n` or a bare address (/32); undefined when not IPv4. */
export function cidr4(s: string): { net: number; len: number } | undefined {
  if (s === 'default') return { net: 0, len: 0 };
  const [a, l] = s.split('/');
  const v = ip4(a);
  const len = l === undefined ? 32 : Number(l);
  if (v === undefined || !Number.isInteger(len) || len < 0 || len > 32) return undefined;
  return { net: len === 0 ? 0 : (v & maskOf(len)) >>> 0, len };
}

function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export function inCidr(ip: string, c: string): boolean {
  const v = ip4(ip);
  const n = cidr4(c);
  if (v === undefined || !n) return false;
  return (v & maskOf(n.len)) >>> 0 === n.net;
}

export function prefixLen(c: string): number {
  return cidr4(c)?.len ?? -1;
}

export const isLoopback4 = (ip: string): boolean => inCidr(ip, '127.0.0.0/8');

/** Addresses no one routes on the internet (RFC 1918, CGNAT, link-local, loopback, documentation). */
export function isPrivate4(ip: string): boolean {
  return [
    '10.0.0.0/8',
    '172.16.0.0/12',
    '192.168.0.0/16',
    '100.64.0.0/10',
    '169.254.0.0/16',
    '127.0.0.0/8',
    '192.0.2.0/24',
    '198.51.100.0/24',
    '203.0.113.0/24',
  ].some((c) => inCidr(ip, c));
}
