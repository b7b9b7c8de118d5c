import { describe, expect, it } from 'vitest';
import type { Config, ContainerSpec } from '../../../src/model/config.js';
import type { FdbRes, NeighRes, Resource } from '../../../src/model/resources.js';
import type { Topology } from '../../../src/model/topology.js';
import { buildTopology } from '../../../src/plan/topology/index.js';
import { buildDesired } from '../../../src/plan/desired.js';
import { diff } from '../../../src/plan/diff.js';
import { FLOOD_MAC, buildOverlay, overlayMembers } from '../../../src/plan/overlay.js';
import { att, config, host, net, observed, on } from './topology/fixtures.js';

const A = '192.168.1.1';
const B = '192.168.1.2';
const C = '192.168.1.3';
const hosts = [host('node-a', A), host('node-b', B), host('node-c', C)];
const ov = net('ov', { driver: 'overlay', vni: 4097, subnets: [{ subnet: '10.50.0.0/24' }] });

function topo(cfg: Config, self: string): Topology {
  const r = buildTopology(cfg, observed([], { hostname: self }), self);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const fdbs = (rs: Resource[]) =>
  rs
    .filter((r): r is FdbRes => r.kind === 'fdb')
    .map((r) => `${r.dev} ${r.mac} ${r.master ? 'master' : r.dst}`)
    .sort();
const neighs = (rs: Resource[]) =>
  rs
    .filter((r): r is NeighRes => r.kind === 'neigh')
    .map((r) => `${r.dev} ${r.ip} ${r.mac}`)
    .sort();

/** a1, a2 on node-a; b1 on node-b; c1 on node-c; fixed addresses so nothing renumbers */
function cluster(extra: ContainerSpec[] = [], nets = [ov]): Config {
  return config({
    networks: nets,
    hosts,
    containers: [
      on('a1', [att('ov', { ip: '10.50.0.11' })], { host: 'node-a' }),
      on('a2', [att('ov', { ip: '10.50.0.12' })], { host: 'node-a' }),
      on('b1', [att('ov', { ip: '10.50.0.21' })], { host: 'node-b' }),
      on('c1', [att('ov', { ip: '10.50.0.31' })], { host: 'node-c' }),
      ...extra,
    ],
  });
}

describe('overlay entries', () => {
  it('program every remote container (FDB to its host, permanent neighbour) and a flood entry per peer host', () => {
    const rs = buildOverlay(topo(cluster(), 'node-a'));
    expect(fdbs(rs)).toEqual([
      `vx-ov ${FLOOD_MAC} ${B}`,
      `vx-ov ${FLOOD_MAC} ${C}`,
      `vx-ov 02:42:0a:32:00:15 ${B}`,
      'vx-ov 02:42:0a:32:00:15 master',
      `vx-ov 02:42:0a:32:00:1f ${C}`,
      'vx-ov 02:42:0a:32:00:1f master',
    ]);
    expect(neighs(rs)).toEqual(['vx-ov 10.50.0.21 02:42:0a:32:00:15', 'vx-ov 10.50.0.31 02:42:0a:32:00:1f']);
    expect(rs.every((r) => r.ns === 'host' && r.owned)).toBe(true);
    expect(rs.map((r) => r.key)).toContain(`fdb:host/vx-ov/02:42:0a:32:00:15/${B}`);
    expect(rs.map((r) => r.key)).toContain('neigh:host/vx-ov/10.50.0.21');
    expect(rs.map((r) => r.key)).toContain('fdb:host/vx-ov/02:42:0a:32:00:15/master');
  });

  it("never programs a host's own containers, and every host sees the others", () => {
    const cfg = cluster();
    const onB = buildOverlay(topo(cfg, 'node-b'));
    expect(neighs(onB)).toEqual(['vx-ov 10.50.0.11 02:42:0a:32:00:0b', 'vx-ov 10.50.0.12 02:42:0a:32:00:0c', 'vx-ov 10.50.0.31 02:42:0a:32:00:1f']);
    expect(fdbs(onB).filter((f) => f.includes(B))).toEqual([]);
    // per host: 3 entries per remote container + 1 per peer host, not containers²
    for (const [self, remote, peers] of [
      ['node-a', 2, 2],
      ['node-b', 3, 2],
      ['node-c', 3, 2],
    ] as const) {
      expect(buildOverlay(topo(cfg, self))).toHaveLength(remote * 3 + peers);
    }
  });

  it('floods only to hosts that have members on the network', () => {
    const cfg = config({
      networks: [ov],
      hosts,
      containers: [on('a1', [att('ov')], { host: 'node-a' }), on('b1', [att('ov')], { host: 'node-b' })],
    });
    expect(fdbs(buildOverlay(topo(cfg, 'node-a'))).filter((f) => f.includes(FLOOD_MAC))).toEqual([`vx-ov ${FLOOD_MAC} ${B}`]);
    // a host without members still knows where the members are
    expect(fdbs(buildOverlay(topo(cfg, 'node-c'))).filter((f) => f.includes(FLOOD_MAC))).toEqual([`vx-ov ${FLOOD_MAC} ${A}`, `vx-ov ${FLOOD_MAC} ${B}`]);
  });

  it("bridge and macvlan networks get no entries; only the overlay's members count", () => {
    const front = net('front', { subnets: [{ subnet: '10.1.0.0/24' }] });
    const lan = net('lan', { driver: 'macvlan', parent: 'eth0', subnets: [{ subnet: '192.168.9.0/24' }] });
    const cfg = cluster([on('b2', [att('front'), att('lan')], { host: 'node-b' })], [ov, front, lan]);
    const rs = buildOverlay(topo(cfg, 'node-a'));
    expect(rs.every((r) => 'dev' in r && r.dev === 'vx-ov')).toBe(true);
    expect(neighs(rs)).toHaveLength(2);
    expect(fdbs(rs)).toHaveLength(6);
  });

  it('IPv6 addresses get neighbour entries too; fixed MACs are lowercased', () => {
    const dual = net('ov', {
      driver: 'overlay',
      vni: 4097,
      subnets: [{ subnet: '10.50.0.0/24' }, { subnet: 'fd00:50::/64' }],
    });
    const cfg = config({
      networks: [dual],
      hosts,
      containers: [
        on('a1', [att('ov', { ip: '10.50.0.11' })], { host: 'node-a' }),
        on('b1', [att('ov', { ip: '10.50.0.21', ip6: 'fd00:50::21', mac: '02:AA:BB:CC:DD:EE' })], { host: 'node-b' }),
      ],
    });
    const rs = buildOverlay(topo(cfg, 'node-a'));
    expect(neighs(rs)).toEqual(['vx-ov 10.50.0.21 02:aa:bb:cc:dd:ee', 'vx-ov fd00:50::21 02:aa:bb:cc:dd:ee']);
    expect(fdbs(rs)).toContain(`vx-ov 02:aa:bb:cc:dd:ee ${B}`);
  });

  it('lists members with their hosts for status', () => {
    const t = topo(cluster(), 'node-a');
    const m = overlayMembers(t, t.networks.find((n) => n.name === 'ov')!);
    expect(m.map((x) => [x.container, x.host, x.hostAddress, x.local, x.ip4])).toEqual([
      ['a1', 'node-a', A, true, '10.50.0.11'],
      ['a2', 'node-a', A, true, '10.50.0.12'],
      ['b1', 'node-b', B, false, '10.50.0.21'],
      ['c1', 'node-c', C, false, '10.50.0.31'],
    ]);
  });
});

/** The plan a converged host gets when the files change from `before` to `after`. */
function replan(before: Config, after: Config, self: string) {
  const now = buildDesired(topo(before, self), '', { overlay: true });
  const want = buildDesired(topo(after, self), '', { overlay: true });
  const obs = observed([...now.resources.values()], { hostname: self });
  return diff(want, obs, { prune: true }).changes;
}

const l2 = (cs: { key: string; action: string }[]) =>
  cs
    .filter((c) => c.key.startsWith('fdb:') || c.key.startsWith('neigh:'))
    .map((c) => `${c.action} ${c.key}`)
    .sort();

describe('overlay changes', () => {
  it('a container that moves changes a handful of entries, not a rebuild', () => {
    const before = cluster();
    const after = cluster();
    after.containers = after.containers.map((c) => (c.name === 'a2' ? { ...c, host: 'node-b' } : c));
    // an uninvolved host: one FDB entry re-pointed
    expect(l2(replan(before, after, 'node-c'))).toEqual([`create fdb:host/vx-ov/02:42:0a:32:00:0c/${B}`, `delete fdb:host/vx-ov/02:42:0a:32:00:0c/${A}`]);
    // the host it left: it is remote now
    expect(l2(replan(before, after, 'node-a'))).toEqual([
      `create fdb:host/vx-ov/02:42:0a:32:00:0c/${B}`,
      'create fdb:host/vx-ov/02:42:0a:32:00:0c/master',
      'create neigh:host/vx-ov/10.50.0.12',
    ]);
    // the host it joined: it is local now
    expect(l2(replan(before, after, 'node-b'))).toEqual([
      `delete fdb:host/vx-ov/02:42:0a:32:00:0c/${A}`,
      'delete fdb:host/vx-ov/02:42:0a:32:00:0c/master',
      'delete neigh:host/vx-ov/10.50.0.12',
    ]);
  });

  it('a host that leaves the network loses its entries (and flood entry) everywhere', () => {
    const before = cluster();
    const after = cluster();
    after.containers = after.containers.filter((c) => c.host !== 'node-c');
    expect(l2(replan(before, after, 'node-a'))).toEqual([
      `delete fdb:host/vx-ov/${FLOOD_MAC}/${C}`,
      `delete fdb:host/vx-ov/02:42:0a:32:00:1f/${C}`,
      'delete fdb:host/vx-ov/02:42:0a:32:00:1f/master',
      'delete neigh:host/vx-ov/10.50.0.31',
    ]);
  });

  it('a converged host plans nothing', () => {
    const cfg = cluster();
    for (const self of ['node-a', 'node-b', 'node-c']) expect(replan(cfg, cfg, self)).toEqual([]);
  });
});
