// Pure parsers against real iproute2 output: captured in a sandbox by
// test/fixtures/ip/capture.sh, plus the reference samples.

import { describe, expect, it } from 'vitest';
import type { IpLink } from '../../../src/observe/ip-json.js';
import { linkType, parseLink, parseLinks } from '../../../src/observe/links.js';
import { parseNsBatch } from '../../../src/observe/observed.js';
import { fixture, sample } from './fixtures.js';

const host = parseNsBatch(fixture('host_batch.txt'), true);
const web = parseNsBatch(fixture('ns_web_batch.txt'));
const byName = <T extends { ifname: string }>(xs: T[]) => new Map(xs.map((x) => [x.ifname, x]));

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

describe('overlay VXLAN port', () => {
  it('reads proxy and the bridge port learning flag', () => {
    const l = parseLink(
      {
        ifname: 'vx-ov',
        ifindex: 5,
        mtu: 1450,
        flags: ['UP'],
        master: 'br-ov',
        ifalias: 'nk:vxlan:ov',
        linkinfo: {
          info_kind: 'vxlan',
          info_data: { id: 4097, local: '192.168.50.1', port: 4789, learning: false, proxy: true },
          info_slave_kind: 'bridge',
          info_slave_data: { state: 'forwarding', learning: false, flood: true },
        },
      },
      'host',
    );
    expect(l?.vxlan).toMatchObject({ vni: 4097, learning: false, proxy: true });
    expect(l?.portLearning).toBe(false);
  });
});
