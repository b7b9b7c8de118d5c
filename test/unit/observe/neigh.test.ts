// Pure parsers against real iproute2 output: captured in a sandbox by
// test/fixtures/ip/capture.sh, plus the reference samples.

import { describe, expect, it } from 'vitest';
import { splitBatch } from '../../../src/observe/batch.js';
import type { FdbEntry, IpNeigh } from '../../../src/observe/ip-json.js';
import { parseJsonArray } from '../../../src/observe/ip-json.js';
import { parseFdb, parseNeigh } from '../../../src/observe/neigh.js';
import { parseNsBatch } from '../../../src/observe/observed.js';
import type { FdbRes } from '../../../src/model/resources.js';
import { key } from '../../../src/model/resources.js';
import { fixture, fixtureJson, sample } from './fixtures.js';

const host = parseNsBatch(fixture('host_batch.txt'), true);

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
    expect(f.map((x) => x.key).sort()).toEqual(['fdb:host/vx-nk/00:00:00:00:00:00/192.0.2.10', 'fdb:host/vx-nk/02:42:ac:12:00:63/192.0.2.10']);
    expect(f.every((x) => x.owned && x.dev === 'vx-nk' && x.dst === '192.0.2.10')).toBe(true);
    // the unfiltered dump names the device in `ifname`
    const all = parseFdb(fixtureJson<FdbEntry[]>('fdb_all.json'), 'host', own);
    expect(all.map((x) => x.key).sort()).toEqual(f.map((x) => x.key).sort());
    expect(parseFdb(sample<FdbEntry[]>('bridge_fdb_vx0.json'), 'host', own, 'vx0').map((x) => x.mac)).toEqual(['02:42:ac:11:00:02', '00:00:00:00:00:00']);
  });
});

describe('overlay FDB entries', () => {
  const master: FdbRes = {
    kind: 'fdb',
    key: key.fdbMaster('host', 'vx-ov', '02:42:0a:32:00:14'),
    ns: 'host',
    owned: true,
    dev: 'vx-ov',
    mac: '02:42:0a:32:00:14',
    dst: '',
    master: true,
  };
  // `bridge -j fdb show dev vx-ov` as iproute2 6.1 prints it (captured in a sandbox)
  const dump = [
    { mac: '02:42:0a:32:00:14', flags: [], master: 'br-ov', state: 'static' },
    { mac: '5a:1d:52:b4:cb:c0', flags: [], master: 'br-ov', state: 'permanent' },
    { mac: '02:42:0a:32:00:99', flags: [], master: 'br-ov', state: '' },
    { mac: '02:42:0a:32:00:14', dst: '192.168.50.2', flags: ['self'], state: 'permanent' },
    { mac: '00:00:00:00:00:00', dst: '192.168.50.2', flags: ['self'], state: 'permanent' },
  ];

  it("reads static bridge entries and VXLAN entries; skips learned ones and the port's own MAC", () => {
    const rs = parseFdb(dump, 'host', { ownedIfnames: new Set(['vx-ov']), nsOwned: false }, 'vx-ov');
    expect(rs.map((r) => r.key).sort()).toEqual([
      'fdb:host/vx-ov/00:00:00:00:00:00/192.168.50.2',
      'fdb:host/vx-ov/02:42:0a:32:00:14/192.168.50.2',
      'fdb:host/vx-ov/02:42:0a:32:00:14/master',
    ]);
    expect(rs.find((r) => r.master)).toEqual(master);
  });
});
