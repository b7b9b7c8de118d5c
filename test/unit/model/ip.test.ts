import { describe, expect, it } from 'vitest';
import { Address4 } from 'ip-address';
import {
  canonicalIP,
  cidrContains,
  cidrOverlaps,
  cidrWithin,
  firstHost,
  formatAddrPrefix,
  formatIP,
  formatNetwork,
  hostBitsSet,
  isDefaultRoute,
  isNetworkOrBroadcast,
  makeCidr,
  normalizeCidr,
  normalizeIP,
  nthSubnet,
  parseCidr,
  parseCidrOrHost,
  parseIP,
} from '../../../src/model/ip.js';

describe('addresses', () => {
  it('parses and formats IPv4, strictly', () => {
    expect(parseIP('10.0.0.1')).toEqual({ family: 4, value: 0x0a000001n });
    expect(parseIP('172.18.0.10')).toEqual({ family: 4, value: 0xac12000an });
    expect(formatIP(4, 0xac12000an)).toBe('172.18.0.10');
    expect(formatIP(4, 0xffffffffn)).toBe('255.255.255.255');
    expect(formatIP(4, 0n)).toBe('0.0.0.0');
    for (const bad of ['10.0.0', '10.0.0.256', '1.2.3.4.5', 'a.b.c.d', '', '1.2.3']) expect(parseIP(bad), bad).toBeUndefined();
    // leading zeros (octal in inet_aton, refused by Go's net.ParseIP), spaces, a prefix
    for (const bad of ['010.0.0.1', '1.2.3.04', ' 1.2.3.4', '1.2.3.4 ', '10.0.0.1/24']) expect(parseIP(bad), bad).toBeUndefined();
  });

  it('formats IPv6 canonically (RFC 5952: lowercase, longest zero run compressed, first on a tie)', () => {
    expect(normalizeIP('FD00:0:0:0:0:0:0:1')).toBe('fd00::1');
    expect(normalizeIP('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normalizeIP('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(normalizeIP('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(normalizeIP('::')).toBe('::');
    expect(normalizeIP('::1')).toBe('::1');
    expect(normalizeIP('fe80::')).toBe('fe80::');
    expect(normalizeIP('1:2:3:4:5:6:7:8')).toBe('1:2:3:4:5:6:7:8');
    expect(normalizeIP('1:0:3:4:5:6:7:8')).toBe('1:0:3:4:5:6:7:8');
    expect(normalizeIP('a:b::c:1.2.3.4')).toBe('a:b::c:102:304');
  });

  it('formats IPv4-mapped and IPv4-compatible IPv6 with a dotted tail, as iproute2 prints them', () => {
    expect(normalizeIP('::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1');
    expect(normalizeIP('::ffff:1.2.3.4')).toBe('::ffff:1.2.3.4');
    expect(normalizeIP('::ffff:a00:1')).toBe('::ffff:10.0.0.1');
    // written with `ip -6 addr add X/128 dev lo` and read back with `ip -j -6 addr` (iproute2 6.1)
    const kernel: [string, string][] = [
      ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
      ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
      ['0:0:1:0:0:1:0:0', '::1:0:0:1:0:0'],
      ['::102:304', '::1.2.3.4'],
      ['::1:0', '::0.1.0.0'],
      ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
      ['::ffff:0:1', '::ffff:0.0.0.1'],
      ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
      ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'],
      ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ];
    for (const [written, shown] of kernel) {
      expect(normalizeIP(written), written).toBe(shown);
      // and the kernel's text reads back as the same address
      expect(parseIP(shown)!.value, shown).toBe(parseIP(written)!.value);
    }
    // route destinations as `ip -j -6 route` printed them
    expect(normalizeCidr('::ffff:0:0/96')).toBe('::ffff:0.0.0.0/96');
    expect(normalizeCidr('::/96')).toBe('::/96');
    expect(normalizeCidr('2001:DB8::/32')).toBe('2001:db8::/32');
  });

  it('refuses what is not an IPv6 literal', () => {
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', ':1:2', '1:2:3:4:5:6:7::8', '1:2:3:4:5:6:7:1.2.3.4', '[::1]', 'g::1']) {
      expect(parseIP(bad), bad).toBeUndefined();
    }
    // zones (the library takes them), a leading zero in the dotted tail, spaces
    for (const bad of ['fe80::1%eth0', '::%', '1::2%', '::ffff:010.0.0.1', ' ::1', '::1 ']) expect(parseIP(bad), bad).toBeUndefined();
    expect(normalizeIP('1::2::3')).toBeUndefined();
    expect(normalizeIP('1:2:3:4:5:6:7:8:9')).toBeUndefined();
  });

  it('canonicalIP keeps what is not an address', () => {
    expect(canonicalIP('FD00::0:1')).toBe('fd00::1');
    expect(canonicalIP('not-an-ip')).toBe('not-an-ip');
  });

  it('text and value round-trip in both families', () => {
    for (const v of [0n, 1n, 0xffffn, 0x10000n, 0xffff0a000001n, 0x20010db8000000000000000000000001n, (1n << 128n) - 1n]) {
      const text = formatIP(6, v);
      expect(parseIP(text), text).toEqual({ family: 6, value: v });
    }
    for (const v of [0n, 1n, 0x7f000001n, 0xffffffffn]) expect(parseIP(formatIP(4, v))).toEqual({ family: 4, value: v });
  });
});

describe('CIDRs', () => {
  it('parses "address/prefix", keeping the address as written', () => {
    const c = parseCidr('172.18.0.1/24')!;
    expect(c).toEqual({ family: 4, addr: 0xac120001n, prefix: 24, network: 0xac120000n, last: 0xac1200ffn });
    expect(hostBitsSet(c)).toBe(true);
    expect(hostBitsSet(parseCidr('172.18.0.0/24')!)).toBe(false);
    expect(formatNetwork(c)).toBe('172.18.0.0/24');
    expect(formatAddrPrefix(c)).toBe('172.18.0.1/24');
    expect(formatNetwork(parseCidr('fd00:1::5/64')!)).toBe('fd00:1::/64');
    expect(formatAddrPrefix(parseCidr('FD00:1:0::5/64')!)).toBe('fd00:1::5/64');
    expect(parseCidr('0.0.0.0/0')).toMatchObject({ prefix: 0, network: 0n, last: 0xffffffffn });
    expect(parseCidr('::/0')).toMatchObject({ family: 6, prefix: 0, last: (1n << 128n) - 1n });
  });

  it('refuses bad prefixes; a bare address is no CIDR', () => {
    for (const bad of [
      '10.0.0.0/33',
      'fd00::/129',
      '10.0.0.0',
      '10.0.0.0/',
      '10.0.0.0/024',
      '10.0.0.0/ 8',
      '10.0.0.0/-1',
      'fd00::/064',
      'fd00::1/64/1',
      'fe80::1%eth0/64',
      '/24',
    ]) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
  });

  it('parseCidrOrHost and normalizeCidr take a bare address as a host prefix', () => {
    expect(parseCidrOrHost('10.0.0.1')).toMatchObject({ family: 4, prefix: 32, network: 0x0a000001n });
    expect(parseCidrOrHost('fd00::1')).toMatchObject({ family: 6, prefix: 128 });
    expect(normalizeCidr('172.18.0.1/16')).toBe('172.18.0.0/16');
    expect(normalizeCidr('fd00:1::5/64')).toBe('fd00:1::/64');
    expect(normalizeCidr('10.0.0.1')).toBe('10.0.0.1/32');
    expect(normalizeCidr('10.0.0.0/33')).toBeUndefined();
  });

  it('tests containment and overlap within a family only', () => {
    const a = parseCidr('172.17.0.0/16')!;
    expect(cidrOverlaps(a, parseCidr('172.17.5.0/24')!)).toBe(true);
    expect(cidrOverlaps(a, parseCidr('172.0.0.0/8')!)).toBe(true);
    expect(cidrOverlaps(a, parseCidr('172.18.0.0/16')!)).toBe(false);
    expect(cidrOverlaps(a, parseCidr('fd00::/8')!)).toBe(false);
    expect(cidrOverlaps(parseCidr('10.0.0.0/8')!, parseCidr('10.5.0.0/16')!)).toBe(true);
    expect(cidrOverlaps(parseCidr('10.0.0.0/24')!, parseCidr('10.0.1.0/24')!)).toBe(false);
    expect(cidrOverlaps(parseCidr('0.0.0.0/0')!, parseCidr('::/0')!)).toBe(false);
    expect(cidrWithin(parseCidr('172.17.5.0/24')!, a)).toBe(true);
    expect(cidrWithin(a, parseCidr('172.17.5.0/24')!)).toBe(false);
    expect(cidrWithin(a, a)).toBe(true);
    expect(cidrContains(a, parseIP('172.17.255.255')!)).toBe(true);
    expect(cidrContains(a, parseIP('172.18.0.0')!)).toBe(false);
    // ::ffff:172.17.0.1 is an IPv6 address, not in an IPv4 prefix
    expect(cidrContains(a, parseIP('::ffff:172.17.0.1')!)).toBe(false);
  });

  it('knows network and broadcast addresses and first hosts', () => {
    const c = parseCidr('10.0.0.0/24')!;
    expect(isNetworkOrBroadcast(c, parseIP('10.0.0.0')!.value)).toBe(true);
    expect(isNetworkOrBroadcast(c, parseIP('10.0.0.255')!.value)).toBe(true);
    expect(isNetworkOrBroadcast(c, parseIP('10.0.0.1')!.value)).toBe(false);
    expect(isNetworkOrBroadcast(parseCidr('10.0.0.0/31')!, parseIP('10.0.0.0')!.value)).toBe(false);
    const s = parseCidr('192.168.1.0/24')!;
    expect(formatIP(4, firstHost(s))).toBe('192.168.1.1');
    expect(isNetworkOrBroadcast(s, parseIP('192.168.1.254')!.value)).toBe(false);
    const p2p = parseCidr('10.0.0.0/31')!;
    expect(isNetworkOrBroadcast(p2p, p2p.network)).toBe(false);
    expect(formatIP(4, firstHost(p2p))).toBe('10.0.0.0');
    const v6 = parseCidr('fd00::/64')!;
    expect(isNetworkOrBroadcast(v6, v6.network)).toBe(true);
    expect(isNetworkOrBroadcast(v6, v6.last)).toBe(false);
    expect(formatIP(6, firstHost(v6))).toBe('fd00::1');
    expect(formatIP(6, firstHost(parseCidr('fd00::/127')!))).toBe('fd00::');
  });

  it('knows default routes', () => {
    expect(isDefaultRoute('default')).toBe(true);
    expect(isDefaultRoute('default6')).toBe(true);
    expect(isDefaultRoute('0.0.0.0/0')).toBe(true);
    expect(isDefaultRoute('::/0')).toBe(true);
    expect(isDefaultRoute('10.0.0.0/8')).toBe(false);
    expect(isDefaultRoute('10.0.0.1')).toBe(false);
  });

  it('makeCidr and nthSubnet count subnets of a pool', () => {
    expect(formatAddrPrefix(makeCidr(4, 0x0a000105n, 24))).toBe('10.0.1.5/24');
    expect(formatNetwork(makeCidr(4, 0x0a000105n, 24))).toBe('10.0.1.0/24');
    const pool = parseCidr('10.0.0.0/8')!;
    expect(formatNetwork(nthSubnet(pool, 24, 0n)!)).toBe('10.0.0.0/24');
    expect(formatNetwork(nthSubnet(pool, 24, 1n)!)).toBe('10.0.1.0/24');
    expect(formatNetwork(nthSubnet(pool, 24, 65535n)!)).toBe('10.255.255.0/24');
    expect(nthSubnet(pool, 24, 65536n)).toBeUndefined();
    expect(nthSubnet(pool, 7, 0n)).toBeUndefined();
    expect(formatNetwork(nthSubnet(parseCidr('fd00::/48')!, 64, 3n)!)).toBe('fd00:0:0:3::/64');
  });
});

describe('the IPv4 fast path (issue 16: a plan at 1000 containers normalises tens of thousands of addresses)', () => {
  it('reads and writes dotted quads exactly as the library does', () => {
    let x = 0x9e3779b9;
    const texts = ['0.0.0.0', '255.255.255.255', '1.2.3.4', '10.0.0.1', '192.168.0.255', '100.64.0.1'];
    for (let i = 0; i < 2000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      texts.push([x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join('.'));
    }
    for (const t of texts) {
      const lib = new Address4(t);
      const value = lib.toArray().reduce((v, o) => (v << 8n) | BigInt(o), 0n);
      expect(parseIP(t), t).toEqual({ family: 4, value });
      expect(normalizeIP(t), t).toBe(lib.correctForm());
      expect(formatIP(4, value), t).toBe(lib.correctForm());
      for (const p of [0, 8, 24, 31, 32]) {
        const c = parseCidr(`${t}/${p}`)!;
        expect(c.prefix).toBe(new Address4(`${t}/${p}`).subnetMask);
        expect(formatAddrPrefix(c)).toBe(`${t}/${p}`);
      }
    }
  });

  it('still refuses what the strict parser refuses', () => {
    for (const bad of ['256.0.0.1', '1.2.3.4/33', '1.2.3.4/024', '01.2.3.4', '1.2.3.4/', '1.2.3.4/a', '1.2.3.4%eth0', '-1.2.3.4']) {
      expect(parseCidrOrHost(bad), bad).toBeUndefined();
      expect(normalizeIP(bad), bad).toBeUndefined();
    }
    // mixed notation stays IPv6 (the fast path is for dotted quads only)
    expect(normalizeIP('::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1');
    expect(normalizeIP('::FFFF:0A00:0001')).toBe('::ffff:10.0.0.1');
    // the memo answers the same twice
    expect(normalizeIP('FD00::0001')).toBe('fd00::1');
    expect(normalizeIP('FD00::0001')).toBe('fd00::1');
    expect(normalizeIP('fd00::zz')).toBeUndefined();
    expect(normalizeIP('fd00::zz')).toBeUndefined();
  });
});
