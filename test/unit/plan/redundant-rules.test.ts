import { describe, expect, it } from 'vitest';
import type { ForeignDnat } from '../../../src/model/plan.js';
import { redundantForeignRules } from '../../../src/plan/redundant-rules.js';
import { buildTopology } from '../../../src/plan/topology/index.js';
import { att, config, net, observed, on, port } from './topology/fixtures.js';

const front = net('front', { subnets: [{ subnet: '172.20.0.0/24' }] });
const topo = () => {
  const t = buildTopology(
    config({ networks: [front], containers: [on('web', [att('front', { ip: '172.20.0.10' })], { ports: [port(8080, 80)] })] }),
    observed(),
    'node-a',
  );
  if (!t.ok) throw new Error(JSON.stringify(t.errors));
  return t.value;
};
const rule = (extra: Partial<ForeignDnat> = {}): ForeignDnat => ({
  family: 'ipv4',
  chain: 'PREROUTING',
  rule: '-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.20.0.10:80',
  protocol: 'tcp',
  dport: 8080,
  dportEnd: 8080,
  toIp: '172.20.0.10',
  toPort: 80,
  ...extra,
});

describe('redundantForeignRules', () => {
  it('names a hand-written DNAT that does what a published port does, with the command that removes it', () => {
    const w = redundantForeignRules(topo(), [rule()]);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ code: 'redundant-foreign-rule', object: 'Container web' });
    expect(w[0].message).toContain('iptables -t nat -D PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.20.0.10:80');
  });

  it('is quiet for a rule to another address, port or protocol', () => {
    expect(
      redundantForeignRules(topo(), [rule({ toIp: '172.20.0.11' }), rule({ toPort: 81 }), rule({ protocol: 'udp' }), rule({ dport: 9090, dportEnd: 9090 })]),
    ).toEqual([]);
    expect(redundantForeignRules(topo(), undefined)).toEqual([]);
  });
});
