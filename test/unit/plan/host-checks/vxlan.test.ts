import { describe, expect, it } from 'vitest';
import { vxlanInUse } from '../../../../src/plan/host-checks/vxlan.js';
import type { HostListener } from '../../../../src/model/observed-host.js';
import { key, type Resource } from '../../../../src/model/resources.js';
import { att, config, host, net, observed, on } from '../topology/fixtures.js';
import { build } from './fixtures.js';

const ov = net('ov', { driver: 'overlay', vni: 42, subnets: [{ subnet: '10.50.0.0/24' }] });
const cfg = config({ networks: [ov], hosts: [host('node-a', '10.9.0.1')], containers: [on('a', [att('ov')])] });
const foreign = (vxlan: { vni: number; port: number; external?: boolean }, up = true): Resource => ({
  kind: 'link',
  key: key.link('host', 'flannel.1'),
  ns: 'host',
  owned: false,
  ifname: 'flannel.1',
  type: 'vxlan',
  up,
  vxlan: { local: '', learning: false, ...vxlan },
});

function check(res: Resource[], ls: HostListener[] = []) {
  const obs = observed(res);
  const { topo, desired } = build(cfg, obs);
  return vxlanInUse(topo, desired, obs, ls);
}

describe('vxlan-in-use', () => {
  it('refuses a VNI a foreign VXLAN device has on the same port', () => {
    const d = check([foreign({ vni: 42, port: 4789 })]);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: 'vxlan-in-use', object: 'Network ov' });
    expect(d[0].message).toContain('VNI 42 on UDP port 4789 is already used by flannel.1');
    expect(check([foreign({ vni: 43, port: 4789 })])).toEqual([]);
    expect(check([foreign({ vni: 42, port: 8472 })])).toEqual([]);
  });

  it('refuses a port an external (metadata) device that is up takes whole', () => {
    expect(check([foreign({ vni: 0, port: 4789, external: true })])[0].message).toContain('UDP port 4789 is taken whole by flannel.1');
    expect(check([foreign({ vni: 0, port: 4789, external: true }, false)])).toEqual([]);
  });

  it('refuses a port a process is bound to, but not the kernel socket of a VXLAN device', () => {
    expect(check([], [{ protocol: 'udp', addr: '0.0.0.0', port: 4789, process: 'socat (pid 9)' }])[0].message).toContain(
      'UDP port 4789 is bound by socat (pid 9)',
    );
    expect(check([], [{ protocol: 'udp', addr: '0.0.0.0', port: 4789 }])).toEqual([]);
  });
});
