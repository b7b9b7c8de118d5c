// A conflict blocks only what it touches: the pure hold-back logic (src/plan/hold-back.ts)
// through diff, on hand-built topologies.
import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/plan/desired.js';
import { diff } from '../../../src/plan/diff.js';
import { blocksAll, dependents, holdBack } from '../../../src/plan/hold-back.js';
import type { Plan } from '../../../src/model/plan.js';
import type { Resource } from '../../../src/model/resources.js';
import { container, observedFrom, topology } from './fixtures.js';

const RESOLV = 'nameserver 10.0.0.2\n';
const topo = topology([container('web', '172.18.0.10'), container('app', '172.18.0.11')]);
const desired = buildDesired(topo, RESOLV, { firewall: true });
const all = () => [...desired.resources.values()];
const keys = (p: Plan) => p.changes.map((c) => c.key);

describe('hold back', () => {
  it("an unowned interface with the name of one container's host veth holds back that pair, its address and route; the rest converges", () => {
    // the user's own dummy where netkeeper would make app's host end
    const observed = observedFrom([]);
    observed.resources.set('link:host/nkapp0', { kind: 'link', key: 'link:host/nkapp0', ns: 'host', owned: false, ifname: 'nkapp0', type: 'dummy', up: true });
    const plan = diff(desired, observed, { prune: true });
    expect(plan.conflicts).toHaveLength(1);
    const c = plan.conflicts[0];
    expect(c).toMatchObject({ code: 'unowned-in-the-way', object: 'interface nkapp0 (veth to namespace app, eth0)', keys: ['link:host/nkapp0'] });
    expect(c.message).toBe("interface nkapp0 exists and is not netkeeper's; remove or rename it, or change the files");
    expect([...c.heldBack!].sort()).toEqual(['addr:app/eth0/172.18.0.11/24', 'link:app/eth0', 'link:host/nkapp0', 'route:app/default']);
    expect(blocksAll(plan)).toBe(false);
    // nothing of it is in the plan, nothing touches the user's dummy
    for (const k of c.heldBack!) expect(keys(plan)).not.toContain(k);
    expect(plan.changes.some((ch) => ch.before?.key === 'link:host/nkapp0')).toBe(false);
    // everything else is: web whole, app's namespace and files, the bridge, the firewall
    for (const k of [
      'netns:web',
      'link:host/nkweb0',
      'link:web/eth0',
      'addr:web/eth0/172.18.0.10/24',
      'route:web/default',
      'netns:app',
      'file:/etc/netns/app/hosts',
      'link:host/br-frontend',
    ])
      expect(keys(plan)).toContain(k);
    const fw = plan.changes.filter((ch) => ch.key.startsWith('chain:') || ch.key.startsWith('hook:'));
    expect(fw.length).toBe(all().filter((r) => r.kind === 'chain' || r.kind === 'hook').length);
  });

  it('an unowned namespace holds back everything in it and the veth into it; other containers converge', () => {
    const observed = observedFrom(all().filter((r) => r.ns !== 'app' && !r.key.includes('nkapp0')));
    observed.resources.set('netns:app', { kind: 'netns', key: 'netns:app', ns: 'app', owned: false, name: 'app', origin: 'named', path: '/run/netns/app' });
    // drift elsewhere: web's address flushed, a firewall chain emptied
    observed.resources.delete('addr:web/eth0/172.18.0.10/24');
    const chain = all().find((r): r is Extract<Resource, { kind: 'chain' }> => r.kind === 'chain' && r.rules.length > 0)!;
    observed.resources.set(chain.key, { ...chain, rules: [] });
    const plan = diff(desired, observed, { prune: true });
    expect(plan.conflicts.map((c) => c.message)).toEqual(["namespace app exists and is not netkeeper's; remove or rename it, or change the files"]);
    const held = plan.conflicts[0].heldBack!;
    expect(held).toEqual(
      expect.arrayContaining([
        'link:host/nkapp0',
        'link:app/eth0',
        'addr:app/eth0/172.18.0.11/24',
        'route:app/default',
        'file:/etc/netns/app/resolv.conf',
        'sysctl:app/net.ipv4.ip_forward',
      ]),
    );
    expect(held.every((k) => k.includes('app'))).toBe(true);
    expect(keys(plan)).toEqual(['addr:web/eth0/172.18.0.10/24', chain.key]);
  });

  it('an unowned bridge holds back its ports, their other ends and what is on them', () => {
    const observed = observedFrom(all());
    const br = observed.resources.get('link:host/br-frontend')!;
    observed.resources.set(br.key, { ...br, owned: false, alias: undefined } as Resource);
    observed.resources.delete('route:web/default');
    observed.resources.delete('file:/etc/netns/web/hosts');
    const plan = diff(desired, observed, { prune: true });
    expect(plan.conflicts[0].heldBack).toEqual(['route:web/default']);
    expect(keys(plan)).toEqual(['file:/etc/netns/web/hosts']);
    const held = dependents(['link:host/br-frontend'], all());
    for (const k of [
      'link:host/nkweb0',
      'link:web/eth0',
      'addr:web/eth0/172.18.0.10/24',
      'addr:host/br-frontend/172.18.0.1/24',
      'link:host/nkapp0',
      'route:app/default',
    ])
      expect(held).toContain(k);
    expect(held.has('netns:web')).toBe(false);
  });

  it('a route without a device waits for the interface whose subnet holds its gateway; a jump for its chain', () => {
    const rs: Resource[] = [
      { kind: 'link', key: 'link:r/eth1', ns: 'r', owned: true, ifname: 'eth1', type: 'veth', up: true },
      { kind: 'addr', key: 'addr:r/eth1/10.1.0.2/24', ns: 'r', owned: true, ifname: 'eth1', cidr: '10.1.0.2/24' },
      { kind: 'route', key: 'route:r/10.9.0.0/16', ns: 'r', owned: true, dst: '10.9.0.0/16', via: '10.1.0.1' },
      { kind: 'route', key: 'route:r/10.8.0.0/16', ns: 'r', owned: true, dst: '10.8.0.0/16', via: '10.2.0.1' },
      { kind: 'sysctl', key: 'sysctl:r/net.ipv4.conf.eth1.rp_filter', ns: 'r', owned: true, name: 'net.ipv4.conf.eth1.rp_filter', value: '0' },
      { kind: 'chain', key: 'chain:host/filter/NK-X', ns: 'host', owned: true, family: 'ipv4', table: 'filter', chain: 'NK-X', rules: [] },
      {
        kind: 'hook',
        key: 'hook:host/filter/FORWARD/NK-X',
        ns: 'host',
        owned: true,
        family: 'ipv4',
        table: 'filter',
        chain: 'FORWARD',
        rule: '-m comment --comment netkeeper -j NK-X',
        position: 'first',
      },
    ];
    expect([...dependents(['link:r/eth1'], rs)].sort()).toEqual([
      'addr:r/eth1/10.1.0.2/24',
      'link:r/eth1',
      'route:r/10.9.0.0/16',
      'sysctl:r/net.ipv4.conf.eth1.rp_filter',
    ]);
    expect([...dependents(['chain:host/filter/NK-X'], rs)].sort()).toEqual(['chain:host/filter/NK-X', 'hook:host/filter/FORWARD/NK-X']);
  });

  it('an adopted namespace that is gone is a warning, not a conflict, and holds back what is in it', () => {
    const t = topology([container('web', '172.18.0.10'), container('ext', '172.18.0.50', { netnsOrigin: 'adopted', netnsPath: '/proc/4242/ns/net' })]);
    const d = buildDesired(t, RESOLV);
    const observed = observedFrom([...d.resources.values()].filter((r) => r.ns !== 'ext' && !r.key.includes('nkext0')));
    const plan = diff(d, observed, { prune: true });
    expect(plan.conflicts).toEqual([]);
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings![0]).toMatchObject({ code: 'adopted-netns-gone', object: 'Container ext', keys: ['netns:ext'] });
    expect(plan.warnings![0].message).toContain('/proc/4242/ns/net no longer exists');
    expect(plan.warnings![0].heldBack).toEqual(
      expect.arrayContaining(['link:host/nkext0', 'link:ext/eth0', 'addr:ext/eth0/172.18.0.50/24', 'file:/etc/netns/ext/hosts']),
    );
    // in sync otherwise: nothing to apply
    expect(plan.changes).toEqual([]);
  });

  it('a conflict without keys blocks everything; holding back twice changes nothing', () => {
    const plan = diff(desired, observedFrom([]), { prune: true });
    const blocked: Plan = { ...plan, conflicts: [{ code: 'macvlan-parent-missing', message: 'no parent', object: 'Network lan' }] };
    expect(blocksAll(blocked)).toBe(true);
    expect(holdBack(blocked, all())).toBe(blocked);
    const observed = observedFrom([]);
    observed.resources.set('link:host/nkapp0', { kind: 'link', key: 'link:host/nkapp0', ns: 'host', owned: false, ifname: 'nkapp0', type: 'dummy', up: true });
    const once = diff(desired, observed, { prune: true });
    expect(holdBack(once, all())).toBe(once);
  });
});
