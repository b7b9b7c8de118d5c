// The watcher's memo of the desired side (src/plan/desired-inputs.ts): the same files
// and the same inputs read from the host give the topology and desired state of the
// plan before; any input that moved makes them again; drift elsewhere is still found
// (the diff compares them with everything read in this pass). Every plan made with
// the memo must equal the plan made without it.
import { describe, expect, it } from 'vitest';
import { planPass, type PlanResult } from '../../../src/plan/index.js';
import { DesiredMemo, desiredInputs } from '../../../src/plan/desired-inputs.js';
import { parseConfig } from '../../../src/config/index.js';
import { render } from '../../../src/render/index.js';
import type { Config } from '../../../src/model/config.js';
import type { ObservedHost } from '../../../src/model/observed-host.js';
import type { Resource } from '../../../src/model/resources.js';
import { ctrAddr, observed } from './topology/fixtures.js';

function files(text: string): Config {
  const r = parseConfig([{ path: 'networks.d/a.yaml', text }]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const WEB =
  'kind: Network\nname: front\nsubnets:\n  - subnet: 172.30.0.0/24\n---\nkind: Container\nname: web\nnetworks: [{network: front}]\nports: ["8080:80"]\n---\nkind: Container\nname: db\nnetworks: [{network: front}]\n';

const host = (resources: Resource[] = []): ObservedHost => ({
  observed: observed(resources, { hostname: 'node-a' }),
  hostSysctls: new Map(),
  identity: { adopted: new Map(), named: new Map() },
});

const ok = (r: PlanResult) => {
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r;
};

/** What the kernel shows once the plan is applied: the desired resources, as observed. */
const converged = (r: Extract<PlanResult, { ok: true }>): Resource[] => [...r.desired.resources.values()].map((x) => ({ ...x }));

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    if (o instanceof Map) for (const [k, v] of o) deepFreeze(k), deepFreeze(v);
    else for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

describe('DesiredMemo (the desired side kept between a watcher passes)', () => {
  const config = files(WEB);
  const memo = (m: DesiredMemo, configKey = JSON.stringify(config)) => ({ memo: { desired: m, configKey } });

  it('keeps the desired side while the files and what of the host it reads are the same; the plan equals one made without it', () => {
    const m = new DesiredMemo();
    const first = ok(planPass(config, host(), memo(m)));
    expect(m.kept).toBe(false);
    const again = ok(planPass(config, host(), memo(m)));
    expect(m.kept).toBe(true);
    expect(again.desired).toBe(first.desired);
    expect(again.plan).toEqual(ok(planPass(config, host())).plan);
  });

  it('makes it again when an address it reads moved in the kernel (a container keeps the address it holds)', () => {
    const m = new DesiredMemo();
    ok(planPass(config, host(), memo(m)));
    const moved = host([ctrAddr('web', 'eth0', '172.30.0.77/24')]);
    const r = ok(planPass(config, moved, memo(m)));
    expect(m.kept).toBe(false);
    expect(r.topo.containers.find((c) => c.name === 'web')?.attachments[0].ip4).toBe('172.30.0.77');
    expect(r.plan).toEqual(ok(planPass(config, moved)).plan);
  });

  it('makes it again when the files changed (another configKey), or --host differs', () => {
    const m = new DesiredMemo();
    ok(planPass(config, host(), memo(m)));
    const other = files(WEB.replace('8080:80', '8081:80'));
    const r = ok(planPass(other, host(), memo(m, JSON.stringify(other))));
    expect(m.kept).toBe(false);
    expect(r.plan).toEqual(ok(planPass(other, host())).plan);
    ok(planPass(other, host(), { host: 'node-b', ...memo(m, JSON.stringify(other)) }));
    expect(m.kept).toBe(false);
  });

  it('still finds drift in what it does not read (a route, a file, a chain, a link in a namespace) and plans it as without the memo', () => {
    const m = new DesiredMemo();
    const first = ok(planPass(config, host(), memo(m)));
    const live = converged(first);
    expect(ok(planPass(config, host(live), memo(m))).plan.changes).toEqual([]);
    const tried: string[] = [];
    for (const kind of ['route', 'file', 'chain', 'link', 'sysctl'] as const) {
      const gone = live.find((r) =>
        r.kind === 'chain'
          ? kind === 'chain' && !r.chain.startsWith('NK-PORTS-')
          : r.kind === kind && r.ns !== 'host' && !(r.kind === 'link' && r.ifname === 'lo'),
      );
      if (!gone) continue;
      tried.push(kind);
      const drifted = host(live.filter((r) => r !== gone));
      const r = ok(planPass(config, drifted, memo(m)));
      expect(r.plan.changes.map((c) => c.key)).toContain(gone.key);
      expect(r.plan).toEqual(ok(planPass(config, drifted)).plan);
    }
    expect(tried).toEqual(['route', 'file', 'chain', 'link', 'sysctl']);
    // an address is an input: gone, the desired side is made again (and the same plan results)
    const addr = live.find((r) => r.kind === 'addr' && r.ns === 'web')!;
    const noAddr = host(live.filter((r) => r !== addr));
    const r = ok(planPass(config, noAddr, memo(m)));
    expect(m.kept).toBe(false);
    expect(r.plan).toEqual(ok(planPass(config, noAddr)).plan);
  });

  it('what it keeps is never changed by planning or rendering with it (frozen, they plan and render alike)', () => {
    const m = new DesiredMemo();
    const first = ok(planPass(config, host(), memo(m)));
    deepFreeze(first.topo);
    deepFreeze(first.desired);
    const again = ok(planPass(config, host(), memo(m)));
    expect(m.kept).toBe(true);
    expect(() => render(again.plan.changes, [...again.observed.resources.values(), ...again.desired.resources.values()])).not.toThrow();
    const verify = ok(planPass(config, host(converged(first)), { target: { topo: again.topo, desired: again.desired } }));
    expect(verify.plan.changes).toEqual([]);
  });

  it('desiredInputs holds addresses and namespaces of every namespace, the host links and NK-PORTS chains, nothing else', () => {
    const live = converged(ok(planPass(config, host())));
    const kinds = new Set([...desiredInputs(observed(live)).resources.values()].map((r) => `${r.kind}${r.kind === 'link' ? `@${r.ns}` : ''}`));
    expect([...kinds].sort()).toEqual(['addr', 'chain', 'link@host', 'netns']);
  });
});
