// Small, strict IPv4/IPv6 address and CIDR helpers (pure). Addresses are held as
// bigint so both families share one arithmetic.

export type Family = 4 | 6;

export interface IP {
  family: Family;
  value: bigint;
}

export interface CIDR {
  family: Family;
  /** the address as written */
  addr: bigint;
  prefix: number;
  /** first address of the prefix */
  network: bigint;
  /** last address of the prefix (IPv4 broadcast) */
  last: bigint;
}

const bits = (f: Family): number => (f === 4 ? 32 : 128);

/** Dotted quad, no leading zeros (as Go's net.ParseIP since 1.17). */
export function parseIPv4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

export function parseIPv6(s: string): bigint | null {
  if (s.length === 0 || s.includes('%')) return null;
  let head = s;
  let tailV4: bigint | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tailV4 = parseIPv4(s.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = s.slice(0, lastColon + 1);
    // "a:b::c:1.2.3.4" → "a:b::c"; "::1.2.3.4" keeps its "::"
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsNeeded = tailV4 === null ? 8 : 6;
  const dbl = head.indexOf('::');
  if (dbl !== head.lastIndexOf('::')) return null;
  const parseGroups = (t: string): number[] | null => {
    if (t === '') return [];
    const out: number[] = [];
    for (const g of t.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const left = parseGroups(head.slice(0, dbl));
    const right = parseGroups(head.slice(dbl + 2));
    if (!left || !right) return null;
    const fill = groupsNeeded - left.length - right.length;
    if (fill < 1) return null;
    groups = [...left, ...new Array<number>(fill).fill(0), ...right];
  } else {
    const g = parseGroups(head);
    if (!g || g.length !== groupsNeeded) return null;
    groups = g;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  if (tailV4 !== null) v = (v << 32n) | tailV4;
  return v;
}

export function parseIP(s: string): IP | null {
  if (typeof s !== 'string') return null;
  const v4 = parseIPv4(s);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = parseIPv6(s);
  if (v6 !== null) return { family: 6, value: v6 };
  return null;
}

export function formatIP(family: Family, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((sh) => String((value >> sh) & 255n)).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (≥2) of zero groups, the first on a tie
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Canonical text of an address literal; the input when it does not parse. */
export function normalizeIP(s: string): string {
  const ip = parseIP(s);
  return ip ? formatIP(ip.family, ip.value) : s;
}

export function parseCIDR(s: string): CIDR | null {
  if (typeof s !== 'string') return null;
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const ip = parseIP(s.slice(0, slash));
  const p = s.slice(slash + 1);
  if (!ip || !/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
  const prefix = Number(p);
  const b = bits(ip.family);
  if (prefix > b) return null;
  const hostMask = (1n << BigInt(b - prefix)) - 1n;
  const network = ip.value & ~hostMask & ((1n << BigInt(b)) - 1n);
  return { family: ip.family, addr: ip.value, prefix, network, last: network | hostMask };
}

export function hostBitsSet(c: CIDR): boolean {
  return c.addr !== c.network;
}

/** "172.18.0.0/24" for the prefix (host bits cleared). */
export function formatPrefix(c: CIDR): string {
  return `${formatIP(c.family, c.network)}/${c.prefix}`;
}

/** "10.1.1.1/32" keeping the address as written, canonical text. */
export function formatCIDR(c: CIDR): string {
  return `${formatIP(c.family, c.addr)}/${c.prefix}`;
}

export function cidrContains(c: CIDR, ip: IP): boolean {
  return c.family === ip.family && ip.value >= c.network && ip.value <= c.last;
}

export function cidrWithin(inner: CIDR, outer: CIDR): boolean {
  return inner.family === outer.family && inner.network >= outer.network && inner.last <= outer.last;
}

export function cidrOverlap(a: CIDR, b: CIDR): boolean {
  return a.family === b.family && a.network <= b.last && b.network <= a.last;
}

/**
 * Network and broadcast addresses of an IPv4 subnet are not usable by hosts
 * (prefixes up to /30); for IPv6 the subnet-router anycast (first) address.
 */
export function isUnusableHost(c: CIDR, ip: IP): boolean {
  if (c.family === 4) return c.prefix <= 30 && (ip.value === c.network || ip.value === c.last);
  return c.prefix <= 126 && ip.value === c.network;
}

/** The first usable host address: the default gateway (like Docker). */
export function firstHost(c: CIDR): bigint {
  if (c.family === 4 && c.prefix >= 31) return c.network;
  if (c.family === 6 && c.prefix >= 127) return c.network;
  return c.network + 1n;
}

export function isUnicastMac(mac: string): boolean {
  const first = parseInt(mac.slice(0, 2), 16);
  return (first & 1) === 0 && !/^(00:){5}00$/.test(mac);
}
