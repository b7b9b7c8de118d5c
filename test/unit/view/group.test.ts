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
