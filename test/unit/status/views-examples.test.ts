// Every example, with the kernel exactly as its files make it: every view lists
// its objects and marks each one in sync (the drift mapping puts no change where
// there is none), and the text renders without gaps.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config/index.js';
import { driftPlan, filesDesired } from '../../../src/status/files-plan.js';
import { statusViews } from '../../../src/status/views.js';
import { statusOutput } from '../../../src/status/output.js';

const EXAMPLES = join(import.meta.dirname, '../../../examples');
const facts = { foreignRoutes: [], resolvConf: 'nameserver 10.0.0.2\n', hostname: 'node-a', linkMtu: { lan0: 1500, eth0: 1500 } };

const dirs = readdirSync(EXAMPLES).filter((d) => readdirSync(join(EXAMPLES, d)).some((f) => f.endsWith('.yaml')));

describe.each(dirs)('examples/%s', (d) => {
  it('is in sync with itself, object by object', () => {
    const files = readdirSync(join(EXAMPLES, d))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => ({ path: `networks.d/${f}`, text: readFileSync(join(EXAMPLES, d, f), 'utf8') }));
    const parsed = parseConfig(files);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const self = parsed.value.hosts[0]?.name ?? 'node-a';
    const fd = filesDesired(parsed.value, { resources: new Map(), facts }, self);
    if (!fd.ok) throw new Error(fd.problem);
    const observed = { resources: new Map([...fd.desired.resources].map(([k, r]) => [k, structuredClone(r)])), facts };
    const again = filesDesired(parsed.value, observed, self);
    if (!again.ok) throw new Error(again.problem);
    const plan = driftPlan(again.topo, again.desired, observed);
    const resources = [...observed.resources.values()];
    const v = statusViews({ resources, topo: again.topo, plan, desired: [...again.desired.resources.values()] });
    const states = [...v.networks, ...v.containers, ...v.links, ...v.ports.map((p) => ({ name: `port ${p.hostPort}`, sync: p.sync }))].map((o) => [
      o.name,
      o.sync?.state,
    ]);
    expect(states.filter(([, s]) => s !== 'in sync')).toEqual([]);
    expect(v.settings?.state).toBe('in sync');
    // the declared local containers are all listed, running
    const local = again.topo.containers
      .filter((c) => c.local)
      .map((c) => c.name)
      .sort();
    expect(v.containers.map((c) => c.name).sort()).toEqual(local);
    expect(v.containers.filter((c) => c.state !== 'running')).toEqual([]);
    const data = { views: v, resources, topo: again.topo, files: { dir: 'networks.d', problem: null }, warnings: [], watcher: null };
    const text = (statusOutput({ view: 'overview' }, data, false) as { text: string }).text;
    expect(text).toContain('Against networks.d: everything in sync.');
    for (const o of [...v.containers, ...v.networks, ...v.links]) {
      const out = statusOutput({ view: 'inspect', name: o.name }, data, false) as { ok: true; text: string };
      expect(out.text).toMatch(/drift: {6}in sync\n/);
    }
  });
});
