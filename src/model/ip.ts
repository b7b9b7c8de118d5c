// IPv4/IPv6 addresses and CIDR prefixes: the one set of IP helpers shared by config,
// observe and plan (pure).
//
// Parsing, validation and canonical text come from `ip-address` (the engine of
// `ip-cidr`; ip-cidr's own createAddress turns mixed-notation IPv6 such as
// "::ffff:10.0.0.1" or "::ffff:0.0.0.0/96" into IPv4, so it is not used here).
// Values are held as bigint so both families share the little arithmetic the
// library has no equivalent for: network/last of a prefix, containment and overlap
// of ranges, the nth subnet of a pool, the lowest free address (src/plan/ipam.ts).

import { Address4, Address6 } from 'ip-address';

export type Family = 4 | 6;

export interface IP {
  family: Family;
  value: bigint;
}

export interface Cidr {
  family: Family;
  /** the address as written (may have host bits set, e.g. 172.18.0.1/16) */
  addr: bigint;
  prefix: number;
  /** first address of the prefix (host bits cleared) */
  network: bigint;
  /** last address of the prefix (the IPv4 broadcast address) */
  last: bigint;
}

export const BITS: Record<Family, number> = { 4: 32, 6: 128 };

// ---------------------------------------------------------------------------
// Text → value

/** A decimal number without leading zeros (an IPv4 octet, a prefix length). */
const DECIMAL = /^(0|[1-9][0-9]{0,2})$/;

/** Four octets 0-255 without leading zeros: an IPv4 address already in its canonical text. */
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const DOTTED_QUAD = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/**
 * Parse "address" or "address/prefix" with the library, after the checks that
 * make it as strict as the kernel's and Go's net.ParseIP (since 1.17): no zone
 * ("fe80::1%eth0"), no leading zeros in IPv4 octets ("010.0.0.1") or in the
 * prefix length, one slash at most (ip-address reads "fd00::1/64/1" as /1).
 */
function parse(s: string): { family: Family; value: bigint; prefix?: number } | undefined {
  if (typeof s !== 'string' || s.includes('%')) return undefined;
  const [text, p, extra] = s.split('/');
  if (extra !== undefined || (p !== undefined && !DECIMAL.test(p))) return undefined;
  // a plain dotted quad (most addresses a plan reads): the value without the library
  if (DOTTED_QUAD.test(text) && (p === undefined || Number(p) <= 32)) {
    const value = text.split('.').reduce((v, o) => (v << 8n) | BigInt(o), 0n);
    return { family: 4, value, ...(p !== undefined ? { prefix: Number(p) } : {}) };
  }
  const dotted = text.slice(text.lastIndexOf(':') + 1);
  if (dotted.includes('.') && !dotted.split('.').every((o) => DECIMAL.test(o))) return undefined;
  try {
    if (text.includes(':')) {
      const a = new Address6(s);
      const value = a.parsedAddress.reduce((v, g) => (v << 16n) | BigInt(parseInt(g, 16)), 0n);
      return { family: 6, value, ...(p !== undefined ? { prefix: a.subnetMask } : {}) };
    }
    const a = new Address4(s);
    const value = a.toArray().reduce((v, o) => (v << 8n) | BigInt(o), 0n);
    return { family: 4, value, ...(p !== undefined ? { prefix: a.subnetMask } : {}) };
  } catch {
    return undefined;
  }
}

/** An IPv4 or IPv6 address literal (no prefix, no zone, no surrounding spaces). */
export function parseIP(s: string): IP | undefined {
  if (typeof s !== 'string' || s.includes('/')) return undefined;
  const r = parse(s);
  return r && { family: r.family, value: r.value };
}

/** "address/prefix"; the address may have host bits set. */
export function parseCidr(s: string): Cidr | undefined {
  if (typeof s !== 'string' || !s.includes('/')) return undefined;
  const r = parse(s);
  return r && makeCidr(r.family, r.value, r.prefix!);
}

/** Like parseCidr, and a bare address is a host prefix (/32, /128), as `ip route` prints host routes. */
export function parseCidrOrHost(s: string): Cidr | undefined {
  const r = parse(s);
  return r && makeCidr(r.family, r.value, r.prefix ?? BITS[r.family]);
}

/** The prefix of `prefix` bits that holds `value`. */
export function makeCidr(family: Family, value: bigint, prefix: number): Cidr {
  const all = (1n << BigInt(BITS[family])) - 1n;
  const host = all >> BigInt(prefix);
  const network = value & (all ^ host);
  return { family, addr: value, prefix, network, last: network | host };
}

// ---------------------------------------------------------------------------
// Value → canonical text

/**
 * Canonical text of an address, as iproute2 prints it (glibc inet_ntop): IPv4
 * dotted quad; IPv6 lowercase with the longest run of zero groups compressed
 * (RFC 5952, by the library), and the last 32 bits dotted for IPv4-mapped
 * (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d, not ::1) addresses.
 */
export function formatIP(family: Family, value: bigint): string {
  if (family === 4) {
    const n = Number(value & 0xffffffffn);
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }
  const high = value >> 32n;
  const low = value & 0xffffffffn;
  if (high === 0xffffn) return `::ffff:${formatIP(4, low)}`;
  if (high === 0n && low > 0xffffn) return `::${formatIP(4, low)}`;
  const hex = value.toString(16).padStart(32, '0');
  return new Address6(hex.match(/.{4}/g)!.join(':')).correctForm();
}

/** Canonical text of an address literal, or undefined if it is not one. */
export function normalizeIP(s: string): string | undefined {
  if (typeof s === 'string' && DOTTED_QUAD.test(s)) return s;
  const hit = normalized.get(s);
  if (hit !== undefined || normalized.has(s)) return hit;
  const ip = parseIP(s);
  const out = ip ? formatIP(ip.family, ip.value) : undefined;
  if (normalized.size >= 4096) normalized.clear();
  normalized.set(s, out);
  return out;
}

/** IPv6 (and odd) texts seen lately → their canonical text: the library's parse and format cost ~0.1 ms. */
const normalized = new Map<string, string | undefined>();

/** Canonical text of an address literal; the input unchanged when it is not one. */
export function canonicalIP(s: string): string {
  return normalizeIP(s) ?? s;
}

/** "172.18.0.0/24": the prefix, host bits cleared. */
export function formatNetwork(c: Cidr): string {
  return `${formatIP(c.family, c.network)}/${c.prefix}`;
}

/** "172.18.0.1/24": the address as written with its prefix length (what `ip addr` takes). */
export function formatAddrPrefix(c: Cidr): string {
  return `${formatIP(c.family, c.addr)}/${c.prefix}`;
}

/** Canonical network text of "address/prefix" or of a bare address (a host prefix), or undefined. */
export function normalizeCidr(s: string): string | undefined {
  const c = parseCidrOrHost(s);
  return c ? formatNetwork(c) : undefined;
}

// ---------------------------------------------------------------------------
// Prefix arithmetic

export function hostBitsSet(c: Cidr): boolean {
  return c.addr !== c.network;
}

export function cidrContains(c: Cidr, ip: IP): boolean {
  return c.family === ip.family && ip.value >= c.network && ip.value <= c.last;
}

/** Is `inner` wholly inside `outer`? */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.family === outer.family && inner.network >= outer.network && inner.last <= outer.last;
}

export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.network <= b.last && b.network <= a.last;
}

/** The `index`-th subnet of `prefix` bits inside `base` (0: the first), undefined past the end. */
export function nthSubnet(base: Cidr, prefix: number, index: bigint): Cidr | undefined {
  if (prefix < base.prefix || prefix > BITS[base.family] || index < 0n) return undefined;
  if (index >= 1n << BigInt(prefix - base.prefix)) return undefined;
  const value = base.network + (index << BigInt(BITS[base.family] - prefix));
  return makeCidr(base.family, value, prefix);
}

/** Is this route destination a default route ("default", "default6", 0.0.0.0/0, ::/0)? */
export function isDefaultRoute(dst: string): boolean {
  if (dst === 'default' || dst === 'default6') return true;
  const c = parseCidrOrHost(dst);
  return c !== undefined && c.prefix === 0;
}

/**
 * Addresses of a subnet that are never a host's: the network address for IPv4
 * prefixes up to /30 and IPv6 up to /126 (subnet-router anycast), and the IPv4
 * broadcast address. /31, /32, /127, /128 have none.
 */
export function isNetworkOrBroadcast(c: Cidr, value: bigint): boolean {
  if (c.family === 4) return c.prefix <= 30 && (value === c.network || value === c.last);
  return c.prefix <= 126 && value === c.network;
}

/** The first address of a subnet a host may use: the default gateway (like Docker). */
export function firstHost(c: Cidr): bigint {
  const limit = c.family === 4 ? 30 : 126;
  return c.prefix > limit ? c.network : c.network + 1n;
}
