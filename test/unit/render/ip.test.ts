// The overlay's L2 pieces through the shared engine: render lines for FDB entries
// (VXLAN `self` and bridge `master`) and the VXLAN port's learning flag. The parsers
// that read them back are tested in test/unit/observe/{neigh,links}.test.ts.
import { describe, expect, it } from 'vitest';
import type { Change } from '../../../src/model/plan.js';
import type { FdbRes, LinkRes } from '../../../src/model/resources.js';
import { key } from '../../../src/model/resources.js';
import { renderIp as render } from '../../../src/render/ip.js';

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
const self: FdbRes = {
  kind: 'fdb',
  key: key.fdb('host', 'vx-ov', '02:42:0a:32:00:14', '192.168.50.2'),
  ns: 'host',
  owned: true,
  dev: 'vx-ov',
  mac: '02:42:0a:32:00:14',
  dst: '192.168.50.2',
};
const vx: LinkRes = {
  kind: 'link',
  key: key.link('host', 'vx-ov'),
  ns: 'host',
  owned: true,
  ifname: 'vx-ov',
  type: 'vxlan',
  up: true,
  mtu: 1450,
  master: 'br-ov',
  alias: 'nk:vxlan:ov',
  addrgenNone: true,
  portLearning: false,
  vxlan: { vni: 4097, local: '192.168.50.1', port: 4789, learning: false, proxy: true },
};

const bridgeLines = (changes: Change[]) => (render(changes, []).bridge.get('host') ?? []).map((l) => l.text);

describe('render', () => {
  it('creates and deletes VXLAN and bridge FDB entries', () => {
    expect(
      bridgeLines([
        { action: 'create', key: self.key, after: self, reason: '' },
        { action: 'create', key: master.key, after: master, reason: '' },
      ]),
    ).toEqual(['fdb append 02:42:0a:32:00:14 dev vx-ov dst 192.168.50.2 self permanent', 'fdb replace 02:42:0a:32:00:14 dev vx-ov master static']);
    expect(
      bridgeLines([
        { action: 'delete', key: self.key, before: self, reason: '' },
        { action: 'delete', key: master.key, before: master, reason: '' },
      ]),
    ).toEqual(['fdb del 02:42:0a:32:00:14 dev vx-ov dst 192.168.50.2 self', 'fdb del 02:42:0a:32:00:14 dev vx-ov master']);
  });

  it('creates the VXLAN device with nolearning proxy, joins the bridge, then turns port learning off', () => {
    const host = render([{ action: 'create', key: vx.key, after: vx, reason: '' }], []).host.map((l) => l.text);
    expect(host[0]).toBe('link add name vx-ov mtu 1450 type vxlan id 4097 local 192.168.50.1 dstport 4789 nolearning proxy');
    const master = host.findIndex((l) => / master br-ov/.test(l));
    const learning = host.indexOf('link set dev vx-ov type bridge_slave learning off');
    expect(master).toBeGreaterThan(0);
    expect(learning).toBeGreaterThan(master);
  });

  it('turns learning off on an existing port, and again when the port re-joins its bridge', () => {
    const on = { ...vx, portLearning: true };
    expect(render([{ action: 'update', key: vx.key, before: on, after: vx, reason: '' }], []).host.map((l) => l.text)).toEqual([
      'link set dev vx-ov type bridge_slave learning off',
    ]);
    const out = { ...vx, master: null };
    expect(render([{ action: 'update', key: vx.key, before: out, after: vx, reason: '' }], []).host.map((l) => l.text)).toEqual([
      'link set dev vx-ov master br-ov',
      'link set dev vx-ov type bridge_slave learning off',
    ]);
  });
});
