// The plan stage's entry (src/plan/index.ts): files + what observe read → a
// discriminated result, pure.
import { describe, expect, it } from 'vitest';
import { planPass, withHostSysctls } from '../../../src/plan/index.js';
import { parseConfig } from '../../../src/config/index.js';
import type { Config } from '../../../src/model/config.js';
import type { ObservedHost } from '../../../src/model/observed-host.js';
import { key } from '../../../src/model/resources.js';
import { observed } from './topology/fixtures.js';

function files(text: string): Config {
  const r = parseConfig([{ path: 'networks.d/a.yaml', text }]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const WEB = 'kind: Network\nname: front\nsubnets:\n  - subnet: 172.30.0.0/24\n---\nkind: Container\nname: web\nnetworks: [{network: front}]\n';
const V6 = 'kind: Network\nname: six\nsubnets:\n  - subnet: fd00:30::/64\n---\nkind: Container\nname: web\nnetworks: [{network: six}]\n';

const host = (extra: Partial<ObservedHost> = {}): ObservedHost => ({
  observed: observed([], { hostname: 'node-a' }),
  hostSysctls: new Map(),
  identity: { adopted: new Map(), named: new Map() },
  ...extra,
});

describe('planPass', () => {
  it('plans the namespace, veth, firewall and files of a container from nothing', () => {
    const r = planPass(files(WEB), host());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const keys = r.plan.changes.map((c) => c.key);
    expect(keys).toContain('netns:web');
    expect(keys.some((k) => k.startsWith('chain:'))).toBe(true); // the desired state builds the firewall itself
    expect(r.topo.self).toBe('node-a');
    expect(r.desired.resources.size).toBeGreaterThan(keys.length - 1);
  });

  it('is not ok, with diagnostics, when this host is not one the files name', () => {
    const r = planPass(files(`kind: Host\nname: other\naddress: 192.0.2.1\n---\n${WEB}`), host(), { host: 'node-z' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.length).toBeGreaterThan(0);
  });

  it('destroy plans nothing on an empty kernel', () => {
    const r = planPass(files(WEB), host(), { destroy: true });
    expect(r.ok && r.plan.changes).toEqual([]);
  });

  it('refuses to turn on IPv6 forwarding when observe found an RA-learned default route (accept_ra 1)', () => {
    const ra = { routes: [{ dst: 'default', dev: 'eth0', protocol: 'ra' }], acceptRa: new Map([['eth0', '1']]) };
    const r = planPass(files(V6), host({ ra }));
    expect(r.ok && r.plan.conflicts.map((c) => c.code)).toEqual(['ipv6-forwarding-drops-ra-route']);
    const fine = planPass(files(V6), host({ ra: { ...ra, acceptRa: new Map([['eth0', '2']]) } }));
    expect(fine.ok && fine.plan.conflicts).toEqual([]);
  });

  it('verify (target) plans against the given desired state and skips the RA guard', () => {
    const first = planPass(files(WEB), host());
    if (!first.ok) throw new Error('not ok');
    const r = planPass(files(WEB), host(), { target: { topo: first.topo, desired: first.desired } });
    expect(r.ok && r.plan.changes.map((c) => c.key)).toEqual(first.plan.changes.map((c) => c.key));
  });
});

describe('withHostSysctls', () => {
  it('adds the values of the host sysctls the desired state names, leaves others and does not touch its input', () => {
    const name = 'net.ipv4.conf.br-x.route_localnet';
    const d = {
      resources: new Map([[key.sysctl('host', name), { kind: 'sysctl' as const, key: key.sysctl('host', name), ns: 'host', owned: true, name, value: '1' }]]),
    };
    const o = observed([]);
    const merged = withHostSysctls(
      d,
      o,
      new Map([
        [name, '0'],
        ['net.bridge.bridge-nf-call-iptables', '1'],
      ]),
    );
    expect(o.resources.size).toBe(0);
    expect([...merged.resources.values()]).toEqual([{ kind: 'sysctl', key: key.sysctl('host', name), ns: 'host', owned: true, name, value: '0' }]);
    expect(withHostSysctls(d, o, new Map())).toBe(o);
  });
});
