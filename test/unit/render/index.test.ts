// The render stage's entry (src/render/index.ts): one typed Program for all of a plan.
import { describe, expect, it } from 'vitest';
import { render } from '../../../src/render/index.js';
import { planPass } from '../../../src/plan/index.js';
import { parseConfig } from '../../../src/config/index.js';
import { observed } from '../plan/topology/fixtures.js';

function planOf(text: string) {
  const r = parseConfig([{ path: 'networks.d/a.yaml', text }]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const p = planPass(r.value, { observed: observed([]), hostSysctls: new Map(), identity: { adopted: new Map(), named: new Map() } });
  if (!p.ok) throw new Error(JSON.stringify(p.errors));
  return p;
}

const net = (extra = '') =>
  `kind: Network\nname: front\n${extra}subnets:\n  - subnet: 172.30.0.0/24\n---\nkind: Container\nname: web\nnetworks: [{network: front}]\nports: ["8080:80"]\n`;

describe('render', () => {
  it('holds the ip batches, the iptables-restore inputs of every firewall change, and their keys', () => {
    const p = planOf(net());
    const prog = render(p.plan.changes, [...p.desired.resources.values()]);
    expect(prog.host.length).toBeGreaterThan(0);
    expect(prog.iptables.map((b) => `${b.ns} ${b.family} ${b.table}`)).toContain('host ipv4 nat');
    expect(prog.iptables.every((b) => b.text.endsWith('COMMIT\n'))).toBe(true);
    const fw = p.plan.changes.filter((c) => c.key.startsWith('chain:') || c.key.startsWith('hook:')).map((c) => c.key);
    expect(prog.iptablesKeys.sort()).toEqual(fw.sort());
    expect(prog.conntrack).toEqual([]);
    expect(prog.brNetfilter).toBe(false);
  });

  it('loads br_netfilter first when a net.bridge.* sysctl is set (icc: false)', () => {
    const p = planOf(net('icc: false\n'));
    expect(render(p.plan.changes, [...p.desired.resources.values()]).brNetfilter).toBe(true);
  });

  it('an empty plan is an empty program', () => {
    const prog = render([], []);
    expect(prog).toMatchObject({ host: [], iptables: [], iptablesKeys: [], conntrack: [], brNetfilter: false, files: [], sysctls: [] });
  });
});
