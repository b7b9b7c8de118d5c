import { describe, expect, it } from 'vitest';
import { mtuTooBig } from '../../../../src/plan/host-checks/mtu.js';
import { key } from '../../../../src/model/resources.js';
import { att, config, host, net, observed, on } from '../topology/fixtures.js';
import { build } from './fixtures.js';

const underlay = { kind: 'addr' as const, key: key.addr('host', 'eth0', '10.9.0.1/24'), ns: 'host', owned: false, ifname: 'eth0', cidr: '10.9.0.1/24' };
const hosts = [host('node-a', '10.9.0.1'), host('node-b', '10.9.0.2')];

function check(mtu: number | undefined, driver: 'overlay' | 'macvlan', linkMtu: Record<string, number>) {
  const n =
    driver === 'overlay'
      ? net('ov', { driver: 'overlay', vni: 42, subnets: [{ subnet: '10.50.0.0/24' }], ...(mtu ? { mtu } : {}) })
      : net('ov', { driver: 'macvlan', parent: 'lan0', subnets: [{ subnet: '192.168.9.0/24', gateway: '192.168.9.1' }], ...(mtu ? { mtu } : {}) });
  const cfg = config({ networks: [n], hosts, containers: [on('a', [att('ov')], { host: 'node-a' })] });
  const obs = observed([underlay], { linkMtu });
  return mtuTooBig(cfg, build(cfg, obs).topo, obs);
}

describe('mtu-too-big', () => {
  it('refuses an overlay MTU that does not fit the underlay less 50 bytes, naming the underlay', () => {
    const d = check(1500, 'overlay', { eth0: 1500 });
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: 'mtu-too-big', object: 'Network ov', pos: { line: 1 } });
    expect(d[0].message).toBe(
      'mtu 1500 does not fit: its underlay eth0 carries 1500 and VXLAN takes 50 bytes of it, so at most 1450 fits; lower mtu to 1450 or leave it out (netkeeper then derives it)',
    );
    expect(check(1450, 'overlay', { eth0: 1500 })).toEqual([]);
    expect(check(8950, 'overlay', { eth0: 9000 })).toEqual([]);
  });

  it('refuses a macvlan MTU above its parent', () => {
    expect(check(9000, 'macvlan', { lan0: 1500 })[0].message).toContain('its parent lan0 carries 1500');
    expect(check(1500, 'macvlan', { lan0: 1500 })).toEqual([]);
  });

  it('says nothing of a derived MTU', () => {
    expect(check(undefined, 'overlay', { eth0: 1500 })).toEqual([]);
  });
});
