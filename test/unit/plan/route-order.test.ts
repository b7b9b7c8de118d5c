// Routes in dependency order within a namespace: what a gateway stands on is made
// first and removed last, so a router converges in one pass.
import { describe, expect, it } from 'vitest';
import { orderChanges } from '../../../src/plan/diff.js';
import { renderIp as render } from '../../../src/render/ip.js';
import type { Change } from '../../../src/model/plan.js';
import type { RouteRes } from '../../../src/model/resources.js';

const route = (ns: string, dst: string, via?: string, dev?: string): RouteRes => ({
  kind: 'route',
  key: `route:${ns}/${dst}`,
  ns,
  dst,
  owned: true,
  ...(via ? { via } : {}),
  ...(dev ? { dev } : {}),
});
const make = (r: RouteRes): Change => ({ action: 'create', key: r.key, after: r, reason: 'declared' });
const drop = (r: RouteRes): Change => ({ action: 'delete', key: r.key, before: r, reason: 'no longer declared' });

describe('route order', () => {
  it("a route via a Link's /32 peer comes after the peer route, though its key sorts first", () => {
    const changes = [make(route('r1', '10.0.0.0/8', '10.1.1.2')), make(route('r1', '10.1.1.2/32', undefined, 'p0')), make(route('r1', 'default', '10.1.1.2'))];
    const keys = orderChanges(changes).map((c) => c.key);
    expect(keys[0]).toBe('route:r1/10.1.1.2/32');
    const lines = render(orderChanges(changes), [])
      .nsPost.get('r1')!
      .map((l) => l.text);
    expect(lines[0]).toBe('route replace 10.1.1.2/32 dev p0 proto 77');
    expect(lines.slice(1).every((l) => l.includes('via 10.1.1.2'))).toBe(true);
  });
  it('chains of routes: each after the one its gateway stands on; other namespaces untouched', () => {
    const changes = [
      make(route('r', '10.1.0.0/16', '10.7.0.1')),
      make(route('r', '10.7.0.0/24', '10.9.0.1')),
      make(route('r', '10.9.0.1/32', undefined, 'eth0')),
      make(route('s', '10.0.0.0/8', '10.9.0.1')),
    ];
    const keys = orderChanges(changes).map((c) => c.key);
    expect(keys.filter((k) => k.startsWith('route:r/'))).toEqual(['route:r/10.9.0.1/32', 'route:r/10.7.0.0/24', 'route:r/10.1.0.0/16']);
  });
  it('removal goes the other way: a route before the one its gateway stands on', () => {
    const changes = [drop(route('r1', '10.1.1.2/32', undefined, 'p0')), drop(route('r1', '10.9.0.0/16', '10.1.1.2'))];
    expect(orderChanges(changes).map((c) => c.key)).toEqual(['route:r1/10.9.0.0/16', 'route:r1/10.1.1.2/32']);
  });
  it('IPv6 and a cycle do not break the order', () => {
    const changes = [
      make(route('r', 'default6', 'fd00::2')),
      make(route('r', 'fd00::2/128', undefined, 'p0')),
      make(route('r', '10.1.0.0/16', '10.2.0.1')),
      make(route('r', '10.2.0.0/16', '10.1.0.1')),
    ];
    const keys = orderChanges(changes).map((c) => c.key);
    expect(keys.indexOf('route:r/fd00::2/128')).toBeLessThan(keys.indexOf('route:r/default6'));
    expect(keys).toHaveLength(4);
  });
});
