// Pure parsers against real iproute2 output: captured in a sandbox by
// test/fixtures/ip/capture.sh, plus the reference samples.

import { describe, expect, it } from 'vitest';
import { parseAddrs } from '../../../src/observe/addrs.js';
import { HOST_BATCH, NS_BATCH, batchInput, fdbBatchInput, splitBatch } from '../../../src/observe/batch.js';
import { parseEtcNetnsFiles, type EtcNetnsFile } from '../../../src/observe/files.js';
import type { FdbEntry, IpLink, IpNeigh, IpRoute, NetconfEntry } from '../../../src/observe/ip-json.js';
import { parseJsonArray } from '../../../src/observe/ip-json.js';
import { linkType, parseLinks } from '../../../src/observe/links.js';
import { parseFdb, parseNeigh } from '../../../src/observe/neigh.js';
import { parseNetconf } from '../../../src/observe/netconf.js';
import { groupNetns, parseNetnsList } from '../../../src/observe/netns.js';
import { parseNsBatch } from '../../../src/observe/observed.js';
import { foreignRouteDsts, normalizeDst, parseRoutes } from '../../../src/observe/routes.js';
import { fixture, fixtureJson, sample } from './fixtures.js';

const host = parseNsBatch(fixture('host_batch.txt'), true);
const web = parseNsBatch(fixture('ns_web_batch.txt'));
const foreign = parseNsBatch(fixture('ns_foreign_batch.txt'));
const r1 = parseNsBatch(fixture('ns_r1_batch.txt'));
const byName = <T extends { ifname: string }>(xs: T[]) => new Map(xs.map((x) => [x.ifname, x]));

describe('batch output', () => {
  it('has one JSON array per command, in order', () => {
    expect(splitBatch(fixture('host_batch.txt'), HOST_BATCH)).toHaveLength(HOST_BATCH.length);
    expect(splitBatch(fixture('ns_web_batch.txt'), NS_BATCH)).toHaveLength(NS_BATCH.length);
    expect(host.links.map((l) => l.ifname)).toContain('br-nk');
    expect(host.addrs.every((l) => Array.isArray(l.addr_info))).toBe(true);
    expect(host.mainRoutes!.length).toBeGreaterThan(0);
  });

  it('refuses output that cannot be aligned with the commands (ip stops at the first error)', () => {
    const short = fixture('ns_web_batch.txt').split('\n').slice(0, 2).join('\n');
    expect(() => parseNsBatch(short)).toThrow(/expected 5 JSON documents.*got 2/);
    expect(() => parseJsonArray('{"a":1}', 'x')).toThrow(/not a JSON array/);
    expect(() => parseJsonArray('[{', 'x')).toThrow(/cannot parse x/);
  });

  it('renders batch input', () => {
    expect(batchInput(['link show', 'addr show'])).toBe('link show\naddr show\n');
    expect(fdbBatchInput(['vx-a', 'vx-b'])).toBe('fdb show dev vx-a\nfdb show dev vx-b\n');
    expect(NS_BATCH).toContain('route show table all proto 77');
  });
});

describe('links', () => {
  const links = byName(parseLinks(host.links, 'host'));

  it('types, state, mtu, mac, master, alias and ownership', () => {
    expect(links.get('lo')).toMatchObject({ key: 'link:host/lo', ns: 'host', type: 'loopback', up: true, owned: false, master: null });
    expect(links.get('br-nk')).toMatchObject({
      key: 'link:host/br-nk',
      type: 'bridge',
      up: true,
      owned: true,
      alias: 'nk:net:frontend',
      mtu: 1450,
      master: null,
      addrgenNone: false,
    });
    expect(links.get('br-nk')!.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(links.get('br-nk')!.ifindex).toBe(2);
    expect(links.get('br-foreign')).toMatchObject({ type: 'bridge', owned: false });
    expect(links.get('br-foreign')!.alias).toBeUndefined();
    expect(links.get('vh-web')).toMatchObject({ type: 'veth', master: 'br-nk', owned: true, addrgenNone: true, alias: 'nk:veth:host/vh-web' });
    expect(links.get('fh0')).toMatchObject({ type: 'veth', master: 'br-foreign', owned: false });
  });

  it('vxlan details', () => {
    expect(links.get('vx-nk')).toMatchObject({
      type: 'vxlan',
      owned: true,
      master: 'br-nk',
      vxlan: { vni: 4097, local: '172.18.0.1', port: 4789, learning: false, dev: 'br-foreign' },
    });
  });

  it('veth peer in the same namespace and macvlan parent from `link`', () => {
    expect(links.get('up0')!.peer).toEqual({ ns: 'host', ifname: 'up0p' });
    expect(links.get('up0p')!.peer).toEqual({ ns: 'host', ifname: 'up0' });
    expect(links.get('mv0')).toMatchObject({ type: 'macvlan', owned: true, macvlan: { parent: 'up0', mode: 'bridge' } });
    // a cross-namespace peer is not known from one namespace alone
    expect(links.get('vh-web')!.peer).toBeUndefined();
  });

  it('inside a namespace: lo alias, MAC and MTU set by hand, macvlan mode', () => {
    const w = byName(parseLinks(web.links, 'web'));
    expect(w.get('lo')).toMatchObject({ key: 'link:web/lo', alias: 'nk:netns', owned: true, type: 'loopback' });
    expect(w.get('eth0')).toMatchObject({ mac: '02:42:ac:12:00:0a', mtu: 1400, up: true, owned: true, master: null });
    expect(w.get('mv1')).toMatchObject({ type: 'macvlan', up: false, macvlan: { parent: '', mode: 'private' } });
  });

  it('reference samples', () => {
    const [br] = parseLinks(sample<IpLink[]>('link_bridge.json'), 'host');
    expect(br).toMatchObject({ ifname: 'br0', type: 'bridge', up: true, mtu: 1500, mac: '8e:a2:9c:7c:4b:1b', owned: false });
    const [vx] = parseLinks(sample<IpLink[]>('link_vxlan.json'), 'host');
    expect(vx).toMatchObject({ type: 'vxlan', master: 'br0', vxlan: { vni: 42, local: '10.200.0.1', port: 4789, learning: false } });
    expect(vx.vxlan!.dev).toBeUndefined();
    const [h1] = parseLinks(sample<IpLink[]>('link_veth_host_bridge_slave.json'), 'host');
    expect(h1).toMatchObject({ ifname: 'h1', type: 'veth', master: 'br0', ifindex: 2064 });
    const [eth0] = parseLinks(sample<IpLink[]>('link_veth_in_netns.json'), 'c1');
    expect(eth0).toMatchObject({ key: 'link:c1/eth0', type: 'veth', addrgenNone: false, master: null });
    expect(linkType({ ifname: 'wg0', linkinfo: { info_kind: 'wireguard' } })).toBe('other');
    expect(linkType({ ifname: 'eth9' })).toBe('other');
  });
});

describe('addresses', () => {
  const ownedHost = new Set(parseLinks(host.links, 'host').filter((l) => l.owned).map((l) => l.ifname));

  it('host: CIDRs, owned by the link alias; no link-local, no 127.0.0.1/8, no ::1', () => {
    const a = parseAddrs(host.addrs, 'host', { nsOwned: false, ownedIfnames: ownedHost });
    expect(a.map((x) => [x.key, x.owned]).sort()).toEqual(
      [
        ['addr:host/br-foreign/10.50.0.1/16', false],
        ['addr:host/br-nk/172.18.0.1/24', true],
        ['addr:host/br-nk/fd00:18::1/64', true],
      ].sort(),
    );
    expect(a[0]).toMatchObject({ kind: 'addr', ns: 'host' });
    // without the owned set, the alias in the (ip -d) entry decides
    expect(parseAddrs(host.addrs, 'host', { nsOwned: false }).find((x) => x.ifname === 'br-nk')!.owned).toBe(true);
  });

  it('in a namespace netkeeper made every address is owned', () => {
    const a = parseAddrs(web.addrs, 'web', { nsOwned: true });
    expect(a.map((x) => x.key).sort()).toEqual([
      'addr:web/eth0/172.18.0.10/24',
      'addr:web/eth0/fd00:18::10/64',
      'addr:web/lo/10.10.10.1/32',
    ]);
    expect(a.every((x) => x.owned)).toBe(true);
  });

  it('lo addresses labelled lo:nk are owned even in a foreign namespace', () => {
    const a = parseAddrs(web.addrs, 'web', { nsOwned: false, ownedIfnames: new Set() });
    expect(a.find((x) => x.ifname === 'lo')!.owned).toBe(true);
    expect(a.find((x) => x.cidr === '172.18.0.10/24')!.owned).toBe(false);
    const f = parseAddrs(foreign.addrs, 'foreign', { nsOwned: false });
    expect(f).toEqual([{ kind: 'addr', key: 'addr:foreign/eth0/10.50.0.2/16', ns: 'foreign', owned: false, ifname: 'eth0', cidr: '10.50.0.2/16' }]);
  });

  it('plain `ip -j addr show` and the reference sample', () => {
    const plain = parseAddrs(fixtureJson<IpLink[]>('addr.json'), 'host', { nsOwned: false, ownedIfnames: ownedHost });
    expect(plain.map((x) => x.cidr).sort()).toEqual(['10.50.0.1/16', '172.18.0.1/24', 'fd00:18::1/64']);
    expect(parseAddrs(sample<IpLink[]>('addr_br0.json'), 'host', { nsOwned: false })).toEqual([
      { kind: 'addr', key: 'addr:host/br0/10.200.0.1/16', ns: 'host', owned: false, ifname: 'br0', cidr: '10.200.0.1/16' },
    ]);
  });
});

describe('routes', () => {
  it('host: netkeeper routes of both families, host routes as /32, onlink', () => {
    const r = parseRoutes(host.routes, 'host');
    expect(r).toEqual([
      { kind: 'route', key: 'route:host/10.77.0.0/16', ns: 'host', owned: true, dst: '10.77.0.0/16', via: '172.18.0.10', dev: 'br-nk' },
      { kind: 'route', key: 'route:host/10.78.0.1/32', ns: 'host', owned: true, dst: '10.78.0.1/32', via: '10.50.0.9', dev: 'br-nk', onlink: true },
      { kind: 'route', key: 'route:host/fd77::/64', ns: 'host', owned: true, dst: 'fd77::/64', dev: 'br-nk' },
    ]);
  });

  it('namespace defaults: default and default6', () => {
    expect(parseRoutes(web.routes, 'web').map((x) => [x.key, x.via, x.dev])).toEqual([
      ['route:web/default', '172.18.0.1', 'eth0'],
      ['route:web/default6', 'fd00:18::1', 'eth0'],
    ]);
    expect(parseRoutes(r1.routes, 'r1')).toEqual([
      { kind: 'route', key: 'route:r1/10.1.1.2/32', ns: 'r1', owned: true, dst: '10.1.1.2/32', dev: 'p2p0' },
    ]);
  });

  it('non-batch dumps: `route show table main proto 77`, -6, and samples', () => {
    expect(parseRoutes(fixtureJson<IpRoute[]>('route_main_proto77.json'), 'host').map((x) => x.dst)).toEqual(['10.77.0.0/16', '10.78.0.1/32']);
    expect(parseRoutes(fixtureJson<IpRoute[]>('route6_main_proto77.json'), 'host').map((x) => x.dst)).toEqual(['fd77::/64']);
    // other tables are not netkeeper's
    expect(parseRoutes(sample<IpRoute[]>('route_proto99_alltables.json'), 'host').map((x) => x.dst)).toEqual(['10.98.0.0/16']);
    // routes with another protocol are dropped
    expect(parseRoutes(sample<IpRoute[]>('route_in_netns.json'), 'c1')).toEqual([]);
    expect(parseRoutes([{ dst: '10.5.0.0/16', type: 'blackhole' }], 'host')).toEqual([]);
  });

  it('normalizes destinations', () => {
    expect(normalizeDst({ dst: 'default' })).toBe('default');
    expect(normalizeDst({ dst: 'default', pref: 'medium' })).toBe('default6');
    expect(normalizeDst({ dst: '10.0.0.1' })).toBe('10.0.0.1/32');
    expect(normalizeDst({ dst: 'FD00::1', pref: 'medium' })).toBe('fd00::1/128');
    expect(normalizeDst({})).toBeUndefined();
  });

  it('foreign routes: not netkeeper protocol, not on owned links, no default', () => {
    const owned = new Set(parseLinks(host.links, 'host').filter((l) => l.owned).map((l) => l.ifname));
    expect(foreignRouteDsts(host.mainRoutes!, owned).sort()).toEqual(['10.50.0.0/16', '10.88.0.0/16']);
    expect(foreignRouteDsts(fixtureJson<IpRoute[]>('route_main.json'), new Set()).sort()).toEqual([
      '10.50.0.0/16',
      '10.88.0.0/16',
      '172.18.0.0/24',
    ]);
  });
});

describe('neighbours and FDB', () => {
  const own = { nsOwned: false, ownedIfnames: new Set(['br-nk', 'vx-nk']) };

  it('permanent neighbours', () => {
    expect(parseNeigh(host.neigh, 'host', own)).toEqual([
      { kind: 'neigh', key: 'neigh:host/br-nk/172.18.0.99', ns: 'host', owned: true, dev: 'br-nk', ip: '172.18.0.99', mac: '02:42:ac:12:00:63' },
    ]);
    expect(parseNeigh(fixtureJson<IpNeigh[]>('neigh.json'), 'host', { nsOwned: false, ownedIfnames: new Set() })[0].owned).toBe(false);
    // filtered on a device: no `dev` key in the dump
    expect(parseNeigh(sample<IpNeigh[]>('neigh_br0.json'), 'host', own, 'br0')).toEqual([
      { kind: 'neigh', key: 'neigh:host/br0/10.200.9.9', ns: 'host', owned: false, dev: 'br0', ip: '10.200.9.9', mac: '02:42:ac:11:00:09' },
    ]);
    expect(parseNeigh([{ dst: '1.2.3.4', dev: 'x', lladdr: 'aa:bb:cc:dd:ee:ff', state: ['REACHABLE'] }], 'host', own)).toEqual([]);
  });

  it('fdb entries with a remote VTEP; the bridge-own entries are skipped', () => {
    const docs = splitBatch(fixture('fdb_batch.txt'), ['vx-nk']);
    const f = parseFdb(parseJsonArray<FdbEntry>(docs[0], 'fdb'), 'host', own, 'vx-nk');
    expect(f.map((x) => x.key).sort()).toEqual([
      'fdb:host/vx-nk/00:00:00:00:00:00/192.0.2.10',
      'fdb:host/vx-nk/02:42:ac:12:00:63/192.0.2.10',
    ]);
    expect(f.every((x) => x.owned && x.dev === 'vx-nk' && x.dst === '192.0.2.10')).toBe(true);
    // the unfiltered dump names the device in `ifname`
    const all = parseFdb(fixtureJson<FdbEntry[]>('fdb_all.json'), 'host', own);
    expect(all.map((x) => x.key).sort()).toEqual(f.map((x) => x.key).sort());
    expect(parseFdb(sample<FdbEntry[]>('bridge_fdb_vx0.json'), 'host', own, 'vx0').map((x) => x.mac)).toEqual([
      '02:42:ac:11:00:02',
      '00:00:00:00:00:00',
    ]);
  });
});

describe('netconf', () => {
  it('forwarding per family as sysctls', () => {
    expect(parseNetconf(host.netconf, 'host')).toEqual([
      { kind: 'sysctl', key: 'sysctl:host/net.ipv4.ip_forward', ns: 'host', owned: true, name: 'net.ipv4.ip_forward', value: '1' },
      { kind: 'sysctl', key: 'sysctl:host/net.ipv6.conf.all.forwarding', ns: 'host', owned: true, name: 'net.ipv6.conf.all.forwarding', value: '0' },
    ]);
    expect(parseNetconf(web.netconf, 'web').find((s) => s.name === 'net.ipv4.ip_forward')!.value).toBe('0');
    expect(parseNetconf(r1.netconf, 'r1').find((s) => s.name === 'net.ipv4.ip_forward')!.value).toBe('1');
    expect(parseNetconf(fixtureJson<NetconfEntry[]>('netconf.json'), 'host')).toHaveLength(2);
  });
});

describe('namespaces and files', () => {
  it('ip -j netns list', () => {
    expect(parseNetnsList(fixtureJson('netns_list.json')).map((n) => n.name).sort()).toEqual(['foreign', 'r1', 'r2', 'side', 'web']);
    expect(parseNetnsList(sample('netns_list.json'))).toEqual([{ name: 'c1', id: 0 }]);
  });

  it('groups bind mounts of one namespace by device+inode', () => {
    const files = fixture('netns_stat.txt')
      .trim()
      .split('\n')
      .map((l) => {
        const [name, dev, ino] = l.split(' ');
        return { name, dev: Number(dev), ino: Number(ino) };
      });
    const g = groupNetns(files);
    expect(g.map((x) => x.primary).sort()).toEqual(['foreign', 'r1', 'r2', 'side']);
    expect(g.find((x) => x.primary === 'side')!.shared).toEqual(['web']);
    const preferred = groupNetns(files, new Set(['web']));
    expect(preferred.find((x) => x.primary === 'web')!.shared).toEqual(['side']);
  });

  it('/etc/netns files: owned by the header; hostname follows hosts', () => {
    const files = parseEtcNetnsFiles(fixtureJson<EtcNetnsFile[]>('etc_netns.json'));
    expect(files.map((f) => [f.key, f.ns, f.owned]).sort()).toEqual([
      ['file:/etc/netns/foreign/resolv.conf', 'foreign', false],
      ['file:/etc/netns/web/hostname', 'web', true],
      ['file:/etc/netns/web/hosts', 'web', true],
      ['file:/etc/netns/web/resolv.conf', 'web', true],
    ]);
    expect(files.find((f) => f.path.endsWith('web/hostname'))!.content).toBe('web\n');
    const userHosts = parseEtcNetnsFiles([
      { ns: 'x', name: 'hosts', path: '/etc/netns/x/hosts', content: '127.0.0.1 localhost\n' },
      { ns: 'x', name: 'hostname', path: '/etc/netns/x/hostname', content: 'x\n' },
    ]);
    expect(userHosts.every((f) => !f.owned)).toBe(true);
  });
});
