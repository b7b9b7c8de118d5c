import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatIP, formatPrefix, hostBitsSet, isUnusableHost, parseCIDR, parseIP, normalizeIP, cidrOverlap } from '../../../src/config/ip.js';
import { parseLinkPort, parsePortString } from '../../../src/config/ports.js';

describe('ip', () => {
  test('IPv4 literals, strict', () => {
    expect(parseIP('10.0.0.1')).toEqual({ family: 4, value: 0x0a000001n });
    for (const bad of ['10.0.0', '10.0.0.256', '010.0.0.1', '1.2.3.4.5', ' 1.2.3.4', '']) expect(parseIP(bad), bad).toBeNull();
  });
  test('IPv6 literals and canonical text (RFC 5952)', () => {
    expect(normalizeIP('FD00:0:0:0:0:0:0:1')).toBe('fd00::1');
    expect(normalizeIP('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(normalizeIP('::')).toBe('::');
    expect(normalizeIP('::ffff:1.2.3.4')).toBe('::ffff:102:304');
    expect(normalizeIP('1:2:3:4:5:6:7:8')).toBe('1:2:3:4:5:6:7:8');
    expect(normalizeIP('1:0:3:4:5:6:7:8')).toBe('1:0:3:4:5:6:7:8');
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', '12345::', ':1:2', '1:2:3:4:5:6:7::8']) expect(parseIP(bad), bad).toBeNull();
  });
  test('CIDRs', () => {
    const c = parseCIDR('172.18.0.1/24')!;
    expect(hostBitsSet(c)).toBe(true);
    expect(formatPrefix(c)).toBe('172.18.0.0/24');
    expect(parseCIDR('10.0.0.0/33')).toBeNull();
    expect(parseCIDR('10.0.0.0')).toBeNull();
    expect(formatPrefix(parseCIDR('fd00:1::5/64')!)).toBe('fd00:1::/64');
    expect(cidrOverlap(parseCIDR('10.0.0.0/8')!, parseCIDR('10.5.0.0/16')!)).toBe(true);
    expect(cidrOverlap(parseCIDR('10.0.0.0/24')!, parseCIDR('10.0.1.0/24')!)).toBe(false);
  });
  test('network and broadcast addresses', () => {
    const c = parseCIDR('10.0.0.0/24')!;
    expect(isUnusableHost(c, parseIP('10.0.0.0')!)).toBe(true);
    expect(isUnusableHost(c, parseIP('10.0.0.255')!)).toBe(true);
    expect(isUnusableHost(c, parseIP('10.0.0.1')!)).toBe(false);
    expect(isUnusableHost(parseCIDR('10.0.0.0/31')!, parseIP('10.0.0.0')!)).toBe(false);
    expect(formatIP(4, 0xffffffffn)).toBe('255.255.255.255');
  });
});

describe('ports', () => {
  test('every SPEC form', () => {
    expect(parsePortString('8080:80')).toEqual({ ok: true, value: { hostPort: 8080, hostPortEnd: 8080, containerPort: 80, containerPortEnd: 80, protocol: 'tcp' } });
    expect(parsePortString('127.0.0.1:5353:53/udp')).toEqual({
      ok: true,
      value: { hostIP: '127.0.0.1', hostPort: 5353, hostPortEnd: 5353, containerPort: 53, containerPortEnd: 53, protocol: 'udp' },
    });
    expect(parsePortString('9000-9003:9000-9003')).toMatchObject({ ok: true, value: { hostPort: 9000, hostPortEnd: 9003, containerPort: 9000, containerPortEnd: 9003 } });
    expect(parsePortString('[::1]:80:80')).toMatchObject({ ok: true, value: { hostIP: '::1' } });
  });
  test('refusals', () => {
    for (const bad of ['80', '80/udp', '1.2.3.4:80', 'a:80', '80:80/TCP', '80:80:80:80', '[1.2.3.4]:80:80', '::1:80:80']) {
      expect(parsePortString(bad).ok, bad).toBe(false);
    }
  });
  test('link ports', () => {
    expect(parseLinkPort(5432)).toEqual({ port: 5432, protocol: 'tcp' });
    expect(parseLinkPort('53/udp')).toEqual({ port: 53, protocol: 'udp' });
    expect(typeof parseLinkPort('0')).toBe('string');
  });
});

test('src/config is pure: no fs, child_process, execa, chokidar, pino, clock or environment', () => {
  const dir = join(import.meta.dirname, '../../../src/config');
  for (const f of readdirSync(dir)) {
    const text = readFileSync(join(dir, f), 'utf8');
    expect(text, f).not.toMatch(/from ['"](node:)?(fs|fs\/promises|child_process|os)['"]|from ['"](execa|chokidar|pino)['"]/);
    expect(text, f).not.toMatch(/process\.env|Date\.now|new Date\(|performance\.now/);
  }
});
