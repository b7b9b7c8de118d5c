import { describe, expect, test } from 'vitest';
import { parseLinkPort, parsePortString } from '../../../src/config/ports.js';

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

