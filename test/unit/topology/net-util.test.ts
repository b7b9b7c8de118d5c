import { describe, expect, it } from 'vitest';
import {
  cidrOverlaps,
  firstHost,
  formatIP,
  isDefaultRoute,
  isNetworkOrBroadcast,
  normalizeCidr,
  normalizeIP,
  parseCidr,
  parseIP,
} from '../../../src/plan/net-util.js';

describe('net-util', () => {
  it('parses and formats IPv4', () => {
    expect(parseIP('172.18.0.10')).toEqual({ family: 4, value: 0xac12000an });
    expect(formatIP(4, 0xac12000an)).toBe('172.18.0.10');
    for (const bad of ['1.2.3', '1.2.3.256', '1.2.3.4.5', 'a.b.c.d', '']) expect(parseIP(bad)).toBeUndefined();
  });

  it('formats IPv6 canonically (RFC 5952)', () => {
    expect(normalizeIP('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normalizeIP('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(normalizeIP('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(normalizeIP('::')).toBe('::');
    expect(normalizeIP('::1')).toBe('::1');
    expect(normalizeIP('fe80::')).toBe('fe80::');
    expect(normalizeIP('::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1');
    expect(normalizeIP('1::2::3')).toBeUndefined();
    expect(normalizeIP('1:2:3:4:5:6:7:8:9')).toBeUndefined();
  });

  it('normalizes CIDRs and tests overlap', () => {
    expect(normalizeCidr('172.18.0.1/16')).toBe('172.18.0.0/16');
    expect(normalizeCidr('fd00:1::5/64')).toBe('fd00:1::/64');
    expect(normalizeCidr('10.0.0.1')).toBe('10.0.0.1/32');
    expect(normalizeCidr('10.0.0.0/33')).toBeUndefined();
    const a = parseCidr('172.17.0.0/16')!;
    expect(cidrOverlaps(a, parseCidr('172.17.5.0/24')!)).toBe(true);
    expect(cidrOverlaps(a, parseCidr('172.0.0.0/8')!)).toBe(true);
    expect(cidrOverlaps(a, parseCidr('172.18.0.0/16')!)).toBe(false);
    expect(cidrOverlaps(a, parseCidr('fd00::/8')!)).toBe(false);
  });

  it('knows default routes, first hosts, network and broadcast addresses', () => {
    expect(isDefaultRoute('default')).toBe(true);
    expect(isDefaultRoute('0.0.0.0/0')).toBe(true);
    expect(isDefaultRoute('::/0')).toBe(true);
    expect(isDefaultRoute('10.0.0.0/8')).toBe(false);
    const s = parseCidr('192.168.1.0/24')!;
    expect(formatIP(4, firstHost(s))).toBe('192.168.1.1');
    expect(isNetworkOrBroadcast(s, parseIP('192.168.1.0')!.value)).toBe(true);
    expect(isNetworkOrBroadcast(s, parseIP('192.168.1.255')!.value)).toBe(true);
    expect(isNetworkOrBroadcast(s, parseIP('192.168.1.254')!.value)).toBe(false);
    const p2p = parseCidr('10.0.0.0/31')!;
    expect(isNetworkOrBroadcast(p2p, p2p.network)).toBe(false);
    expect(formatIP(4, firstHost(p2p))).toBe('10.0.0.0');
  });
});
