import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/plan/desired.js';
import { diff } from '../../../src/plan/diff.js';
import { renderIp as render } from '../../../src/render/ip.js';
import type { Resource } from '../../../src/model/resources.js';
import { container, observedFrom, topology } from './fixtures.js';

const RESOLV = 'nameserver 10.0.0.2\n';
const keysOf = (p: { changes: { action: string; key: string }[] }) => p.changes.map((c) => `${c.action} ${c.key}`);

describe('diff', () => {
  const topo = topology([container('web', '172.18.0.10')]);
  const desired = buildDesired(topo, RESOLV);

  it('plans everything from nothing, namespaces before links before addresses before routes', () => {
    const plan = diff(desired, observedFrom([]), { prune: true });
    expect(plan.conflicts).toEqual([]);
    const keys = plan.changes.map((c) => c.key);
    expect(keys.indexOf('netns:web')).toBeLessThan(keys.indexOf('link:host/br-frontend'));
    expect(keys.indexOf('link:host/br-frontend')).toBeLessThan(keys.indexOf('link:host/nkweb0'));
    expect(keys.indexOf('link:web/eth0')).toBeLessThan(keys.indexOf('addr:web/eth0/172.18.0.10/24'));
    expect(keys.indexOf('addr:web/eth0/172.18.0.10/24')).toBeLessThan(keys.indexOf('route:web/default'));
    expect(plan.changes.every((c) => c.action === 'create')).toBe(true);
    const route = plan.changes.find((c) => c.key === 'route:web/default')!.after!;
    expect(route).toMatchObject({ via: '172.18.0.1', dev: 'eth0' });
  });

  it('renders one veth creation for the pair, with the peer made straight in the namespace', () => {
    const plan = diff(desired, observedFrom([]), { prune: true });
    const prog = render(plan.changes, [...desired.resources.values()]);
    const adds = prog.host.filter((l) => l.text.startsWith('link add') && l.text.includes('veth'));
    expect(adds.map((l) => l.text)).toEqual(['link add name nkweb0 mtu 1500 type veth peer name eth0 netns /run/netns/web mtu 1500']);
    expect(prog.host[0].text).toBe('netns add web');
    const inside = prog.nsPost.get('web')!.map((l) => l.text);
    expect(inside).toContain('addr replace 172.18.0.10/24 dev eth0');
    expect(inside).toContain('route replace default via 172.18.0.1 dev eth0 proto 77');
    expect(inside.some((l) => l.startsWith('link set dev eth0') && l.includes('address 02:42:ac:12:00:0a') && l.endsWith('up'))).toBe(true);
    expect(prog.files.map((f) => f.path).sort()).toEqual([
      '/etc/netns/.hosts/frontend',
      '/etc/netns/web/hostname',
      '/etc/netns/web/hosts',
      '/etc/netns/web/resolv.conf',
    ]);
  });

  it('plans nothing when the kernel already matches', () => {
    const plan = diff(desired, observedFrom(desired.resources.values()), { prune: true });
    expect(plan).toEqual({ changes: [], conflicts: [] });
  });

  it('refuses to touch an interface without the mark, naming it', () => {
    const observed = observedFrom(desired.resources.values());
    const br = observed.resources.get('link:host/br-frontend')!;
    observed.resources.set(br.key, { ...br, owned: false, alias: undefined } as Resource);
    const plan = diff(desired, observed, { prune: true });
    expect(plan.conflicts).toHaveLength(1);
    expect(plan.conflicts[0].message).toContain('interface br-frontend exists and is not netkeeper');
  });

  it('makes again a namespace of its own whose file holds no namespace, and names one that is not its own', () => {
    // what a killed `ip netns add` leaves: the file, nothing in it
    const observed = observedFrom([...desired.resources.values()].filter((r) => r.ns !== 'web'));
    const broken = { ...desired.resources.get('netns:web')!, owned: true, broken: 'nsenter: reassociate to namespace failed' } as Resource;
    observed.resources.set(broken.key, broken);
    const plan = diff(desired, observed, { prune: true });
    expect(plan.conflicts).toEqual([]);
    expect(plan.changes[0]).toMatchObject({ action: 'replace', key: 'netns:web', reason: '/run/netns/web holds no namespace' });
    const host = render(plan.changes, [...desired.resources.values()]).host.map((l) => l.text);
    expect(host[0]).toBe('netns delete web');
    expect(host.indexOf('netns add web')).toBeGreaterThan(0);

    observed.resources.set(broken.key, { ...broken, owned: false });
    const refused = diff(desired, observed, { prune: true });
    expect(refused.conflicts.map((c) => c.message)).toEqual([
      "/run/netns/web (a file with no namespace mounted on it) exists and is not netkeeper's; remove or rename it, or change the files",
    ]);
  });

  it('heals a flushed address and a deleted veth (both ends made anew, addresses and routes again)', () => {
    const observed = observedFrom(desired.resources.values());
    observed.resources.delete('addr:host/br-frontend/172.18.0.1/24');
    let plan = diff(desired, observed, { prune: true });
    expect(keysOf(plan)).toEqual(['create addr:host/br-frontend/172.18.0.1/24']);

    const o2 = observedFrom(desired.resources.values());
    o2.resources.delete('link:host/nkweb0');
    o2.resources.delete('link:web/eth0');
    plan = diff(desired, o2, { prune: true });
    expect(keysOf(plan)).toEqual(['create link:host/nkweb0', 'create link:web/eth0', 'create addr:web/eth0/172.18.0.10/24', 'create route:web/default']);
  });

  it('replaces the surviving end when one end of a veth pair is gone', () => {
    const o = observedFrom(desired.resources.values());
    o.resources.delete('link:web/eth0');
    const plan = diff(desired, o, { prune: true });
    expect(keysOf(plan)).toContain('replace link:host/nkweb0');
    const prog = render(plan.changes, [...o.resources.values()]);
    expect(prog.host.map((l) => l.text)).toEqual(
      expect.arrayContaining(['link del dev nkweb0', 'link add name nkweb0 mtu 1500 type veth peer name eth0 netns /run/netns/web mtu 1500']),
    );
  });

  it('removes a container that left the files: its namespace, host veth and files, nothing inside twice', () => {
    const both = buildDesired(topology([container('web', '172.18.0.10'), container('db', '172.18.0.11')]), RESOLV);
    const plan = diff(desired, observedFrom(both.resources.values()), { prune: true });
    expect(keysOf(plan).sort()).toEqual(
      [
        'delete file:/etc/netns/db/hostname',
        'delete file:/etc/netns/db/hosts',
        'delete file:/etc/netns/db/resolv.conf',
        'delete link:host/nkdb0',
        'delete netns:db',
        'update file:/etc/netns/.hosts/frontend', // db's name leaves web's hosts file
      ].sort(),
    );
    const prog = render(plan.changes, []);
    expect(prog.host.map((l) => l.text)).toEqual(['link del dev nkdb0', 'netns delete db']);
  });

  it('keeps owned objects that left the files when prune is off', () => {
    const both = buildDesired(topology([container('web', '172.18.0.10'), container('db', '172.18.0.11')]), RESOLV);
    const plan = diff(desired, observedFrom(both.resources.values()), { prune: false });
    expect(plan.changes.filter((c) => c.action === 'delete')).toEqual([]);
  });

  it('updates mtu in place and says why', () => {
    const o = observedFrom(desired.resources.values());
    const br = o.resources.get('link:host/br-frontend')!;
    o.resources.set(br.key, { ...br, mtu: 1400 } as Resource);
    const plan = diff(desired, o, { prune: true });
    expect(plan.changes).toHaveLength(1);
    expect(plan.changes[0]).toMatchObject({ action: 'update', key: 'link:host/br-frontend', reason: 'mtu 1400 → 1500' });
    expect(render(plan.changes, []).host.map((l) => l.text)).toEqual(['link set dev br-frontend mtu 1500']);
  });

  it('never deletes a foreign object, even when prune is on', () => {
    const o = observedFrom(desired.resources.values());
    o.resources.set('link:host/docker0', { kind: 'link', key: 'link:host/docker0', ns: 'host', ifname: 'docker0', type: 'bridge', up: true, owned: false });
    o.resources.set('netns:theirs', {
      kind: 'netns',
      key: 'netns:theirs',
      ns: 'theirs',
      name: 'theirs',
      origin: 'named',
      path: '/run/netns/theirs',
      owned: false,
    });
    expect(diff(desired, o, { prune: true }).changes).toEqual([]);
  });
});

describe('a bridge made anew', () => {
  it('takes its ports again', () => {
    const topo = topology([container('web', '172.18.0.10')]);
    const desired = buildDesired(topo, RESOLV);
    const o = observedFrom(desired.resources.values());
    const br = o.resources.get('link:host/br-frontend')!;
    o.resources.set(br.key, { ...br, type: 'vxlan' } as Resource); // something else of that name, ours
    const plan = diff(desired, o, { prune: true });
    expect(plan.changes.find((c) => c.key === 'link:host/br-frontend')?.action).toBe('replace');
    const prog = render(plan.changes, [...o.resources.values()]);
    expect(prog.host.map((l) => l.text)).toContain('link set dev nkweb0 master br-frontend');
  });
});

describe('a changed fixed address', () => {
  it('writes the default route again: removing the old address drops it in the kernel', () => {
    const before = buildDesired(topology([container('web', '172.18.0.10')]), RESOLV);
    const after = buildDesired(topology([container('web', '172.18.0.20')]), RESOLV);
    const plan = diff(after, observedFrom(before.resources.values()), { prune: true });
    expect(keysOf(plan)).toEqual(
      expect.arrayContaining(['delete addr:web/eth0/172.18.0.10/24', 'create addr:web/eth0/172.18.0.20/24', 'create route:web/default']),
    );
    const prog = render(plan.changes, []);
    expect(prog.nsPre.get('web')!.map((l) => l.text)).toEqual(['addr del 172.18.0.10/24 dev eth0']);
    expect(
      prog.nsPost
        .get('web')!
        .map((l) => l.text)
        .slice(-1),
    ).toEqual(['route replace default via 172.18.0.1 dev eth0 proto 77']);
  });
});

describe('files of a container that left', () => {
  it('go as one directory; files of a container that stays go one by one', () => {
    const both = buildDesired(topology([container('web', '172.18.0.10'), container('db', '172.18.0.11')]), RESOLV);
    const webOnly = buildDesired(topology([container('web', '172.18.0.10')]), RESOLV);
    const observed = observedFrom(both.resources.values());
    const plan = diff(webOnly, observed, { prune: true });
    const prog = render(plan.changes, [...observed.resources.values(), ...webOnly.resources.values()]);
    expect(prog.dirs).toEqual([{ path: '/etc/netns/db', keys: expect.arrayContaining(['file:/etc/netns/db/hosts']) }]);
    expect(prog.files.map((f) => f.path)).toEqual(['/etc/netns/.hosts/frontend']);
  });
});

describe('file order', () => {
  it('writes hostname after the marked files and removes it before them', () => {
    const desired = buildDesired(topology([container('web', '172.18.0.10')]), RESOLV);
    const prog = render(diff(desired, observedFrom([]), { prune: true }).changes, []);
    // the shared hosts file first: web's hosts is a link to it
    expect(prog.files.map((f) => f.path.split('/').pop())).toEqual(['frontend', 'hosts', 'resolv.conf', 'hostname']);
  });
});
