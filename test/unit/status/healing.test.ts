// Drift healed by a watcher pass, per object, in status's words.
import { describe, expect, it } from 'vitest';
import { formatHealings, healingsOf, keepHealings, MAX_HEALINGS } from '../../../src/status/healing.js';
import type { Change } from '../../../src/model/plan.js';
import type { Resource } from '../../../src/model/resources.js';

const addr: Resource = { kind: 'addr', key: 'addr:db/eth0/10.66.0.20/24', ns: 'db', owned: true, ifname: 'eth0', cidr: '10.66.0.20/24' };
const fdb: Resource = {
  kind: 'fdb',
  key: 'fdb:host/vx-o/02:42:0a:00:00:05',
  ns: 'host',
  owned: true,
  dev: 'vx-o',
  mac: '02:42:0a:00:00:05',
  dst: '192.0.2.2',
} as Resource;
const create = (r: Resource): Change => ({ action: 'create', key: r.key, after: r, reason: 'declared' });

describe('healingsOf', () => {
  it('one entry per object, only for changes that succeeded', () => {
    const plan = { changes: [create(addr), create(fdb)], conflicts: [] };
    const hs = healingsOf(plan, { observed: [], desired: [] }, new Set([addr.key]), '2026-01-01T00:00:00.000Z', 7);
    expect(hs).toEqual([{ at: '2026-01-01T00:00:00.000Z', pass: 7, object: 'Container db', what: ['missing address 10.66.0.20'] }]);
    expect(formatHealings(hs)).toEqual(['healed drift (newest first):', '  2026-01-01T00:00:00.000Z pass #7: Container db: missing address 10.66.0.20']);
    const both = healingsOf(plan, { observed: [], desired: [] }, new Set([addr.key, fdb.key]), 'x', 8);
    expect(both.map((h) => `${h.object}: ${h.what.join(', ')}`)).toContain('Host settings: missing forwarding entry 02:42:0a:00:00:05 via 192.0.2.2');
  });
  it('keeps the newest MAX_HEALINGS', () => {
    const one = (n: number) => ({ at: String(n), pass: n, object: 'Container a', what: ['x'] });
    let kept = keepHealings(undefined, [one(1)]);
    for (let i = 2; i <= 30; i++) kept = keepHealings(kept, [one(i)]);
    expect(kept).toHaveLength(MAX_HEALINGS);
    expect(kept[0].pass).toBe(30);
  });
});
