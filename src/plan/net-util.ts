// Small, pure IP helpers on BigInt: parse, format (RFC 5952 for IPv6), CIDR
// arithmetic. Used by IPAM and topology. No I/O.
//
// The `ip-cidr` package offers CIDR iteration and containment but returns its own
// address objects and does not help with "lowest free address after X" or
// overlap tests; the arithmetic below is shorter than the adapters would be.

export type Family = 4 | 6;

export interface IP {
  family: Family;
  value: bigint;
}

export interface Cidr {
  family: Family;
  /** the address as written (may have host bits set, e.g. 172.18.0.1/16) */
  addr: bigint;
  /** the network address (host bits cleared) */
  network: bigint;
  prefix: number;
}

export const BITS: Record<Family, number> = { 4: 32, 6: 128 };

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseV4(p);
        if (v4 === undefined) return undefined;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  const head = groups(halves[0]);
  if (!head) return undefined;
  let all: number[];
  if (halves.length === 2) {
    const tail = groups(halves[1]);
    if (!tail) return undefined;
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    all = head;
  }
  if (all.length !== 8) return undefined;
  let v = 0n;
  for (const g of all) v = (v << 16n) | BigInt(g);
  return v;
}

export function parseIP(s: string): IP | undefined {
  if (typeof s !== 'string') return undefined;
  const t = s.trim();
  if (t.includes(':')) {
    const v = parseV6(t);
    return v === undefined ? undefined : { family: 6, value: v };
  }
  const v = parseV4(t);
  return v === undefined ? undefined : { family: 4, value: v };
}

export function formatIP(family: Family, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
  }
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // IPv4-mapped ::ffff:a.b.c.d
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `::ffff:${formatIP(4, value & 0xffffffffn)}`;
  }
  // longest run of >= 2 zero groups, first one on ties (RFC 5952)
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text of an address literal, or undefined if it is not one. */
export function normalizeIP(s: string): string | undefined {
  const ip = parseIP(s);
  return ip ? formatIP(ip.family, ip.value) : undefined;
}

export function mask(family: Family, prefix: number): bigint {
  const bits = BigInt(BITS[family]);
  const all = (1n << bits) - 1n;
  return (all >> BigInt(prefix)) ^ all;
}

/** Parse "a.b.c.d/n" or "x::y/n"; a bare address is a host route (/32, /128). */
export function parseCidr(s: string): Cidr | undefined {
  if (typeof s !== 'string') return undefined;
  const [a, p, extra] = s.trim().split('/');
  if (extra !== undefined) return undefined;
  const ip = parseIP(a);
  if (!ip) return undefined;
  let prefix = BITS[ip.family];
  if (p !== undefined) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > BITS[ip.family]) return undefined;
  }
  return { family: ip.family, addr: ip.value, network: ip.value & mask(ip.family, prefix), prefix };
}

export function formatCidr(c: { family: Family; network: bigint; prefix: number }): string {
  return `${formatIP(c.family, c.network)}/${c.prefix}`;
}

/** Normalized network CIDR text (host bits cleared), or undefined. */
export function normalizeCidr(s: string): string | undefined {
  const c = parseCidr(s);
  return c ? formatCidr(c) : undefined;
}

export function lastAddress(c: Cidr): bigint {
  return c.network | (((1n << BigInt(BITS[c.family])) - 1n) >> BigInt(c.prefix));
}

export function cidrContains(c: Cidr, ip: IP): boolean {
  return ip.family === c.family && (ip.value & mask(c.family, c.prefix)) === c.network;
}

export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const p = Math.min(a.prefix, b.prefix);
  const m = mask(a.family, p);
  return (a.network & m) === (b.network & m);
}

/** Is this route destination a default route ("default", 0.0.0.0/0, ::/0)? */
export function isDefaultRoute(dst: string): boolean {
  if (dst === 'default' || dst === 'default6') return true;
  const c = parseCidr(dst);
  return c !== undefined && c.prefix === 0;
}

/**
 * Addresses of a subnet that are never a host's: the network address for IPv4
 * prefixes up to /30 and IPv6 up to /126 (subnet-router anycast), and the IPv4
 * broadcast address. /31, /32, /127, /128 have none.
 */
export function isNetworkOrBroadcast(subnet: Cidr, v: bigint): boolean {
  if (subnet.family === 4) {
    if (subnet.prefix > 30) return false;
    return v === subnet.network || v === lastAddress(subnet);
  }
  if (subnet.prefix > 126) return false;
  return v === subnet.network;
}

/** The first address of a subnet a host may use (Docker's default gateway). */
export function firstHost(subnet: Cidr): bigint {
  const limit = subnet.family === 4 ? 30 : 126;
  return subnet.prefix > limit ? subnet.network : subnet.network + 1n;
}
