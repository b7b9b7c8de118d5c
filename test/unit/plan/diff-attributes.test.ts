// Issue 8 item 11: whatever netkeeper sets, it compares. A bridge port keeps no
// hairpin mode, and a bridge no route_localnet, after the published port that
// needed it moved away or went.

import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/plan/desired.js';
import { diff } from '../../../src/plan/diff.js';
import { renderIp as render } from '../../../src/render/ip.js';
import { toMap, type LinkRes, type Resource } from '../../../src/model/resources.js';
import { port } from './firewall-fixtures.js';
import { container, observedFrom, topology } from './fixtures.js';

const RESOLV = 'nameserver 10.0.0.2\n';
const published = (ip: string, spec: string) => ({ ports: [port(spec, ip, 'frontend')] });

function desiredOf(webPorts: boolean, apiPorts: boolean, spec = '8080:80') {
  const topo = topology([
    container('web', '172.18.0.10', webPorts ? published('172.18.0.10', spec) : {}),
    container('api', '172.18.0.11', apiPorts ? published('172.18.0.11', spec) : {}),
  ]);
  return buildDesired(topo, RESOLV, { firewall: true });
}

describe('bridge port hairpin follows the published ports', () => {
  it('a port that moves to another container: hairpin off on the old bridge port, on on the new one', () => {
    const before = desiredOf(true, false);
    expect((before.resources.get('link:host/nkweb0') as LinkRes).hairpin).toBe(true);
    const after = desiredOf(false, true);
    const plan = diff(after, observedFrom(before.resources.values()), { prune: true });
    const byKey = new Map(plan.changes.map((c) => [c.key, c]));
    expect(byKey.get('link:host/nkweb0')).toMatchObject({ action: 'update', reason: 'hairpin on → off' });
    expect(byKey.get('link:host/nkapi0')).toMatchObject({ action: 'update', reason: 'hairpin off → on' });
    const host = render(plan.changes, [...after.resources.values()]).host.map((l) => l.text);
    expect(host).toContain('link set dev nkweb0 type bridge_slave hairpin off');
    expect(host).toContain('link set dev nkapi0 type bridge_slave hairpin on');
    // and then nothing more
    expect(diff(after, observedFrom(after.resources.values()), { prune: true }).changes).toEqual([]);
  });

  it('a new bridge port without published ports gets no hairpin line (the kernel default is off)', () => {
    const d = desiredOf(false, false);
    const plan = diff(d, observedFrom([]), { prune: true });
    const host = render(plan.changes, [...d.resources.values()]).host.map((l) => l.text);
    expect(host.filter((l) => l.includes('hairpin'))).toEqual([]);
  });
});

describe('route_localnet follows the 127.0.0.1-reachable ports', () => {
  const key = 'sysctl:host/net.ipv4.conf.br-frontend.route_localnet';

  it('is set back to 0 when the last such port goes (its NK-RAW guard goes with it)', () => {
    const before = desiredOf(true, false);
    expect(before.resources.get(key)).toMatchObject({ value: '1' });
    const after = desiredOf(false, false);
    const plan = diff(after, observedFrom(before.resources.values()), { prune: true });
    const byKey = new Map(plan.changes.map((c) => [c.key, c]));
    expect(byKey.get(key)).toMatchObject({ action: 'update', reason: 'value 1 → 0' });
    expect(byKey.get('chain:host/raw/NK-RAW')).toMatchObject({ action: 'delete' });
  });

  it('a bridge made in this plan is not given route_localnet=0 (it has it); one that needs 1 is', () => {
    const none = diff(desiredOf(false, false), observedFrom([]), { prune: true });
    expect(none.changes.map((c) => c.key)).not.toContain(key);
    const needs = diff(desiredOf(true, false), observedFrom([]), { prune: true });
    expect(needs.changes.find((c) => c.key === key)).toMatchObject({ action: 'create' });
  });

  it('a bridge made anew gets route_localnet=1 again even though the old one had it', () => {
    const d = desiredOf(true, false);
    const o = observedFrom(d.resources.values());
    const br = o.resources.get('link:host/br-frontend') as LinkRes;
    o.resources.set(br.key, { ...br, type: 'dummy' } as Resource); // a type change: replaced
    const plan = diff(d, o, { prune: true });
    expect(plan.changes.find((c) => c.key === 'link:host/br-frontend')).toMatchObject({ action: 'replace' });
    expect(plan.changes.find((c) => c.key === key)).toMatchObject({ action: 'create' });
  });

  it('nothing to do when the kernel matches', () => {
    const d = desiredOf(false, true);
    expect(diff(d, observedFrom(d.resources.values()), { prune: true }).changes).toEqual([]);
    expect(diff({ resources: toMap([]) }, observedFrom([]), { prune: true }).changes).toEqual([]);
  });
});
