import { describe, expect, it } from 'vitest';
import { bridgePortsFull } from '../../../../src/plan/host-checks/bridge-ports.js';
import { key, type Resource } from '../../../../src/model/resources.js';
import { att, config, net, observed, on } from '../topology/fixtures.js';
import { build } from './fixtures.js';

const front = net('front', { subnets: [{ subnet: '10.20.0.0/20' }] });
const handMade = (i: number, master = 'br-front'): Resource => ({
  kind: 'link',
  key: key.link('host', `tap${i}`),
  ns: 'host',
  owned: false,
  ifname: `tap${i}`,
  type: 'veth',
  up: true,
  master,
});

function check(containers: number, foreign: number, master?: string) {
  const cfg = config({ networks: [front], containers: Array.from({ length: containers }, (_, i) => on(`c${i}`, [att('front')])) });
  const obs = observed(Array.from({ length: foreign }, (_, i) => handMade(i, master)));
  const { topo, desired } = build(cfg, obs);
  return bridgePortsFull(topo, desired, obs);
}

describe('bridge-ports-full', () => {
  it('counts the interfaces attached by hand with the ones from the files', () => {
    const d = check(1000, 30);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: 'bridge-ports-full', object: 'Network front' });
    expect(d[0].message).toContain('bridge br-front would have 1030 ports');
    expect(d[0].message).toContain('1000 from the files and 30 attached by hand (tap0, tap1, tap2, tap3, tap4 and 25 more)');
  });

  it('is quiet at exactly 1023, and for ports of another bridge', () => {
    expect(check(1000, 23)).toEqual([]);
    expect(check(1000, 30, 'br-other')).toEqual([]);
  });
});
