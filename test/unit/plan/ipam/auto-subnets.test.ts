// Automatic subnets: Docker's pools in order, kept while the kernel has them, never
// over a declared subnet or a foreign route.
import { describe, expect, it } from 'vitest';
import { chooseAutoSubnets } from '../../../../src/plan/ipam/auto-subnets.js';

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
