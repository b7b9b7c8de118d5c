// Route next hops judged at plan time, against allocated addresses and automatic
// subnets: what validate cannot see from the files alone.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { buildTopology } from '../../../src/plan/topology/index.js';
import { routeProblems } from '../../../src/plan/route-check.js';
import { observedFrom } from './fixtures.js';

function problems(text: string) {
  const cfg = parseConfig([{ path: 'd/a.yaml', text }]);
  if (!cfg.ok) throw new Error(cfg.errors.map((e) => e.message).join('\n'));
  const topo = buildTopology(cfg.value, observedFrom([]), 'node-a');
  if (!topo.ok) throw new Error(topo.errors.map((e) => e.message).join('\n'));
  return routeProblems(cfg.value, topo.value);
}

describe('route next hops at plan time', () => {
  it('a network with an automatic subnet: a next hop outside the subnet it got is refused, at the route', () => {
    const ps = problems('kind: Network\nname: auto\n---\nkind: Container\nname: a\nnetworks: [auto]\nroutes:\n  - {to: 10.9.0.0/16, via: 192.168.99.1}\n');
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ code: 'route-gateway-unreachable', object: 'Container a', pos: { file: 'd/a.yaml', line: 8, col: 5 } });
    expect(ps[0].message).toMatch(/via 192\.168\.99\.1: the next hop is not on any network.*172\.18\.0\.0\/16 \(Network auto, eth0\)/);
  });
  it('inside it, fine; and so are the /32 peers of Links and dev routes', () => {
    expect(problems('kind: Network\nname: auto\n---\nkind: Container\nname: a\nnetworks: [auto]\nroutes: [{to: 10.9.0.0/16, via: 172.18.0.254}]\n')).toEqual(
      [],
    );
    expect(
      problems(
        'kind: Container\nname: a\nmode: none\nroutes: [{to: 10.9.0.0/16, via: 10.1.1.2}, {to: 10.5.5.5/32, dev: p0}, {to: 10.8.0.0/16, via: 10.5.5.5}]\n---\n' +
          'kind: Link\nname: l\nendpoints: [{container: a, ifname: p0, ip: 10.1.1.1/32}, {container: host, ifname: p0, ip: 10.1.1.2/32}]\n',
      ),
    ).toEqual([]);
  });
  it('several subnets of one family: only the one the container has an address in counts', () => {
    const ps = problems(
      'kind: Network\nname: n\nsubnets: [{subnet: 10.5.0.0/24}, {subnet: 10.6.0.0/24}]\n---\nkind: Container\nname: a\nnetworks: [{network: n, ip: 10.5.0.10}]\nroutes: [{to: 10.9.0.0/16, via: 10.6.0.1}]\n',
    );
    expect(ps.map((p) => p.code)).toEqual(['route-gateway-unreachable']);
  });
});
