// Which declared object a kernel resource belongs to (for drift per object).
import { describe, expect, it } from 'vitest';
import type { Resource } from '../../../src/model/resources.js';
import { chainRes, key } from '../../../src/model/resources.js';
import { ownerIndex, ownerOf } from '../../../src/status/owners.js';

const link = (ns: string, ifname: string, extra: Record<string, unknown> = {}): Resource =>
  ({ kind: 'link', key: key.link(ns, ifname), ns, ifname, owned: true, up: true, type: 'veth', ...extra }) as Resource;
const addr = (ns: string, ifname: string, cidr: string): Resource => ({ kind: 'addr', key: key.addr(ns, ifname, cidr), ns, ifname, cidr, owned: true });

const kernel: Resource[] = [
  link('host', 'br-front', { type: 'bridge', alias: 'nk:net:front' }),
  link('host', 'nkab12', { master: 'br-front', alias: 'nk:veth:web-ns/eth0' }),
  link('web-ns', 'eth0', { alias: 'nk:veth:host/nkab12' }),
  link('a', 'p2p0', { alias: 'nk:link:a-b' }),
  link('host', 'vx-ov', { type: 'vxlan', alias: 'nk:vxlan:ov' }),
];

describe('owners', () => {
  // the files say namespace web-ns is container web
  const idx = ownerIndex(
    { self: 'x', networks: [], containers: [{ name: 'web', netns: 'web-ns', attachments: [] }], links: [], hosts: [], settings: {} } as never,
    kernel,
  );
  it.each([
    [kernel[0], 'network:front'],
    [addr('host', 'br-front', '172.18.0.1/24'), 'network:front'],
    [kernel[1], 'container:web'],
    [kernel[2], 'container:web'],
    [addr('web-ns', 'eth0', '172.18.0.2/24'), 'container:web'],
    [{ kind: 'file', key: 'file:/etc/netns/web-ns/hosts', ns: 'host', owned: true, path: '/etc/netns/web-ns/hosts', content: '' } as Resource, 'container:web'],
    [kernel[3], 'link:a-b'],
    [addr('a', 'p2p0', '10.1.1.1/32'), 'link:a-b'],
    [{ kind: 'fdb', key: 'fdb:x', ns: 'host', owned: true, dev: 'vx-ov', mac: '02:00:00:00:00:01', dst: '192.168.1.2' } as Resource, 'network:ov'],
    [chainRes('host', 'ipv4', 'nat', 'NK-PORTS-br-front', []), 'network:front'],
    [chainRes('host', 'ipv4', 'filter', 'NK-FORWARD', []), 'settings:'],
    [link('ghost', 'eth0', { alias: 'nk:veth:host/nkzz' }), 'container:ghost'],
  ])('%# %s', (r, want) => {
    const o = ownerOf(r, idx);
    expect(`${o.kind}:${o.name}`).toBe(want);
  });
});
