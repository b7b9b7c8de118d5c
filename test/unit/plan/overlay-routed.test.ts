// Routed overlays (Network `fabric: routed`), the pure side: the rules on the file,
// the per-host subnets in the store (src/plan/fleet-routed.ts), and what one host
// builds from them (src/plan/overlay-routed.ts, the firewall's share).
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import type { Config } from '../../../src/model/config.js';
import type { Resource } from '../../../src/model/resources.js';
import { buildTopology } from '../../../src/plan/topology/index.js';
import { buildDesired } from '../../../src/plan/desired.js';
import { wantedClaims, type Membership } from '../../../src/plan/fleet.js';
import { candidateSubnets, mergeFleet, parseSubnets, planSubnets, routedNetworks, vtepMac, type FleetSubnet } from '../../../src/plan/fleet-routed.js';

const NET = 'kind: Network\nname: ov\ndriver: overlay\nvni: 4700\nfabric: routed\nhostSubnetSize: 24\nsubnets:\n  - subnet: 10.70.0.0/16\n';
const host = (n: string, a: string) => `---\nkind: Host\nname: ${n}\naddress: ${a}\n`;
const ctr = (n: string, ip?: string) => `---\nkind: Container\nname: ${n}\nnetworks:\n  - network: ov\n${ip ? `    ip: ${ip}\n` : ''}`;

function parse(text: string) {
  return parseConfig([{ path: 'networks.d/x.yaml', text }]);
}
function cfg(text: string): Config {
  const r = parse(text);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}
const noKernel = { resources: new Map(), facts: { foreignRoutes: [], resolvConf: '', hostname: 'a', linkMtu: {} } };

const sub = (host: string, subnet: string): FleetSubnet => ({ network: 'ov', subnet, host, vtepMac: vtepMac('ov', host) });
const membership = (subnets: FleetSubnet[]): Membership => ({
  hosts: [
    { name: 'a', address: '192.168.70.1', vteps: [] },
    { name: 'b', address: '192.168.70.2', vteps: [] },
    { name: 'c', address: '192.168.70.3', vteps: [] },
  ],
  claims: [],
  subnets,
});

describe('the file: fabric and hostSubnetSize', () => {
  it('a routed overlay takes exactly one IPv4 subnet larger than its host subnets, without gateway or ipRange', () => {
    expect(parse(NET).ok).toBe(true);
    const codes = (t: string) => {
      const r = parse(t);
      return r.ok ? [] : r.errors.map((e) => `${e.code}: ${e.message}`);
    };
    expect(codes(NET.replace('10.70.0.0/16', '10.70.0.0/24'))).toEqual([
      'routed-subnet: a routed overlay splits its subnet into per-host /24 subnets: 10.70.0.0/24 must be larger (a shorter prefix) than /24',
    ]);
    expect(codes(NET.replace('  - subnet: 10.70.0.0/16\n', '  - subnet: 10.70.0.0/16\n    gateway: 10.70.0.1\n'))[0]).toMatch(
      /^routed-subnet: .*takes no gateway/,
    );
    expect(codes(NET.replace('  - subnet: 10.70.0.0/16\n', '  - subnet: 10.70.0.0/16\n  - subnet: 10.71.0.0/16\n'))[0]).toMatch(
      /^routed-subnet: a routed overlay needs exactly one IPv4 subnet .* it has 2/,
    );
    expect(codes(NET.replace('10.70.0.0/16', 'fd70::/48'))[0]).toMatch(/^routed-subnet: a routed overlay is IPv4 only/);
    expect(codes('kind: Network\nname: br\nfabric: routed\n')[0]).toMatch(/^driver-field: "fabric" applies only to overlay networks, and this one is bridge/);
    expect(codes('kind: Network\nname: ov\ndriver: overlay\nvni: 9\nhostSubnetSize: 24\n')[0]).toMatch(
      /^driver-field: "hostSubnetSize" applies only to routed overlays/,
    );
  });

  it('without a store a routed overlay is refused with the reason (routed-needs-store), nothing planned', () => {
    const t = buildTopology(cfg(NET + host('a', '192.168.70.1') + ctr('web')), noKernel, 'a');
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.errors.map((e) => e.code)).toEqual(['routed-needs-store']);
  });
});

describe('per-host subnets in the store', () => {
  it('parses subnet keys and skips malformed ones', () => {
    const kvs = [
      { key: '/nk/subnets/ov/10.70.3.0-24', value: JSON.stringify({ host: 'b', vtepMac: '02:AA:BB:CC:DD:EE' }) },
      { key: '/nk/subnets/ov/10.70.4.0-24', value: 'nope' },
      { key: '/nk/subnets/ov/10.70.5.0-24', value: JSON.stringify({ host: 'c' }) },
      { key: '/nk/claims/ov/10.70.0.9', value: '{}' },
    ];
    expect(parseSubnets(kvs, '/nk')).toEqual([{ network: 'ov', subnet: '10.70.3.0/24', host: 'b', vtepMac: '02:aa:bb:cc:dd:ee' }]);
  });

  it("a host's first choice is stable (hashed from its name), different hosts mostly differ, and every slot is a candidate once", () => {
    const n = routedNetworks(cfg(NET))[0];
    const first = (h: string) => candidateSubnets(n, h).next().value;
    expect(first('a')).toBe(first('a'));
    expect(new Set(['a', 'b', 'c', 'd', 'e'].map(first)).size).toBeGreaterThan(3);
    const all = [...candidateSubnets(n, 'a')];
    expect(all.length).toBe(256);
    expect(new Set(all).size).toBe(256);
    expect(all.every((s) => /^10\.70\.\d+\.0\/24$/.test(s))).toBe(true);
  });

  it('keeps a fitting own subnet, claims one when there is none (skipping those others hold), releases what no longer fits', () => {
    const c = cfg(NET);
    expect(planSubnets(c, [sub('a', '10.70.9.0/24')], 'a')).toMatchObject({ keep: [sub('a', '10.70.9.0/24')], claim: [], release: [] });
    const p = planSubnets(c, [sub('b', '10.70.1.0/24')], 'a');
    expect(p.keep).toEqual([]);
    expect(p.claim.map((x) => [x.network.name, [...x.taken]])).toEqual([['ov', ['10.70.1.0/24']]]);
    // resized network, a second own subnet, a network no longer routed: released
    const stale = [sub('a', '10.70.9.0/25'), sub('a', '10.70.8.0/24'), sub('a', '10.70.7.0/24'), { ...sub('a', '10.70.6.0/24'), network: 'gone' }];
    const q = planSubnets(c, stale, 'a');
    expect(q.keep).toEqual([sub('a', '10.70.8.0/24')]);
    expect(q.release).toEqual([stale[0], stale[2], stale[3]]);
  });
});

describe('one host of a routed overlay', () => {
  const files = cfg(NET + host('a', '192.168.70.1') + ctr('web') + ctr('api', '10.70.1.50'));
  const m = membership([sub('a', '10.70.1.0/24'), sub('b', '10.70.2.0/24'), sub('c', '10.70.3.0/24'), sub('gone', '10.70.4.0/24')]);
  const merged = mergeFleet(files, m, 'a').config;
  const t = buildTopology(merged, noKernel, 'a');
  if (!t.ok) throw new Error(JSON.stringify(t.errors));
  const topo = t.value;
  const desired = buildDesired(topo, '', { firewall: true, overlay: true });
  const res = [...desired.resources.values()];
  const on = (kind: Resource['kind']) => res.filter((r) => r.kind === kind);

  it('containers take addresses from this host subnet; the bridge holds its gateway; no per-container claims', () => {
    const addr = (c: string) => topo.containers.find((x) => x.name === c)!.attachments[0];
    expect(addr('api')).toMatchObject({ ip4: '10.70.1.50', prefix4: 24 });
    expect(addr('web').ip4).toMatch(/^10\.70\.1\.\d+$/);
    expect(on('addr').map((a) => (a.kind === 'addr' ? `${a.ns} ${a.ifname} ${a.cidr}` : ''))).toEqual(
      expect.arrayContaining(['host br-ov 10.70.1.1/24', 'host vx-ov 10.70.1.0/32']),
    );
    expect(wantedClaims(topo)).toEqual([]);
  });

  it('the VXLAN device is no bridge port, carries the pinned VTEP MAC, and neither learns nor proxies', () => {
    const vx = res.find((r) => r.kind === 'link' && r.ifname === 'vx-ov');
    expect(vx).toMatchObject({ type: 'vxlan', master: null, mac: vtepMac('ov', 'a'), vxlan: { vni: 4700, local: '192.168.70.1', learning: false } });
    expect(vx && vx.kind === 'link' && vx.vxlan?.proxy).toBe(false);
  });

  it('exactly one route, one neighbour and one FDB entry per other live host', () => {
    const mine = res.filter((r) => (r.kind === 'route' && r.ns === 'host') || ((r.kind === 'neigh' || r.kind === 'fdb') && r.dev === 'vx-ov'));
    expect(mine.map((r) => r.key).sort()).toEqual(
      [
        'route:host/10.70.2.0/24',
        'route:host/10.70.3.0/24',
        `neigh:host/vx-ov/10.70.2.0`,
        `neigh:host/vx-ov/10.70.3.0`,
        `fdb:host/vx-ov/${vtepMac('ov', 'b')}/192.168.70.2`,
        `fdb:host/vx-ov/${vtepMac('ov', 'c')}/192.168.70.3`,
      ].sort(),
    );
    expect(mine.find((r) => r.key === 'route:host/10.70.2.0/24')).toMatchObject({ via: '10.70.2.0', dev: 'vx-ov', onlink: true });
    expect(mine.find((r) => r.key === 'neigh:host/vx-ov/10.70.3.0')).toMatchObject({ mac: vtepMac('ov', 'c') });
  });

  it('forwards between the VXLAN device and the bridge, never masquerades inside the overlay, turns forwarding on', () => {
    const fwd = res.find((r) => r.kind === 'chain' && r.chain === 'NK-FORWARD' && r.family === 'ipv4');
    const post = res.find((r) => r.kind === 'chain' && r.chain === 'NK-POSTROUTING' && r.family === 'ipv4');
    const rules = (r: Resource | undefined) => (r && r.kind === 'chain' ? r.rules : []);
    const accept = rules(fwd).indexOf('-i vx-ov -o br-ov -j ACCEPT');
    expect(accept).toBeGreaterThan(-1);
    expect(accept).toBeLessThan(rules(fwd).indexOf('-o br-ov -j DROP'));
    expect(rules(post).filter((r) => r.includes('10.70.'))).toEqual(['-s 10.70.1.0/24 -d 10.70.0.0/16 -j RETURN', '-s 10.70.1.0/24 ! -o br-ov -j MASQUERADE']);
    expect(on('sysctl').map((s) => (s.kind === 'sysctl' ? `${s.name}=${s.value}` : ''))).toContain('net.ipv4.ip_forward=1');
  });

  it('a host whose registration is gone is left out; a container added on another host changes nothing here', () => {
    const fewer = mergeFleet(files, { ...m, hosts: m.hosts.filter((h) => h.name !== 'c') }, 'a').config;
    expect(fewer.networks.find((n) => n.name === 'ov')!.routedFleet!.peers.map((p) => p.host)).toEqual(['b']);
    const more = mergeFleet(files, { ...m, claims: [{ network: 'ov', address: '10.70.2.7', host: 'b', container: 'x', mac: '02:42:0a:46:02:07' }] }, 'a');
    expect(more.config.containers.map((c) => c.name)).toEqual(merged.containers.map((c) => c.name));
  });
});
