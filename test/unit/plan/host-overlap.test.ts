// Issue 8 item 3: declared subnets that collide with the host's routes, or with a
// live automatic subnet (nk0), are refused.
import { describe, expect, it } from 'vitest';
import { hostOverlapErrors } from '../../../src/plan/host-overlap.js';
import { foreignRoutes } from '../../../src/observe/routes.js';
import { buildTopology } from '../../../src/plan/topology/index.js';
import { IMPLICIT_BRIDGE } from '../../../src/model/defaults.js';
import type { HostRoute } from '../../../src/model/plan.js';
import { config, net, observed, ownedBridge } from './topology/fixtures.js';

const DOCKER0: HostRoute = { dst: '172.17.0.0/16', dev: 'docker0' };
const VPN: HostRoute = { dst: '10.8.0.0/16', dev: 'tun0', via: '10.250.0.1' };
const run = (specs: ReturnType<typeof net>[], routes: HostRoute[], autoReqs: Parameters<typeof hostOverlapErrors>[0]['autoReqs'] = []) =>
  hostOverlapErrors({ specs, autoReqs, routes, bridgeOf: (n) => (n === 'bridge' ? 'nk0' : `br-${n}`) });

describe('hostOverlapErrors', () => {
  it('refuses a subnet overlapping a foreign route, naming the route, gateway and device', () => {
    const errs = run([net('a', { subnets: [{ subnet: '172.17.5.0/24' }] }), net('b', { subnets: [{ subnet: '10.0.0.0/8' }] })], [DOCKER0, VPN]);
    expect(errs.map((e) => [e.network, e.code])).toEqual([
      ['a', 'subnet-overlaps-host-route'],
      ['b', 'subnet-overlaps-host-route'],
    ]);
    expect(errs[0].message).toMatch(/^subnet 172\.17\.5\.0\/24 overlaps the host's route 172\.17\.0\.0\/16 dev docker0, .*allowHostOverlap: true/);
    expect(errs[1].message).toContain("the host's route 10.8.0.0/16 via 10.250.0.1 dev tun0");
  });

  it('accepts the overlap with allowHostOverlap, and on networks where the host takes no address (macvlan, isolated)', () => {
    const specs = [
      net('a', { subnets: [{ subnet: '172.17.5.0/24' }], allowHostOverlap: true }),
      net('lan', { driver: 'macvlan', parent: 'eth0', subnets: [{ subnet: '172.17.6.0/24' }] }),
      net('sw', { gatewayMode: 'isolated', subnets: [{ subnet: '172.17.7.0/24' }] }),
      net('far', { subnets: [{ subnet: '172.30.0.0/24' }] }),
    ];
    expect(run(specs, [DOCKER0, { dst: '0.0.0.0/0', dev: 'eth0' }])).toEqual([]);
  });

  it("does not count the route of the network's own bridge (an existing bridge the files describe, e.g. imported docker0)", () => {
    const errs = hostOverlapErrors({
      specs: [net('bridge', { interface: 'docker0', subnets: [{ subnet: '172.17.0.0/16' }] }), net('b', { subnets: [{ subnet: '172.17.9.0/24' }] })],
      autoReqs: [],
      routes: [DOCKER0],
      bridgeOf: (n) => (n === 'bridge' ? 'docker0' : `br-${n}`),
    });
    // another network overlapping docker0's route is still refused
    expect(errs.map((e) => [e.network, e.code])).toEqual([['b', 'subnet-overlaps-host-route']]);
  });

  it('refuses a declared subnet inside a live automatic subnet, whatever the opt-in says', () => {
    const errs = run(
      [
        { ...IMPLICIT_BRIDGE },
        net('a', { subnets: [{ subnet: '172.18.3.0/24' }], allowHostOverlap: true }),
        net('lan', { driver: 'macvlan', parent: 'eth0', subnets: [{ subnet: '172.18.0.0/16' }] }),
      ],
      [],
      [
        { network: 'bridge', scope: 'local', reuse: { subnet: '172.18.0.0/16', gateway: '172.18.0.1' } },
        { network: 'x', scope: 'local' },
      ],
    );
    expect(errs.map((e) => [e.network, e.code])).toEqual([
      ['a', 'subnet-overlaps-auto-subnet'],
      ['lan', 'subnet-overlaps-auto-subnet'],
    ]);
    expect(errs[0].message).toMatch(/^subnet 172\.18\.3\.0\/24 overlaps 172\.18\.0\.0\/16, the automatic subnet network bridge \(nk0\) holds now/);
  });

  it('buildTopology reports it at the network, with file and line, and keeps nk0 where it is otherwise', () => {
    const obs = observed(ownedBridge('nk0', '172.17.0.1/16'), { hostRoutes: [{ dst: '192.168.1.0/24', dev: 'eth0' }] });
    const r = buildTopology(config({ networks: [net('lan', { subnets: [{ subnet: '192.168.1.0/25' }] })] }), obs, 'node-a');
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors).toEqual([
        expect.objectContaining({ code: 'subnet-overlaps-host-route', object: 'Network lan', pos: expect.objectContaining({ line: 1 }) }),
      ]);
    const fine = buildTopology(config({ networks: [net('lan', { subnets: [{ subnet: '192.168.2.0/24' }] })] }), obs, 'node-a');
    expect(fine.ok && fine.value.networks.find((n) => n.name === 'bridge')!.subnets[0].subnet).toBe('172.17.0.0/16');
  });
});

describe('foreignRoutes', () => {
  it("keeps the host's own routes with device and gateway; leaves out netkeeper's, default and other tables", () => {
    const raw = [
      { dst: 'default', gateway: '192.0.2.1', dev: 'eth0' },
      { dst: '192.0.2.0/24', dev: 'eth0', protocol: 'kernel' },
      { dst: '10.8.0.0/16', gateway: '10.250.0.1', dev: 'tun0', protocol: 'static' },
      { dst: '172.18.0.0/24', dev: 'br-frontend', protocol: 'kernel' },
      { dst: '10.3.3.2', dev: 'nkp-rt', protocol: '77' },
      { dst: '10.9.0.0/16', dev: 'eth1', table: 'local' },
    ];
    expect(foreignRoutes(raw, new Set(['br-frontend']))).toEqual([
      { dst: '192.0.2.0/24', dev: 'eth0' },
      { dst: '10.8.0.0/16', dev: 'tun0', via: '10.250.0.1' },
    ]);
  });
});
