import { describe, expect, it } from 'vitest';
import type { Resource } from '../../../src/model/resources.js';
import { key } from '../../../src/model/resources.js';
import { formatL2Status, macvlanStatus, overlayStatus } from '../../../src/status/overlay.js';

const H = 'host';
const link = (ns: string, ifname: string, extra: Record<string, unknown>): Resource =>
  ({ kind: 'link', key: key.link(ns, ifname), ns, ifname, owned: true, up: true, ...extra }) as Resource;
const addr = (ns: string, ifname: string, cidr: string): Resource => ({ kind: 'addr', key: key.addr(ns, ifname, cidr), ns, ifname, cidr, owned: true });
const fdb = (mac: string, dst: string): Resource => ({ kind: 'fdb', key: key.fdb(H, 'vx-ov', mac, dst), ns: H, owned: true, dev: 'vx-ov', mac, dst });
const master = (mac: string): Resource => ({ kind: 'fdb', key: key.fdbMaster(H, 'vx-ov', mac), ns: H, owned: true, dev: 'vx-ov', mac, dst: '', master: true });
const neigh = (ip: string, mac: string): Resource => ({ kind: 'neigh', key: key.neigh(H, 'vx-ov', ip), ns: H, owned: true, dev: 'vx-ov', ip, mac });

const kernel: Resource[] = [
  link(H, 'br-ov', { type: 'bridge', alias: 'nk:net:ov' }),
  link(H, 'vx-ov', {
    type: 'vxlan',
    master: 'br-ov',
    alias: 'nk:vxlan:ov',
    vxlan: { vni: 4097, local: '192.168.50.1', port: 4789, learning: false, proxy: true },
  }),
  link(H, 'nk0123456789', { type: 'veth', master: 'br-ov', alias: 'nk:veth:web/eth0' }),
  link('web', 'eth0', { type: 'veth', mac: '02:42:0a:32:00:0a', alias: 'nk:veth:host/nk0123456789' }),
  addr('web', 'eth0', '10.50.0.10/24'),
  fdb('02:42:0a:32:00:14', '192.168.50.2'),
  master('02:42:0a:32:00:14'),
  neigh('10.50.0.20', '02:42:0a:32:00:14'),
  fdb('00:00:00:00:00:00', '192.168.50.2'),
  fdb('02:42:0a:32:00:1e', '192.168.50.9'), // a stray entry with no neighbour and an unknown host
  link('cam', 'eth0', { type: 'macvlan', alias: 'nk:macvlan:lan', mac: '02:42:c0:a8:09:0b', macvlan: { parent: 'lan0', mode: 'bridge' } }),
  addr('cam', 'eth0', '192.168.9.11/24'),
];
const hosts = [
  { name: 'node-a', address: '192.168.50.1' },
  { name: 'node-b', address: '192.168.50.2' },
];

describe('overlay status', () => {
  it('lists local and remote members with hosts, VTEPs and flood peers; flags incomplete entries', () => {
    const names = { hosts, containers: new Map([['ov', new Map([['10.50.0.20', { container: 'api', host: 'node-b' }]])]]) };
    const [ov] = overlayStatus(kernel, names);
    expect(ov).toMatchObject({ network: 'ov', vxlanDev: 'vx-ov', bridge: 'br-ov', vni: 4097, local: { address: '192.168.50.1', host: 'node-a' } });
    expect(ov.members).toEqual([
      { container: 'web', host: 'node-a', local: true, ip4: '10.50.0.10', mac: '02:42:0a:32:00:0a', where: 'web/eth0' },
      { container: 'api', host: 'node-b', local: false, ip4: '10.50.0.20', mac: '02:42:0a:32:00:14', vtep: '192.168.50.2' },
      { local: false, mac: '02:42:0a:32:00:1e', vtep: '192.168.50.9', incomplete: 'no neighbour entry' },
    ]);
    expect(ov.floods).toEqual([{ address: '192.168.50.2', host: 'node-b' }]);
  });

  it('formats a section per overlay and per macvlan network', () => {
    const text = formatL2Status(overlayStatus(kernel, { hosts }), macvlanStatus(kernel)).join('\n');
    expect(text).toBe(
      [
        '',
        'Overlay ov: vni 4097, port 4789, vx-ov on br-ov, this host node-a (192.168.50.1); 1 local, 2 remote',
        '  MEMBER  HOST          WHERE   ADDRESS     MAC                PATH',
        '  web     node-a        local   10.50.0.10  02:42:0a:32:00:0a  web/eth0',
        '  ?       node-b        remote  10.50.0.20  02:42:0a:32:00:14  via 192.168.50.2',
        '  ?       192.168.50.9  remote  –           02:42:0a:32:00:1e  via 192.168.50.9 (incomplete: no neighbour entry)',
        '  floods to: node-b (192.168.50.2)',
        '',
        'macvlan lan: parent lan0, mode bridge; 1 member(s)',
        '  MEMBER  INTERFACE  ADDRESS       MAC',
        '  cam     cam/eth0   192.168.9.11  02:42:c0:a8:09:0b',
      ].join('\n'),
    );
  });
});
