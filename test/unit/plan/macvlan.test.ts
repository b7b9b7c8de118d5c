import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/model/config.js';
import type { Observed } from '../../../src/model/plan.js';
import { key } from '../../../src/model/resources.js';
import { buildTopology } from '../../../src/plan/topology/index.js';
import { macvlanConflicts } from '../../../src/plan/macvlan.js';
import { att, config, host, net, observed, on } from './topology/fixtures.js';

const lan = net('lan', { driver: 'macvlan', parent: 'lan0', subnets: [{ subnet: '192.168.9.0/24', gateway: '192.168.9.1' }] });
const parent = { kind: 'link' as const, key: key.link('host', 'lan0'), ns: 'host', owned: false, ifname: 'lan0', type: 'veth' as const, up: true };

function conflicts(cfg: Config, obs: Observed, self = 'node-a') {
  const t = buildTopology(cfg, obs, self);
  if (!t.ok) throw new Error(JSON.stringify(t.errors));
  return macvlanConflicts(t.value, obs);
}

describe('macvlan parent check', () => {
  const cfg = config({ networks: [lan], hosts: [host('node-a', '10.9.0.1'), host('node-b', '10.9.0.2')], containers: [on('m1', [att('lan')])] });

  it('names the network, the parent and the containers when the parent is missing', () => {
    const d = conflicts(cfg, observed());
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: 'macvlan-parent-missing', object: 'Network lan' });
    expect(d[0].message).toMatch(/lan0 does not exist on this host/);
    expect(d[0].message).toMatch(/m1/);
    expect(d[0].pos?.file).toBe('networks.d/test.yaml');
  });

  it('refuses a parent that is down, naming it and the containers', () => {
    const d = conflicts(cfg, observed([{ ...parent, up: false }]));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: 'macvlan-parent-down', object: 'Network lan' });
    expect(d[0].message).toMatch(/lan0 is down \(needed by m1\)/);
  });

  it('is quiet when the parent exists', () => {
    expect(conflicts(cfg, observed([parent]))).toEqual([]);
  });

  it('is quiet when no container of this host uses the network', () => {
    const remote = config({ ...cfg, containers: [on('m1', [att('lan')], { host: 'node-b' })] });
    expect(conflicts(remote, observed())).toEqual([]);
  });
});
