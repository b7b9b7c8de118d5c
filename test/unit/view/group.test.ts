// The plan view grows with the plan, not with containers × published ports: each
// published-port chain is parsed once per side, each address normalised once per
// rule, however many containers the chain publishes (issue 16: at 1000 containers
// the quadratic view took ~10 s of CPU). Counted calls, no clock.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => ({ parseDnat: 0, normalizeIP: 0 }));

vi.mock('../../../src/observe/dnat.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../../src/observe/dnat.js')>();
  return {
    ...m,
    parseDnat: (rule: string) => {
      calls.parseDnat++;
      return m.parseDnat(rule);
    },
  };
});
vi.mock('../../../src/model/ip.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../../src/model/ip.js')>();
  return {
    ...m,
    normalizeIP: (s: string) => {
      calls.normalizeIP++;
      return m.normalizeIP(s);
    },
  };
});

import { scenario } from './scenario-fixtures.js';
import { formatGroupedPlan } from '../../../src/view/plan-text.js';
import { groupPlan } from '../../../src/view/group.js';

const NET = `
kind: Network
name: app
subnets: [{subnet: 172.20.0.0/16}]
`;
const containers = (n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      `---\nkind: Container\nname: c${i}\nnetworks: [{network: app, ip: 172.20.${Math.floor(i / 200) + 1}.${(i % 200) + 2}}]\nports: ["${20000 + i}:80"]\n`,
  ).join('');

/** Calls of the DNAT parser and the address normaliser while the view groups and prints one plan. */
function viewCalls(before: string, after: string) {
  const s = scenario(before, after);
  calls.parseDnat = 0;
  calls.normalizeIP = 0;
  const text = formatGroupedPlan(s.plan, s.sides);
  return { ...calls, text, s };
}

describe('the plan view is linear in the containers', () => {
  beforeEach(() => {
    calls.parseDnat = 0;
    calls.normalizeIP = 0;
  });

  it('converging N containers that publish ports: parser and normaliser calls grow as N, not N²', () => {
    const small = viewCalls(NET, NET + containers(100));
    const big = viewCalls(NET, NET + containers(200));
    expect(big.text).toContain('Plan: 200 to create');
    // each rule: parsed for the chain's owners and for the ports attribute (a few times), not once per container
    expect(big.parseDnat).toBeLessThanOrEqual(4 * 200);
    expect(big.normalizeIP).toBeLessThanOrEqual(8 * 200);
    expect(big.parseDnat).toBeLessThanOrEqual(2.2 * small.parseDnat);
    expect(big.normalizeIP).toBeLessThanOrEqual(2.2 * small.normalizeIP);
  });

  it('adding one container beside N: the same bound (both sides hold the whole chain)', () => {
    const big = viewCalls(NET + containers(200), NET + containers(201));
    expect(big.text).toContain('+ Container c200');
    // a few times per rule and side (the chain's owners, the ports attribute), not once per container
    expect(big.parseDnat).toBeLessThanOrEqual(2 * 4 * 200);
    expect(big.normalizeIP).toBeLessThanOrEqual(2 * 8 * 200);
  });

  it('grouping the same plan and sides again (reconcile: the plan, then the applied counts) reuses the first grouping', () => {
    const { s } = viewCalls(NET, NET + containers(50));
    const first = groupPlan(s.plan, s.sides);
    calls.parseDnat = 0;
    expect(groupPlan(s.plan, s.sides)).toBe(first);
    expect(calls.parseDnat).toBe(0);
    // other sides: grouped anew
    expect(groupPlan(s.plan, { ...s.sides })).not.toBe(first);
  });
});

describe('a shared hosts file is about the containers whose entries change (issue 16)', () => {
  const C = (name: string, ip: string, extra = '') => `---\nkind: Container\nname: ${name}\nnetworks: [{network: app, ip: ${ip}}]\n${extra}\n`;
  const peers = C('web', '172.20.0.3') + C('db', '172.20.0.4') + C('cache', '172.20.0.5');

  it('adding one container: one created, no peer updated (their hosts files link to the shared one)', () => {
    const p = formatGroupedPlan(...args(scenario(NET + peers, NET + peers + C('api', '172.20.0.6', 'ports: ["8080:80"]'))));
    expect(p).toMatch(/^ {2}\+ Container api\n/);
    expect(p).not.toMatch(/Container (web|db|cache)/);
    expect(p).toMatch(/Plan: 1 to create, \d to update/);
    // the host settings it may touch, and nothing else
    expect(p.match(/^ {2}~ /gm) ?? []).toEqual(p.includes('Host settings') ? ['  ~ '] : []);
  });

  it('removing one: one deleted; moving an address: only that container updated, with its entry', () => {
    expect(formatGroupedPlan(...args(scenario(NET + peers, NET + C('web', '172.20.0.3') + C('db', '172.20.0.4'))))).toBe(
      '  - Container cache\n\nPlan: 0 to create, 0 to update, 0 to replace, 1 to delete.\n',
    );
    const moved = formatGroupedPlan(...args(scenario(NET + peers, NET + C('web', '172.20.0.3') + C('db', '172.20.0.9') + C('cache', '172.20.0.5'))));
    expect(moved).toContain('  ~ Container db\n      ip: 172.20.0.4 → 172.20.0.9\n');
    expect(moved).toContain('        + 172.20.0.9\tdb'.replace('\t', ' '));
    expect(moved).not.toMatch(/Container (web|cache)/);
    expect(moved).toContain('Plan: 0 to create, 1 to update, 0 to replace, 0 to delete.');
  });

  it('a container with a hosts file of its own (extraHosts) is still updated: its own file gains the entry', () => {
    const own = C('web', '172.20.0.3', 'extraHosts: ["gw:172.20.0.1"]') + C('db', '172.20.0.4');
    const p = formatGroupedPlan(...args(scenario(NET + own, NET + own + C('api', '172.20.0.6'))));
    expect(p).toContain('  + Container api\n');
    expect(p).toContain('  ~ Container web\n      hosts:\n        + 172.20.0.6 api\n');
    expect(p).not.toContain('Container db');
  });

  it('a shared file edited by hand (a line no container has): each container it serves, as before', () => {
    const s = scenario(NET + peers, NET + peers);
    const shared = s.sides.observed.find((r) => r.kind === 'file' && r.path.endsWith('/.hosts/app'));
    if (shared?.kind !== 'file') throw new Error('no shared hosts file');
    const edited = { ...shared, content: `${shared.content}10.9.9.9\tintruder\n` };
    const change = { action: 'update' as const, key: shared.key, before: edited, after: shared, reason: 'content differs' };
    const objects = groupPlan({ changes: [change] }, { ...s.sides, observed: s.sides.observed.map((r) => (r === shared ? edited : r)) });
    expect(objects.map((o) => `${o.action} ${o.owner.kind} ${o.owner.name}`).sort()).toEqual([
      'update container cache',
      'update container db',
      'update container web',
    ]);
  });
});

const args = (s: ReturnType<typeof scenario>) => [s.plan, s.sides] as const;
