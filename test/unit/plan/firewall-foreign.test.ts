// Issue 8 item 4: exactly what netkeeper made is netkeeper's in iptables. A
// user's NK-* chain (hung under NK-USER, say) is neither flushed nor deleted; a
// user's rule that merely carries the comment `netkeeper` is not a jump of ours.

import { describe, expect, it } from 'vitest';
import { isOwnChain, parseIptablesSave } from '../../../src/observe/iptables.js';
import { buildFirewall } from '../../../src/plan/firewall.js';
import { foreignChainWarnings } from '../../../src/plan/firewall-foreign.js';
import { diff } from '../../../src/plan/diff.js';
import { renderIptables } from '../../../src/render/iptables.js';
import { toMap, type Resource } from '../../../src/model/resources.js';
import { container, network, port, topology } from './firewall-fixtures.js';

const front = network('front', 'br-front', ['172.18.0.0/24']);
const web = container('web', [{ network: 'front', ip4: '172.18.0.10' }], { ports: [port('8080:80', '172.18.0.10', 'front')] });
const desired = buildFirewall(topology([front], [web])).filter((r) => r.kind === 'chain' || r.kind === 'hook');

/** What iptables-save prints for the desired chains and hooks, plus `extra` lines per table. */
function saved(rs: Resource[], extra: Record<string, string[]> = {}): string {
  const out: string[] = [];
  for (const table of ['raw', 'nat', 'filter']) {
    out.push(`*${table}`);
    const cs = rs.filter((r) => r.kind === 'chain' && r.table === table && r.family === 'ipv4');
    for (const c of cs) if (c.kind === 'chain') out.push(`:${c.chain} - [0:0]`);
    for (const l of extra[table] ?? []) if (l.startsWith(':')) out.push(l);
    for (const h of rs) if (h.kind === 'hook' && h.table === table && h.family === 'ipv4') out.push(`-A ${h.chain} ${h.rule}`);
    for (const l of extra[table] ?? []) if (l.startsWith('-A')) out.push(l);
    for (const c of cs) if (c.kind === 'chain') for (const r of c.rules) out.push(`-A ${c.chain} ${r}`);
    out.push('COMMIT');
  }
  return out.join('\n') + '\n';
}

const USER_SETUP = {
  filter: [
    ':NK-MYDROP - [0:0]',
    '-A FORWARD -s 192.0.2.7/32 -m comment --comment netkeeper -j DROP',
    '-A FORWARD -m comment --comment netkeeper -j NK-MYDROP',
    '-A NK-USER -j NK-MYDROP',
    '-A NK-MYDROP -s 10.99.0.2/32 -j DROP',
  ],
};

describe('iptables ownership', () => {
  const observed = parseIptablesSave(saved(desired, USER_SETUP), 'ipv4', 'host');
  const byKey = new Map(observed.map((r) => [r.key, r]));

  it('a user’s NK-* chain is read as not netkeeper’s; netkeeper’s own chains are', () => {
    expect(byKey.get('chain:host/filter/NK-MYDROP')).toMatchObject({ owned: false, rules: ['-s 10.99.0.2/32 -j DROP'] });
    for (const d of desired) if (d.family === 'ipv4') expect(byKey.get(d.key), d.key).toMatchObject({ owned: true });
    expect(byKey.get('chain:host/filter/NK-USER')).toMatchObject({ owned: true, userOwned: true, rules: ['-j NK-MYDROP'] });
  });

  it('the comment alone does not make a rule netkeeper’s: not a DROP, not a jump into a user’s chain', () => {
    const hooks = observed.filter((r) => r.kind === 'hook').map((r) => r.key);
    expect(hooks.sort()).toEqual(
      desired
        .filter((r) => r.kind === 'hook' && r.family === 'ipv4')
        .map((r) => r.key)
        .sort(),
    );
  });

  it('reconcile and destroy plans leave the user’s chain and rules alone (no flush, no -X, no -D)', () => {
    for (const want of [desired, []]) {
      const plan = diff({ resources: toMap(want) }, { resources: toMap(observed), facts: {} as never }, { prune: true });
      expect(plan.conflicts).toEqual([]);
      expect(plan.changes.map((c) => c.key).filter((k) => k.includes('NK-MYDROP') || k.includes('DROP'))).toEqual([]);
      const text = renderIptables(plan.changes)
        .map((b) => b.text)
        .join('');
      expect(text).not.toContain('NK-MYDROP');
      expect(text).not.toContain('192.0.2.7');
    }
  });

  it('a foreign NK-* chain is a warning naming it', () => {
    expect(foreignChainWarnings(observed)).toEqual([expect.objectContaining({ code: 'foreign-chain', object: 'iptables chain filter/NK-MYDROP' })]);
    expect(foreignChainWarnings(parseIptablesSave(saved(desired), 'ipv4', 'host'))).toEqual([]);
  });

  it('NK-PORTS-<bridge>: netkeeper’s when NK-PORTS jumps to it or the bridge is netkeeper’s; otherwise the user’s', () => {
    expect(isOwnChain('host', 'nat', 'NK-PORTS-br-x', new Set(), new Set(['NK-PORTS-br-x']))).toBe(true);
    expect(isOwnChain('host', 'nat', 'NK-PORTS-br-x', new Set(['br-x']), new Set())).toBe(true);
    expect(isOwnChain('host', 'nat', 'NK-PORTS-mine', new Set(['br-x']), new Set())).toBe(false);
    expect(isOwnChain('host', 'filter', 'NK-PORTS-br-x', new Set(['br-x']), new Set(['NK-PORTS-br-x']))).toBe(false);
    // NK-PORTS flushed (drift): the chain of a bridge netkeeper owns is still found, rewritten, not refused
    const flushed = saved(desired).replace('-A NK-PORTS -j NK-PORTS-br-front\n', '');
    expect(parseIptablesSave(flushed, 'ipv4', 'host').find((r) => r.key === 'chain:host/nat/NK-PORTS-br-front')?.owned).toBe(false);
    expect(parseIptablesSave(flushed, 'ipv4', 'host', new Set(['br-front'])).find((r) => r.key === 'chain:host/nat/NK-PORTS-br-front')?.owned).toBe(true);
  });

  it('names are per table and per namespace: a router container has only nat NK-POSTROUTING', () => {
    expect(isOwnChain('r1', 'nat', 'NK-POSTROUTING', new Set(), new Set())).toBe(true);
    expect(isOwnChain('r1', 'filter', 'NK-FORWARD', new Set(), new Set())).toBe(false);
    expect(isOwnChain('host', 'nat', 'NK-FORWARD', new Set(), new Set())).toBe(false);
    expect(isOwnChain('host', 'raw', 'NK-RAW', new Set(), new Set())).toBe(true);
    expect(isOwnChain('host', 'filter', 'NK-OLD', new Set(), new Set())).toBe(false);
  });
});
