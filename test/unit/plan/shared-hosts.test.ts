import { describe, expect, it } from 'vitest';
import { buildFiles, hostsFile, hostsIndex } from '../../../src/plan/desired-files.js';
import { nameCounts, sharedHostsName, sharedHostsSet } from '../../../src/plan/shared-hosts.js';
import { buildDesired } from '../../../src/plan/desired.js';
import { diff } from '../../../src/plan/diff.js';
import { renderIp as render } from '../../../src/render/ip.js';
import { parseEtcNetnsFiles } from '../../../src/observe/files.js';
import { isSharedHostsLink, sharedHostsTarget } from '../../../src/model/shared-hosts-path.js';
import type { FileRes } from '../../../src/model/resources.js';
import { container, network, observedFrom, topology } from './fixtures.js';
import { network as bareNetwork } from './firewall-fixtures.js';

const RESOLV = 'nameserver 10.0.0.2\n';
const HDR = '# managed by netkeeper; edits are overwritten';
const att = (network: string, ip: string, name: string) => ({
  network,
  ifname: network === 'frontend' ? 'eth0' : 'eth1',
  hostIfname: `nk${name}${network.length}`,
  ip4: ip,
  prefix4: 24,
  mac: '02:42:00:00:00:01',
  mtu: 1500,
  aliases: [] as string[],
});
const back = bareNetwork('back', 'br-back', ['172.19.0.0/24']);
const hostsOf = (files: FileRes[], ns: string) => files.find((f) => f.path === `/etc/netns/${ns}/hosts`)!;

describe('shared hosts files', () => {
  it('one file per set of networks; each plain container links to its set', () => {
    const topo = topology(
      [
        container('web', '172.18.0.10'),
        container('db', '172.18.0.20'),
        container('both', '172.18.0.30', { attachments: [att('frontend', '172.18.0.30', 'both'), att('back', '172.19.0.30', 'both')] }),
        container('ext', '172.18.0.40', { extraHosts: [{ name: 'x.local', ip: '192.0.2.1' }] }),
      ],
      { networks: [network(), back] },
    );
    const files = buildFiles(topo, RESOLV);
    expect(hostsOf(files, 'web')).toMatchObject({ link: '../.hosts/frontend' });
    expect(hostsOf(files, 'db')).toMatchObject({ link: '../.hosts/frontend' });
    expect(hostsOf(files, 'both')).toMatchObject({ link: '../.hosts/frontend,back' });
    expect(hostsOf(files, 'ext').link).toBeUndefined(); // extraHosts: a file of its own
    const shared = files.filter((f) => f.path.startsWith('/etc/netns/.hosts/'));
    expect(shared.map((f) => [f.path, f.ns])).toEqual([
      ['/etc/netns/.hosts/frontend', 'host'],
      ['/etc/netns/.hosts/frontend,back', 'host'],
    ]);
    expect(shared[0].content).toBe(
      `${HDR}\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n172.18.0.30\tboth\n172.18.0.20\tdb\n172.18.0.40\text\n172.18.0.10\tweb\n`,
    );
    expect(shared[1].content.split('\n').slice(3, -1)).toEqual([
      '172.18.0.30\tboth',
      '172.18.0.20\tdb',
      '172.18.0.40\text',
      '172.18.0.10\tweb',
      '172.19.0.30\tboth',
    ]);
    // a link's content is the shared file's, for whoever shows it
    expect(hostsOf(files, 'web').content).toBe(shared[0].content);
    // the same lines as the file of its own it replaces (there, its own entry first)
    const own = hostsFile(topo.containers[0], topo);
    expect(own.split('\n').sort()).toEqual(shared[0].content.split('\n').sort());
  });

  it('a container keeps a file of its own when the shared one would resolve one of its names elsewhere', () => {
    const topo = topology([
      container('web', '172.18.0.10', { attachments: [{ ...att('frontend', '172.18.0.10', 'web'), aliases: ['api'] }] }),
      container('api', '172.18.0.20'),
      container('db', '172.18.0.30'),
      container('Db2', '172.18.0.40', { links: [{ container: 'db', alias: 'database' }] } as never),
    ]);
    const index = hostsIndex(topo);
    const counts = nameCounts(index);
    expect(sharedHostsSet(topo.containers[0], index, counts)).toBeUndefined(); // alias api is another's name
    expect(sharedHostsSet(topo.containers[1], index, counts)).toBeUndefined(); // its name is web's alias
    expect(sharedHostsSet(topo.containers[2], index, counts)).toEqual(['frontend']);
    expect(sharedHostsSet(topo.containers[3], index, counts)).toBeUndefined(); // links
  });

  it('names a long set by a hash; only links straight into .hosts are netkeeper’s', () => {
    expect(sharedHostsName(['a', 'b'])).toBe('a,b');
    const long = sharedHostsName(['n'.repeat(63), 'm'.repeat(63)]);
    expect(long).toMatch(/^n{40}-[0-9a-f]{16}$/);
    expect(isSharedHostsLink('../.hosts/a,b')).toBe(true);
    expect(isSharedHostsLink('../.hosts/../x')).toBe(false);
    expect(isSharedHostsLink('/etc/hosts')).toBe(false);
    expect(sharedHostsTarget('/etc/netns/web/hosts', '../.hosts/app')).toBe('/etc/netns/.hosts/app');
    const parsed = parseEtcNetnsFiles([
      { ns: 'web', name: 'hosts', path: '/etc/netns/web/hosts', content: '', link: '../.hosts/app' },
      { ns: 'web', name: 'hostname', path: '/etc/netns/web/hostname', content: 'web\n' },
      { ns: 'mine', name: 'hosts', path: '/etc/netns/mine/hosts', content: '', link: '/etc/my-hosts' },
      { ns: '.hosts', name: 'app', path: '/etc/netns/.hosts/app', content: `${HDR}\n` },
    ]);
    const by = new Map(parsed.map((r) => [r.path, r]));
    expect(by.get('/etc/netns/web/hosts')).toMatchObject({ owned: true, link: '../.hosts/app', content: `${HDR}\n` });
    expect(by.get('/etc/netns/web/hostname')!.owned).toBe(true);
    expect(by.get('/etc/netns/mine/hosts')!.owned).toBe(false);
    expect(by.get('/etc/netns/.hosts/app')).toMatchObject({ owned: true, ns: 'host' });
  });

  it('a per-container hosts file (the layout before) becomes a link; the shared file is written first', () => {
    const topo = topology([container('web', '172.18.0.10'), container('db', '172.18.0.20')]);
    const desired = buildDesired(topo, RESOLV);
    const old = [...desired.resources.values()]
      .filter((r) => !(r.kind === 'file' && r.path.startsWith('/etc/netns/.hosts/')))
      .map((r) => (r.kind === 'file' && r.link ? { ...r, link: undefined, content: hostsFile(topo.containers.find((c) => r.ns === c.netns)!, topo) } : r));
    const plan = diff(desired, observedFrom(old), { prune: true });
    expect(plan.changes.map((c) => `${c.action} ${c.key} ${c.reason}`).sort()).toEqual([
      'create file:/etc/netns/.hosts/frontend declared',
      'update file:/etc/netns/db/hosts want a link to ../.hosts/frontend',
      'update file:/etc/netns/web/hosts want a link to ../.hosts/frontend',
    ]);
    const prog = render(plan.changes, [...old, ...desired.resources.values()]);
    expect(prog.files.map((f) => [f.path, f.link ?? null])).toEqual([
      ['/etc/netns/.hosts/frontend', null],
      ['/etc/netns/db/hosts', '../.hosts/frontend'],
      ['/etc/netns/web/hosts', '../.hosts/frontend'],
    ]);
    // and the second pass finds nothing to do
    expect(diff(desired, observedFrom(desired.resources.values()), { prune: true }).changes).toEqual([]);
  });

  it('adding a container changes one shared file and one link, not the peers’ files', () => {
    const cs = Array.from({ length: 50 }, (_, i) => container(`c${i}`, `172.18.0.${i + 10}`));
    const before = buildDesired(topology(cs), RESOLV);
    const after = buildDesired(topology([...cs, container('new', '172.18.0.100')]), RESOLV);
    const files = diff(after, observedFrom(before.resources.values()), { prune: true }).changes.filter((c) => c.key.startsWith('file:'));
    expect(files.map((c) => `${c.action} ${c.key}`).sort()).toEqual([
      'create file:/etc/netns/new/hostname',
      'create file:/etc/netns/new/hosts',
      'create file:/etc/netns/new/resolv.conf',
      'update file:/etc/netns/.hosts/frontend',
    ]);
  });
});
