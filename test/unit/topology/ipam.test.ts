import { describe, expect, it } from 'vitest';
import { allocate, chooseAutoSubnets, type IpamSubnet } from '../../../src/plan/ipam.js';

const v4 = (extra: Partial<IpamSubnet> = {}): IpamSubnet => ({
  subnet: '10.1.0.0/24',
  ipRange: '10.1.0.0/24',
  gateway: '10.1.0.1',
  hostHasGateway: true,
  reserved: [],
  ...extra,
});
const req = (id: string, fixed: string[] = [], keep: string[] = []) => ({ id, fixed, keep });

describe('allocate', () => {
  it('gives fixed first, keeps current addresses, then lowest free', () => {
    const r = allocate([v4()], [req('a'), req('b', [], ['10.1.0.50']), req('c', ['10.1.0.2'])]);
    expect(r.errors).toEqual([]);
    expect(r.assignments.get('c')).toEqual({ ip4: '10.1.0.2', prefix4: 24 });
    expect(r.assignments.get('b')?.ip4).toBe('10.1.0.50');
    expect(r.assignments.get('a')?.ip4).toBe('10.1.0.3');
  });

  it('does not keep an address that is the gateway, reserved, outside the range or taken', () => {
    const s = v4({ ipRange: '10.1.0.128/25', reserved: ['10.1.0.130'] });
    const r = allocate(
      [s],
      [req('a', [], ['10.1.0.1']), req('b', [], ['10.1.0.130']), req('c', [], ['10.1.0.5']), req('d', ['10.1.0.200']), req('e', [], ['10.1.0.200'])],
    );
    expect(r.errors).toEqual([]);
    const ip = (id: string) => r.assignments.get(id)?.ip4;
    // range starts at .128 (the network address of the range, but not of the subnet: usable)
    expect([ip('a'), ip('b'), ip('c'), ip('e')]).toEqual(['10.1.0.128', '10.1.0.129', '10.1.0.131', '10.1.0.132']);
    expect(ip('d')).toBe('10.1.0.200');
  });

  it('reports exhaustion once, naming who got nothing', () => {
    const r = allocate([v4({ subnet: '10.1.0.0/29', ipRange: '10.1.0.0/29' })], ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((x) => req(x)));
    // /29: .1 gateway, .0 network, .7 broadcast → .2-.6 = 5 addresses
    expect(r.assignments.get('e')?.ip4).toBe('10.1.0.6');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].code).toBe('ipam-exhausted');
    expect(r.errors[0].message).toContain('f, g');
  });

  it('refuses a fixed address twice, or the host gateway', () => {
    const r = allocate([v4()], [req('a', ['10.1.0.9']), req('b', ['10.1.0.9']), req('c', ['10.1.0.1'])]);
    expect(r.errors.map((e) => [e.id, e.code])).toEqual([
      ['b', 'ip-taken'],
      ['c', 'ip-is-gateway'],
    ]);
  });

  it('lets a member hold the gateway of an isolated network, but never hands it out', () => {
    const s = v4({ hostHasGateway: false, gateway: '10.1.0.2' });
    const r = allocate([s], [req('a'), req('router', ['10.1.0.2'])]);
    expect(r.errors).toEqual([]);
    expect(r.assignments.get('router')?.ip4).toBe('10.1.0.2');
    expect(r.assignments.get('a')?.ip4).toBe('10.1.0.1');
  });

  it('allocates IPv6 alongside IPv4', () => {
    const s6: IpamSubnet = { subnet: 'fd00:1::/64', ipRange: 'fd00:1::/64', gateway: 'fd00:1::1', hostHasGateway: true, reserved: [] };
    const r = allocate([v4(), s6], [req('a'), req('b', ['fd00:1::10'])]);
    expect(r.errors).toEqual([]);
    expect(r.assignments.get('a')).toEqual({ ip4: '10.1.0.2', prefix4: 24, ip6: 'fd00:1::2', prefix6: 64 });
    expect(r.assignments.get('b')).toEqual({ ip4: '10.1.0.3', prefix4: 24, ip6: 'fd00:1::10', prefix6: 64 });
  });
});

describe('chooseAutoSubnets', () => {
  it('takes Docker pools in order, avoiding routes, declared subnets and earlier choices', () => {
    const r = chooseAutoSubnets(
      [
        { network: 'bridge', scope: 'local' },
        { network: 'a', scope: 'local' },
        { network: 'b', scope: 'local' },
      ],
      { declared: ['172.18.0.0/24'], foreignRoutes: ['172.17.0.0/16'] },
    );
    expect(r.errors).toEqual([]);
    expect([...r.chosen.values()].map((c) => c.subnet)).toEqual(['172.19.0.0/16', '172.20.0.0/16', '172.21.0.0/16']);
  });

  it('keeps a subnet the kernel has, even when it sorts after a new one', () => {
    const r = chooseAutoSubnets(
      [
        { network: 'a', scope: 'local' },
        { network: 'b', scope: 'local', reuse: { subnet: '172.17.0.0/16', gateway: '172.17.0.1' } },
      ],
      { declared: [], foreignRoutes: [] },
    );
    expect(r.chosen.get('b')).toEqual({ subnet: '172.17.0.0/16', gateway: '172.17.0.1' });
    expect(r.chosen.get('a')?.subnet).toBe('172.18.0.0/16');
  });

  it('moves to 192.168.x.0/20 once 172.17-31 are taken, then reports exhaustion', () => {
    const routes = Array.from({ length: 15 }, (_, i) => `172.${17 + i}.0.0/16`);
    const first = chooseAutoSubnets([{ network: 'a', scope: 'local' }], { declared: [], foreignRoutes: routes });
    expect(first.chosen.get('a')?.subnet).toBe('192.168.0.0/20');
    const full = chooseAutoSubnets([{ network: 'a', scope: 'local' }], {
      declared: [],
      foreignRoutes: [...routes, '192.168.0.0/16'],
    });
    expect(full.chosen.size).toBe(0);
    expect(full.errors[0]).toMatchObject({ network: 'a', code: 'auto-subnet-exhausted' });
  });

  it('chooses overlay subnets from the config alone', () => {
    const r = chooseAutoSubnets([{ network: 'ov', scope: 'global', reuse: { subnet: '172.17.0.0/16' } }], {
      declared: ['10.0.0.0/24'],
      foreignRoutes: [],
    });
    expect(r.chosen.get('ov')).toEqual({ subnet: '10.0.1.0/24' });
    const clash = chooseAutoSubnets([{ network: 'ov', scope: 'global' }], { declared: [], foreignRoutes: ['10.0.0.0/8'] });
    expect(clash.errors[0].code).toBe('auto-subnet-route-conflict');
  });
});
