import { describe, expect, test } from 'vitest';
import { parseLinkPort, parsePortString } from '../../../src/config/ports.js';
import { PORT_STRING_PATTERN } from '../../../src/config/schemas.js';

describe('ports', () => {
  test('every SPEC form', () => {
    expect(parsePortString('8080:80')).toEqual({
      ok: true,
      value: { hostPort: 8080, hostPortEnd: 8080, containerPort: 80, containerPortEnd: 80, protocol: 'tcp' },
    });
    expect(parsePortString('127.0.0.1:5353:53/udp')).toEqual({
      ok: true,
      value: { hostIP: '127.0.0.1', hostPort: 5353, hostPortEnd: 5353, containerPort: 53, containerPortEnd: 53, protocol: 'udp' },
    });
    expect(parsePortString('9000-9003:9000-9003')).toMatchObject({
      ok: true,
      value: { hostPort: 9000, hostPortEnd: 9003, containerPort: 9000, containerPortEnd: 9003 },
    });
    expect(parsePortString('[::1]:80:80')).toMatchObject({ ok: true, value: { hostIP: '::1' } });
  });
  test('refusals', () => {
    for (const bad of ['1.2.3.4:80', 'a:80', '80:80/TCP', '80:80:80:80', '[1.2.3.4]:80:80', '::1:80:80', '[::1]:80', ':80', '1.2.3.4::x', 'x']) {
      expect(parsePortString(bad).ok, bad).toBe(false);
    }
  });
  test('without a host port, as with docker run -p 80: the host port is chosen (auto)', () => {
    const auto = (hostIP: string | undefined, a: number, b: number, protocol = 'tcp') => ({
      ok: true,
      value: { ...(hostIP ? { hostIP } : {}), hostPort: 0, hostPortEnd: 0, auto: true, containerPort: a, containerPortEnd: b, protocol },
    });
    expect(parsePortString('80')).toEqual(auto(undefined, 80, 80));
    expect(parsePortString('80/udp')).toEqual(auto(undefined, 80, 80, 'udp'));
    expect(parsePortString('127.0.0.1::80')).toEqual(auto('127.0.0.1', 80, 80));
    expect(parsePortString('[::]::53/udp')).toEqual(auto('::', 53, 53, 'udp'));
    expect(parsePortString('[FD99::1]::80')).toEqual(auto('fd99::1', 80, 80));
    expect(parsePortString('9000-9003')).toEqual(auto(undefined, 9000, 9003));
    expect(parsePortString('0')).toMatchObject({ ok: false, message: 'port "0": container port 0 is outside 1-65535' });
  });
  test('every accepted string matches the schema pattern and every refused one does not', () => {
    const re = new RegExp(PORT_STRING_PATTERN);
    for (const good of ['80', '80/udp', '127.0.0.1::80', '[::]::80', '[fd99::1]:8095:80', '8080:80', '1.2.3.4:8080:80/udp', '9000-9003'])
      expect(re.test(good), good).toBe(true);
    for (const bad of ['1.2.3.4:80', ':80', 'a:80', '[::1]:80', '80:80:80:80']) expect(re.test(bad), bad).toBe(false);
  });
  test('link ports', () => {
    expect(parseLinkPort(5432)).toEqual({ port: 5432, protocol: 'tcp' });
    expect(parseLinkPort('53/udp')).toEqual({ port: 53, protocol: 'udp' });
    expect(typeof parseLinkPort('0')).toBe('string');
  });
});
