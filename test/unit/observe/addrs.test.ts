// Pure parsers against real iproute2 output: captured in a sandbox by
// test/fixtures/ip/capture.sh, plus the reference samples.

import { describe, expect, it } from 'vitest';
import { parseAddrs } from '../../../src/observe/addrs.js';
import type { IpLink } from '../../../src/observe/ip-json.js';
import { parseLinks } from '../../../src/observe/links.js';
import { parseNsBatch } from '../../../src/observe/observed.js';
import { fixture, fixtureJson, sample } from './fixtures.js';

const host = parseNsBatch(fixture('host_batch.txt'), true);
const web = parseNsBatch(fixture('ns_web_batch.txt'));
const foreign = parseNsBatch(fixture('ns_foreign_batch.txt'));

describe('addresses', () => {
  const ownedHost = new Set(
    parseLinks(host.links, 'host')
      .filter((l) => l.owned)
      .map((l) => l.ifname),
  );

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
    expect(a.map((x) => x.key).sort()).toEqual(['addr:web/eth0/172.18.0.10/24', 'addr:web/eth0/fd00:18::10/64', 'addr:web/lo/10.10.10.1/32']);
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
