// The fleet store's pure side: keys → membership, membership merged into the files,
// and the IPAM claims a host must hold (src/plan/fleet.ts); the --store flag.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { parseStoreFlag, resolveStore } from '../../../src/config/store-flag.js';
import type { Config } from '../../../src/model/config.js';
import { buildTopology } from '../../../src/plan/topology/index.js';
import { buildOverlay } from '../../../src/plan/overlay.js';
import { mergeMembership, parseMembership, planClaims, selfRegistration, wantedClaims, type Membership } from '../../../src/plan/fleet.js';

const NET = 'kind: Network\nname: ov\ndriver: overlay\nvni: 4097\nsubnets:\n  - subnet: 10.50.0.0/24\n';
const host = (n: string, a: string) => `---\nkind: Host\nname: ${n}\naddress: ${a}\n`;
const ctr = (n: string, extra = '') => `---\nkind: Container\nname: ${n}\n${extra}networks:\n  - network: ov\n`;

function cfg(text: string): Config {
  const r = parseConfig([{ path: 'networks.d/x.yaml', text }]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const noKernel = { resources: new Map(), facts: { foreignRoutes: [], resolvConf: '', hostname: 'a', linkMtu: {} } };
function topo(c: Config, self: string) {
  const t = buildTopology(c, noKernel, self);
  if (!t.ok) throw new Error(JSON.stringify(t.errors));
  return t.value;
}

const kv = (key: string, value: unknown) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) });

describe('parseMembership', () => {
  it('reads hosts and claims under the prefix and ignores the rest', () => {
    const m = parseMembership(
      [
        kv('/nk/hosts/b', { address: '192.168.50.2', vteps: [{ network: 'ov', vni: 4097 }] }),
        kv('/nk/claims/ov/10.50.0.20', { host: 'b', container: 'api', mac: '02:42:0A:32:00:14' }),
        kv('/nk/claims/ov/10.50.0.21', 'not json'),
        kv('/nk/other', '{}'),
        kv('/elsewhere/hosts/x', { address: '1.2.3.4' }),
      ],
      '/nk',
    );
    expect(m.hosts).toEqual([{ name: 'b', address: '192.168.50.2', vteps: [{ network: 'ov', vni: 4097 }] }]);
    expect(m.claims).toEqual([{ network: 'ov', address: '10.50.0.20', host: 'b', container: 'api', mac: '02:42:0a:32:00:14' }]);
    expect(m.ignored).toEqual(['/nk/claims/ov/10.50.0.21', '/nk/other']);
  });
});

describe('mergeMembership', () => {
  const membership: Membership = {
    hosts: [
      { name: 'a', address: '192.168.50.1', vteps: [] },
      { name: 'b', address: '192.168.50.2', vteps: [] },
      { name: 'c', address: '192.168.50.3', vteps: [] },
    ],
    claims: [
      { network: 'ov', address: '10.50.0.10', host: 'a', container: 'web', mac: '02:42:0a:32:00:0a' },
      { network: 'ov', address: '10.50.0.20', host: 'b', container: 'api', mac: '02:42:0a:32:00:14' },
      { network: 'ov', address: '10.50.0.30', host: 'c', container: 'db', mac: '02:42:0a:32:00:1e' },
    ],
  };

  it('gives the overlay planner the same entries as one shared directory with every Host and Container', () => {
    // host a's own directory: the network, its Host, its container (no host:, one Host)
    const own = cfg(NET + host('a', '192.168.50.1') + ctr('web'));
    const merged = mergeMembership(own, membership, 'a');
    expect(merged.warnings).toEqual([]);
    const shared = cfg(
      NET +
        host('a', '192.168.50.1') +
        host('b', '192.168.50.2') +
        host('c', '192.168.50.3') +
        ctr('web', 'host: a\n') +
        ctr('api', 'host: b\n') +
        ctr('db', 'host: c\n'),
    );
    const mergedTopo = topo(merged.config, 'a');
    const sharedTopo = topo(shared, 'a');
    const byKey = (rs: { key: string }[]) => rs.map((r) => r.key).sort();
    // the remote containers keep the addresses they claimed; the shared directory hashes the same names to
    // its own addresses, so compare the shape: one FDB+master+neigh per remote container, a flood entry per peer
    const entries = buildOverlay(mergedTopo);
    expect(entries.length).toBe(buildOverlay(sharedTopo).length);
    expect(byKey(entries)).toContain('neigh:host/vx-ov/10.50.0.20');
    expect(byKey(entries)).toContain('neigh:host/vx-ov/10.50.0.30');
    expect(entries.filter((e) => e.kind === 'fdb' && (e as { mac: string }).mac === '00:00:00:00:00:00').map((e) => (e as { dst: string }).dst)).toEqual([
      '192.168.50.2',
      '192.168.50.3',
    ]);
    // own container pinned to its claim; remote ones are not built here
    expect(mergedTopo.containers.find((c) => c.name === 'web')).toMatchObject({ local: true, attachments: [{ ip4: '10.50.0.10' }] });
    expect(mergedTopo.containers.filter((c) => c.local).map((c) => c.name)).toEqual(['web']);
  });

  it('a host whose registration is gone takes its containers with it', () => {
    const own = cfg(NET + host('a', '192.168.50.1') + ctr('web'));
    const m = { ...membership, hosts: membership.hosts.filter((h) => h.name !== 'c') };
    const merged = mergeMembership(own, m, 'a').config;
    expect(merged.containers.map((c) => c.name).sort()).toEqual(['api', 'web']);
    expect(merged.hosts.map((h) => h.name).sort()).toEqual(['a', 'b']);
  });

  it('a remote container with a name the files use is left out, with a warning', () => {
    const own = cfg(NET + host('a', '192.168.50.1') + ctr('web') + ctr('api'));
    const r = mergeMembership(own, membership, 'a');
    expect(r.config.containers.filter((c) => c.name === 'api')).toHaveLength(1);
    expect(r.warnings.map((w) => w.code)).toEqual(['store-name-clash']);
  });

  it('files win over the store for a Host they declare', () => {
    const own = cfg(NET + host('a', '192.168.50.1') + host('b', '192.168.50.99') + ctr('web', 'host: a\n'));
    const merged = mergeMembership(own, membership, 'a').config;
    expect(merged.hosts.find((h) => h.name === 'b')?.address).toBe('192.168.50.99');
  });
});

describe('claims', () => {
  it('a new container claims its address; a gone one is released; an address another host holds is taken', () => {
    const own = cfg(NET + host('a', '192.168.50.1') + ctr('web') + ctr('new1'));
    const m: Membership = {
      hosts: [{ name: 'a', address: '192.168.50.1', vteps: [] }],
      claims: [
        { network: 'ov', address: '10.50.0.10', host: 'a', container: 'web', mac: '02:42:0a:32:00:0a' },
        { network: 'ov', address: '10.50.0.11', host: 'a', container: 'gone', mac: '02:42:0a:32:00:0b' },
      ],
    };
    const t = topo(mergeMembership(own, m, 'a').config, 'a');
    const want = wantedClaims(t);
    expect(want.find((c) => c.container === 'web')?.address).toBe('10.50.0.10');
    const p = planClaims(want, m, 'a');
    expect(p.create.map((c) => c.container)).toEqual(['new1']);
    expect(p.release.map((c) => c.container)).toEqual(['gone']);
    expect(p.taken).toEqual([]);
    const other = { ...m, claims: [...m.claims, { network: 'ov', address: p.create[0].address, host: 'b', container: 'x', mac: '02:42:00:00:00:01' }] };
    expect(planClaims(want, other, 'a').taken.map((x) => x.holder.host)).toEqual(['b']);
  });

  it('a dynamic address another host claimed is not handed out again: the allocation moves past it', () => {
    const own = cfg(NET + host('a', '192.168.50.1') + ctr('new1'));
    const first = wantedClaims(topo(mergeMembership(own, { hosts: [], claims: [] }, 'a').config, 'a'))[0];
    const m: Membership = {
      hosts: [{ name: 'b', address: '192.168.50.2', vteps: [] }],
      claims: [{ network: 'ov', address: first.address, host: 'b', container: 'other', mac: '02:42:00:00:00:02' }],
    };
    const again = wantedClaims(topo(mergeMembership(own, m, 'a').config, 'a'))[0];
    expect(again.address).not.toBe(first.address);
    expect(planClaims([again], m, 'a')).toMatchObject({ create: [again], taken: [] });
  });

  it('the registration carries the Host address and each overlay VTEP', () => {
    expect(selfRegistration(cfg(NET + host('a', '192.168.50.1')), 'a')).toEqual({
      name: 'a',
      address: '192.168.50.1',
      vteps: [{ network: 'ov', vni: 4097, port: 4789 }],
    });
    expect(selfRegistration(cfg(NET + host('a', '192.168.50.1')), 'z')).toBeUndefined();
  });
});

describe('--store', () => {
  it('parses endpoints and an optional prefix; the flag wins over Settings.store', () => {
    expect(parseStoreFlag('etcd://10.0.0.1:2379,10.0.0.2:2379/fleet')).toEqual({
      ok: true,
      endpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379'],
      prefix: '/fleet',
    });
    expect(parseStoreFlag('etcds://e1:2379')).toEqual({ ok: true, endpoints: ['https://e1:2379'] });
    expect(parseStoreFlag('http://x:1')).toMatchObject({ ok: false });
    expect(parseStoreFlag('etcd://nohost')).toMatchObject({ ok: false });
    const files = { etcd: { endpoints: ['http://f:2379'], prefix: '/p', ttl: 7, tls: { ca: '/ca.pem' } } };
    expect(resolveStore(files, parseStoreFlag('etcd://x:1'))).toEqual({ endpoints: ['http://x:1'], prefix: '/p', ttl: 7, tls: { ca: '/ca.pem' } });
    expect(resolveStore(files, undefined)).toBe(files.etcd);
    expect(resolveStore(undefined, undefined)).toBeUndefined();
  });
});
