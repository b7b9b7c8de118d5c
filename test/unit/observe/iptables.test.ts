// parseIptablesSave against real iptables-save output (captured in a sandbox by
// test/fixtures/iptables/capture.sh, nf_tables and legacy backends), with Docker,
// kube-proxy, CNI and user rules present — and the round trip: what buildFirewall
// wants is exactly what iptables-save prints back, so a second plan is empty.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIptablesSave, ruleComment } from '../../../src/observe/iptables.js';
import { buildFirewall } from '../../../src/plan/firewall.js';
import type { Resource } from '../../../src/model/resources.js';
import type { Topology } from '../../../src/model/topology.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/iptables/${name}`, import.meta.url), 'utf8');
const topo = JSON.parse(fixture('topology.json')) as Topology;

function observedAll(backend: 'nft' | 'legacy'): Resource[] {
  return [
    ...parseIptablesSave(fixture(`${backend}-save-v4.txt`), 'ipv4', 'host'),
    ...parseIptablesSave(fixture(`${backend}-save-v6.txt`), 'ipv6', 'host'),
    ...parseIptablesSave(fixture(`${backend}-save-router.txt`), 'ipv4', 'r1'),
  ];
}

describe.each(['nft', 'legacy'] as const)('parseIptablesSave (%s backend)', (backend) => {
  const observed = observedAll(backend);

  it('round trip: every desired chain and hook reads back equal, and nothing else is ours', () => {
    const desired = buildFirewall(topo).filter((r) => r.kind === 'chain' || r.kind === 'hook');
    const byKey = new Map(observed.map((r) => [r.key, r]));
    for (const d of desired) {
      const o = byKey.get(d.key);
      expect(o, d.key).toBeDefined();
      if (d.kind === 'chain' && o?.kind === 'chain') expect(o.rules, d.key).toEqual(d.rules);
      if (d.kind === 'hook' && o?.kind === 'hook') expect(o.rule, d.key).toBe(d.rule);
    }
    expect(observed.map((r) => r.key).sort()).toEqual(desired.map((r) => r.key).sort());
  });

  it('never returns other tools’ chains or the user’s rules', () => {
    const text = observed.map((r) => JSON.stringify(r)).join('\n');
    for (const foreign of ['DOCKER', 'KUBE-', 'CNI-', '10.200.0.0/16', '10.201.0.0/16', '192.0.2.']) expect(text).not.toContain(foreign);
    for (const r of observed) expect(r.owned).toBe(true);
  });

  it('NK-USER is read as the user’s chain; hooks carry their built-in chain, table and target', () => {
    const user = observed.find((r) => r.key === 'chain:host/filter/NK-USER');
    expect(user).toMatchObject({ kind: 'chain', rules: [], userOwned: true });
    const fwd = observed.find((r) => r.key === 'hook:host/filter/FORWARD/NK-FORWARD');
    expect(fwd).toMatchObject({
      kind: 'hook',
      chain: 'FORWARD',
      table: 'filter',
      family: 'ipv4',
      rule: '-m comment --comment netkeeper -j NK-FORWARD',
      position: 'first',
    });
    expect(observed.find((r) => r.key === 'hook:host/ip6/nat/PREROUTING/NK-PORTS')).toMatchObject({ family: 'ipv6', ns: 'host' });
    expect(observed.find((r) => r.key === 'chain:r1/nat/NK-POSTROUTING')).toMatchObject({ ns: 'r1', rules: ['-o eth0 -j MASQUERADE'] });
  });
});

describe('parseIptablesSave: edge cases', () => {
  it('a table iptables-nft cannot show is an error, not an empty table', () => {
    expect(() => parseIptablesSave(fixture('nft-incompatible.txt'), 'ipv4', 'host')).toThrow(/mangle.*incompatible/);
  });

  it('incompatible base chains elsewhere do not hide our chains', () => {
    expect(() => parseIptablesSave(fixture('nft-incompatible-basechain.txt'), 'ipv4', 'host')).not.toThrow();
  });

  it('empty output (a namespace with no tables) is nothing', () => {
    expect(parseIptablesSave('', 'ipv4', 'web')).toEqual([]);
  });

  it('a hook that appears twice gets a second key (so the diff removes the copy); only the exact comment on a jump into netkeeper’s chain counts', () => {
    const text = [
      '*filter',
      ':FORWARD DROP [0:0]',
      ':NK-FORWARD - [0:0]',
      '-A FORWARD -j DOCKER-USER',
      '-A FORWARD -m comment --comment netkeeper -j NK-FORWARD',
      '-A FORWARD -m comment --comment netkeeper -j NK-FORWARD',
      '-A FORWARD -m comment --comment "netkeeper: old layout" -j NK-OLD',
      '-A FORWARD -m comment --comment "not netkeeper" -j ACCEPT',
      '-A FORWARD -m comment --comment netkeeperish -j ACCEPT',
      'COMMIT',
    ].join('\n');
    const rs = parseIptablesSave(text, 'ipv4', 'host');
    expect(rs.map((r) => r.key)).toEqual(['chain:host/filter/NK-FORWARD', 'hook:host/filter/FORWARD/NK-FORWARD', 'hook:host/filter/FORWARD/NK-FORWARD#2']);
    expect(rs[1]).toMatchObject({ position: 'last' });
  });

  it('ruleComment reads bare and quoted comments', () => {
    expect(ruleComment('-m comment --comment netkeeper -j X')).toBe('netkeeper');
    expect(ruleComment('-m comment --comment "a \\"b\\" c" -j X')).toBe('a "b" c');
    expect(ruleComment('-j ACCEPT')).toBeUndefined();
  });
});
