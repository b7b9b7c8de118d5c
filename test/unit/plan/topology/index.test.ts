import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../../src/model/config.js';
import type { Observed } from '../../../../src/model/plan.js';
import type { Topology } from '../../../../src/model/topology.js';
import { buildDesired } from '../../../../src/plan/desired.js';
import { buildTopology } from '../../../../src/plan/topology/index.js';
import { macFromIPv4 } from '../../../../src/model/names.js';
import { key } from '../../../../src/model/resources.js';
import { att, config, ctr, ctrAddr, host, hostAddr, link, net, observed, on, ownedBridge, port } from './fixtures.js';

function ok(cfg: Config, obs: Observed = observed(), self = 'node-a'): Topology {
  const r = buildTopology(cfg, obs, self);
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.errors, null, 2)}`);
  return r.value;
}
function fail(cfg: Config, obs: Observed = observed(), self = 'node-a') {
  const r = buildTopology(cfg, obs, self);
  if (r.ok) throw new Error('expected errors');
  return r.errors;
}
/** The documented preferred slot of an overlay member: sha1("network/container") modulo the range size. */
const slot = (k: string, size: number) => Number(BigInt(`0x${createHash('sha1').update(k).digest('hex')}`) % BigInt(size));
const netOf = (t: Topology, n: string) => t.networks.find((x) => x.name === n)!;
const ctrOf = (t: Topology, n: string) => t.containers.find((x) => x.name === n)!;
const ip4 = (t: Topology, c: string, i = 0) => ctrOf(t, c).attachments[i]?.ip4;

describe('buildTopology: networks', () => {
  it('always has the implicit bridge nk0 with an automatic nat subnet', () => {
    const t = ok(config());
    expect(t.networks).toHaveLength(1);
    expect(t.networks[0]).toMatchObject({
      name: 'bridge',
      driver: 'bridge',
      bridge: 'nk0',
      gatewayMode: 'nat',
      icc: true,
      internal: false,
      declared: false,
      mtu: 1500,
      hostIP: '0.0.0.0',
      subnets: [
        {
          subnet: '172.17.0.0/16',
          family: 4,
          prefixLen: 16,
          gateway: '172.17.0.1',
          hostHasGateway: true,
          ipRange: '172.17.0.0/16',
          reserved: [],
          auto: true,
        },
      ],
    });
    expect(t.self).toBe('node-a');
    expect(t.settings).toEqual({ ipForward: true, iptables: true, prune: true });
  });

  it('a declared `bridge` replaces the implicit one and keeps nk0', () => {
    const t = ok(config({ networks: [net('bridge', { icc: false, mtu: 1400 })] }));
    expect(t.networks).toHaveLength(1);
    expect(t.networks[0]).toMatchObject({ name: 'bridge', bridge: 'nk0', icc: false, mtu: 1400, declared: true });
  });

  it('derives bridge names: interface, br-<name>, hashed when longer than 15 bytes', () => {
    const t = ok(
      config({
        networks: [net('frontend'), net('custom', { interface: 'mybr0' }), net('a-very-long-network-name'), net('lan', { driver: 'macvlan', parent: 'eth0' })],
      }),
    );
    expect(netOf(t, 'frontend').bridge).toBe('br-frontend');
    expect(netOf(t, 'custom').bridge).toBe('mybr0');
    expect(netOf(t, 'a-very-long-network-name').bridge).toMatch(/^br-a-very-[0-9a-f]{4}$/);
    expect(netOf(t, 'lan').bridge).toBeUndefined();
    expect(netOf(t, 'lan')).toMatchObject({ parent: 'eth0', macvlanMode: 'bridge' });
    // networks come out implicit first, then by name
    expect(t.networks.map((n) => n.name)).toEqual(['bridge', 'a-very-long-network-name', 'custom', 'frontend', 'lan']);
  });

  it('gateways per mode: nat/routed own the first host address; isolated only a declared one; macvlan not on the host', () => {
    const t = ok(
      config({
        networks: [
          net('n', { subnets: [{ subnet: '10.1.0.0/24' }] }),
          net('r', { gatewayMode: 'routed', subnets: [{ subnet: '10.2.0.0/24', gateway: '10.2.0.254' }] }),
          net('i1', { gatewayMode: 'isolated', subnets: [{ subnet: '10.3.0.0/24' }] }),
          net('i2', { gatewayMode: 'isolated', subnets: [{ subnet: '10.3.0.0/24', gateway: '10.3.0.9' }] }),
          net('m', { driver: 'macvlan', parent: 'eth0', subnets: [{ subnet: '192.168.1.0/24' }] }),
          net('six', { subnets: [{ subnet: 'fd00:0:0:1::/64' }] }),
        ],
      }),
    );
    expect(netOf(t, 'n').subnets[0]).toMatchObject({ gateway: '10.1.0.1', hostHasGateway: true, auto: false });
    expect(netOf(t, 'r').subnets[0]).toMatchObject({ gateway: '10.2.0.254', hostHasGateway: true });
    expect(netOf(t, 'i1').subnets[0].gateway).toBeUndefined();
    expect(netOf(t, 'i1').subnets[0].hostHasGateway).toBe(false);
    expect(netOf(t, 'i2').subnets[0]).toMatchObject({ gateway: '10.3.0.9', hostHasGateway: false });
    expect(netOf(t, 'm').subnets[0]).toMatchObject({ gateway: '192.168.1.1', hostHasGateway: false });
    expect(netOf(t, 'six').subnets[0]).toMatchObject({ subnet: 'fd00:0:0:1::/64', family: 6, gateway: 'fd00:0:0:1::1', hostHasGateway: true });
  });

  it('overlay: bridge, vxlan device, VNI, port, anycast gateway MAC, MTU from the underlay', () => {
    const cfg = config({
      networks: [net('ov', { driver: 'overlay', vni: 4097, subnets: [{ subnet: '10.50.0.0/24' }] })],
      hosts: [host('node-a', '192.168.1.180'), host('node-b', '192.168.1.181')],
    });
    const obs = observed([hostAddr('enp1s0', '192.168.1.180/24')], { linkMtu: { enp1s0: 9000, lo: 65536 } });
    const ov = netOf(ok(cfg, obs), 'ov');
    expect(ov).toMatchObject({ bridge: 'br-ov', vxlanDev: 'vx-ov', vni: 4097, vxlanPort: 4789, mtu: 8950 });
    expect(ov.gatewayMac).toMatch(/^02:4e:4b(:[0-9a-f]{2}){3}$/);
    expect(ov.subnets[0]).toMatchObject({ gateway: '10.50.0.1', hostHasGateway: true });
    // underlay unknown: 1450
    expect(netOf(ok(cfg), 'ov').mtu).toBe(1450);
  });

  it("macvlan MTU defaults to its parent's", () => {
    const t = ok(
      config({ networks: [net('lan', { driver: 'macvlan', parent: 'eth0', subnets: [{ subnet: '192.168.1.0/24' }] })] }),
      observed([], { linkMtu: { eth0: 1400 } }),
    );
    expect(netOf(t, 'lan').mtu).toBe(1400);
  });
});

describe('buildTopology: automatic subnets', () => {
  it('skip subnets overlapping a foreign route and declared subnets, in order bridge, then by name', () => {
    const t = ok(
      config({ networks: [net('zeta'), net('alpha'), net('fixed', { subnets: [{ subnet: '172.19.0.0/24' }] })] }),
      observed([], { foreignRoutes: ['default', '0.0.0.0/0', '172.17.0.0/16', '192.168.1.0/24'] }),
    );
    expect(netOf(t, 'bridge').subnets[0].subnet).toBe('172.18.0.0/16');
    expect(netOf(t, 'alpha').subnets[0].subnet).toBe('172.20.0.0/16');
    expect(netOf(t, 'zeta').subnets[0].subnet).toBe('172.21.0.0/16');
  });

  it('reuse the subnet and gateway an owned bridge has in the kernel', () => {
    const obs = observed([...ownedBridge('nk0', '172.30.0.1/16'), ...ownedBridge('br-zeta', '172.17.0.1/16')]);
    const t = ok(config({ networks: [net('alpha'), net('zeta')] }), obs);
    expect(netOf(t, 'bridge').subnets[0]).toMatchObject({ subnet: '172.30.0.0/16', gateway: '172.30.0.1' });
    expect(netOf(t, 'zeta').subnets[0]).toMatchObject({ subnet: '172.17.0.0/16', gateway: '172.17.0.1' });
    expect(netOf(t, 'alpha').subnets[0].subnet).toBe('172.18.0.0/16');
  });

  it("do not reuse an unowned bridge's address", () => {
    const obs = observed([
      { kind: 'link', key: 'link:host/nk0', ns: 'host', owned: false, ifname: 'nk0', type: 'bridge', up: true },
      hostAddr('nk0', '172.30.0.1/16'),
    ]);
    expect(netOf(ok(config(), obs), 'bridge').subnets[0].subnet).toBe('172.17.0.0/16');
  });

  it('never renumber a live automatic subnet for a declared one: the declaration is refused (issue 8)', () => {
    const obs = observed(ownedBridge('nk0', '172.17.0.1/16'));
    const errs = fail(config({ networks: [net('n', { subnets: [{ subnet: '172.17.5.0/24' }], allowHostOverlap: true })] }), obs);
    expect(errs).toEqual([expect.objectContaining({ code: 'subnet-overlaps-auto-subnet', object: 'Network n' })]);
    expect(errs[0].message).toContain('172.17.0.0/16, the automatic subnet network bridge (nk0) holds now');
  });

  it("isolated networks (no host address) recover their subnet from a member's address", () => {
    const cfg = config({ networks: [net('sw', { gatewayMode: 'isolated' })], containers: [on('a', [att('sw')])] });
    const obs = observed([ctrAddr('a', 'eth0', '172.25.0.7/16')]);
    const t = ok(cfg, obs);
    expect(netOf(t, 'sw').subnets[0]).toMatchObject({ subnet: '172.25.0.0/16', hostHasGateway: false });
    expect(netOf(t, 'sw').subnets[0].gateway).toBeUndefined();
    expect(ip4(t, 'a')).toBe('172.25.0.7');
  });

  it('report an exhausted pool naming the network', () => {
    const routes = [...Array.from({ length: 15 }, (_, i) => `172.${17 + i}.0.0/16`), '192.168.0.0/16'];
    const errs = fail(config({ networks: [net('frontend')] }), observed([], { foreignRoutes: routes }));
    expect(errs.map((e) => [e.code, e.object])).toEqual([
      ['auto-subnet-exhausted', 'Network bridge'],
      ['auto-subnet-exhausted', 'Network frontend'],
    ]);
    expect(errs[1].pos).toEqual({ file: 'networks.d/test.yaml', line: 1, col: 1 });
  });
});

describe('buildTopology: addresses', () => {
  const front = net('front', { subnets: [{ subnet: '10.1.0.0/24' }] });

  it('allocates deterministically in name order, whatever the file order', () => {
    const a = ok(config({ networks: [front], containers: [on('c', [att('front')]), on('a', [att('front')]), on('b', [att('front')])] }));
    const b = ok(config({ networks: [front], containers: [on('b', [att('front')]), on('a', [att('front')]), on('c', [att('front')])] }));
    expect(['a', 'b', 'c'].map((n) => ip4(a, n))).toEqual(['10.1.0.2', '10.1.0.3', '10.1.0.4']);
    expect(a).toEqual(b);
  });

  it('keeps the address a container holds when a container with a lower name is added', () => {
    const before = ok(config({ networks: [front], containers: [on('web', [att('front')])] }));
    expect(ip4(before, 'web')).toBe('10.1.0.2');
    const obs = observed([ctrAddr('web', 'eth0', '10.1.0.2/24')]);
    const after = ok(config({ networks: [front], containers: [on('api', [att('front')]), on('web', [att('front')])] }), obs);
    expect(ip4(after, 'web')).toBe('10.1.0.2');
    expect(ip4(after, 'api')).toBe('10.1.0.3');
    // without the kernel's memory, name order would have renumbered web
    const fresh = ok(config({ networks: [front], containers: [on('api', [att('front')]), on('web', [att('front')])] }));
    expect(ip4(fresh, 'web')).toBe('10.1.0.3');
  });

  it("keeps addresses of adopted namespaces under the container's name", () => {
    const obs = observed([ctrAddr('db', 'eth0', '10.1.0.77/24')]);
    const t = ok(config({ networks: [front], containers: [on('db', [att('front')], { netns: { type: 'pid', pid: 4242 } }), on('a', [att('front')])] }), obs);
    expect(ctrOf(t, 'db')).toMatchObject({ netns: 'db', netnsOrigin: 'adopted', netnsPath: '/proc/4242/ns/net' });
    expect(ip4(t, 'db')).toBe('10.1.0.77');
  });

  it('does not keep an address that is now reserved, outside ipRange, or claimed as fixed', () => {
    const n = net('front', { subnets: [{ subnet: '10.1.0.0/24', ipRange: '10.1.0.128/25', reserved: ['10.1.0.128', '10.1.0.129'] }] });
    const obs = observed([
      ctrAddr('a', 'eth0', '10.1.0.129/24'), // reserved now
      ctrAddr('b', 'eth0', '10.1.0.5/24'), // outside ipRange
      ctrAddr('c', 'eth0', '10.1.0.200/24'), // d claims it as fixed
    ]);
    const t = ok(
      config({
        networks: [n],
        containers: [on('a', [att('front')]), on('b', [att('front')]), on('c', [att('front')]), on('d', [att('front', { ip: '10.1.0.200' })])],
      }),
      obs,
    );
    expect(['a', 'b', 'c', 'd'].map((x) => ip4(t, x))).toEqual(['10.1.0.130', '10.1.0.131', '10.1.0.132', '10.1.0.200']);
  });

  it('reports an exhausted pool naming the network', () => {
    const small = net('tiny', { subnets: [{ subnet: '10.9.0.0/30' }] }); // .1 gateway, .2 the only one left
    const errs = fail(config({ networks: [small], containers: [on('a', [att('tiny')]), on('b', [att('tiny')])] }));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ code: 'ipam-exhausted', object: 'Network tiny' });
    expect(errs[0].message).toContain('tiny');
    expect(errs[0].message).toContain('b/eth0');
  });

  it('refuses a fixed address equal to the host gateway or outside the subnet, with its position', () => {
    const errs = fail(
      config({
        networks: [front],
        containers: [on('a', [att('front', { ip: '10.1.0.1', pos: { file: 'x.yaml', line: 7, col: 9 } })]), on('b', [att('front', { ip: '10.2.0.1' })])],
      }),
    );
    expect(errs.map((e) => [e.code, e.object])).toEqual([
      ['address-taken', 'Container a'],
      ['address-outside-subnet', 'Container b'],
    ]);
    expect(errs[0].pos).toEqual({ file: 'x.yaml', line: 7, col: 9 });
  });

  it("never hands out an address whose default MAC is another member's explicit MAC", () => {
    // b's MAC is the default MAC of 10.1.0.2: a (dynamic) skips that address
    const t = ok(config({ networks: [front], containers: [on('a', [att('front')]), on('b', [att('front', { mac: '02:42:0a:01:00:02' })])] }));
    expect(ctrOf(t, 'a').attachments[0]).toMatchObject({ ip4: '10.1.0.3', mac: '02:42:0a:01:00:03' });
    expect(ctrOf(t, 'b').attachments[0]).toMatchObject({ ip4: '10.1.0.4', mac: '02:42:0a:01:00:02' });
    // nor keeps it
    const kept = ok(
      config({ networks: [front], containers: [on('a', [att('front')]), on('b', [att('front', { mac: '02:42:0a:01:00:02' })])] }),
      observed([ctrAddr('a', 'eth0', '10.1.0.2/24')]),
    );
    expect(ip4(kept, 'a')).toBe('10.1.0.3');
    const macs = kept.containers.map((c) => c.attachments[0].mac);
    expect(new Set(macs).size).toBe(macs.length);
  });

  it('dual stack: one address per family, IPv6-only gets a hashed MAC', () => {
    const ds = net('ds', { subnets: [{ subnet: '10.4.0.0/24' }, { subnet: 'fd00:4::/64' }] });
    const six = net('six', { subnets: [{ subnet: 'fd00:6::/64' }] });
    const t = ok(config({ networks: [ds, six], containers: [on('a', [att('ds'), att('six')])] }));
    const [e0, e1] = ctrOf(t, 'a').attachments;
    expect(e0).toMatchObject({ ip4: '10.4.0.2', prefix4: 24, ip6: 'fd00:4::2', prefix6: 64, mac: '02:42:0a:04:00:02' });
    expect(e1.ip4).toBeUndefined();
    expect(e1).toMatchObject({ ifname: 'eth1', ip6: 'fd00:6::2', prefix6: 64 });
    expect(e1.mac).toMatch(/^02:42(:[0-9a-f]{2}){4}$/);
    expect(e1.mac).not.toBe(e0.mac);
  });
});

describe('buildTopology: containers', () => {
  it('mode bridge without networks joins `bridge` as eth0, with Docker-style MAC and veth name', () => {
    const t = ok(config({ containers: [ctr('web')] }));
    const web = ctrOf(t, 'web');
    expect(web).toMatchObject({
      name: 'web',
      netns: 'web',
      netnsOrigin: 'named',
      netnsPath: '/run/netns/web',
      mode: 'bridge',
      hostname: 'web',
      dns: { servers: [], search: [], options: [] },
      host: 'node-a',
      local: true,
    });
    expect(web.attachments).toEqual([
      {
        network: 'bridge',
        ifname: 'eth0',
        hostIfname: expect.stringMatching(/^nk[0-9a-f]{10}$/),
        ip4: '172.17.0.2',
        prefix4: 16,
        mac: '02:42:ac:11:00:02',
        mtu: 1500,
        aliases: [],
      },
    ]);
  });

  it('declared empty networks means no attachment; explicit MAC, ifname and aliases are kept', () => {
    const n = net('n', { subnets: [{ subnet: '10.1.0.0/24' }] });
    const m = net('m', { subnets: [{ subnet: '10.2.0.0/24' }] });
    const t = ok(
      config({
        networks: [n, m],
        containers: [on('empty', []), on('x', [att('n', { ifname: 'eth1', mac: '02:AA:BB:CC:DD:EE', aliases: ['www'] }), att('m')])],
      }),
    );
    expect(ctrOf(t, 'empty').attachments).toEqual([]);
    const [a, b] = ctrOf(t, 'x').attachments;
    expect(a).toMatchObject({ ifname: 'eth1', mac: '02:aa:bb:cc:dd:ee', aliases: ['www'] });
    // default name is eth<index>; index 1 is taken by the explicit eth1, so the next free ethN
    expect(b.ifname).toBe('eth2');
    expect(b).toMatchObject({ network: 'm', ip4: '10.2.0.2', mac: macFromIPv4('10.2.0.2') });
    expect(b.hostIfname).not.toBe(a.hostIfname);
  });

  it('modes none, host and container:<x> (chains resolve to the root)', () => {
    const t = ok(
      config({
        containers: [
          ctr('root'),
          ctr('side', { mode: { type: 'container', container: 'root' } }),
          ctr('side2', { mode: { type: 'container', container: 'side' } }),
          ctr('bare', { mode: { type: 'none' } }),
          ctr('hostnet', { mode: { type: 'host' } }),
          ctr('named', { netns: { type: 'named', name: 'other' }, hostname: 'h1', dns: { servers: ['10.0.0.2'], search: ['ex.com'], options: [] } }),
          ctr('adopt', { netns: { type: 'path', path: '/var/run/docker/netns/abc' } }),
        ],
      }),
    );
    expect(ctrOf(t, 'side2')).toMatchObject({ netns: 'side2', netnsOrigin: 'shared', netnsPath: '/run/netns/side2', sharedWith: 'root', attachments: [] });
    expect(ctrOf(t, 'bare')).toMatchObject({ netns: 'bare', netnsOrigin: 'named', mode: 'none', attachments: [] });
    const h = ctrOf(t, 'hostnet');
    expect(h.netns).toBeUndefined();
    expect(h).toMatchObject({ netnsOrigin: 'host', mode: 'host', attachments: [] });
    expect(ctrOf(t, 'named')).toMatchObject({ netns: 'other', netnsPath: '/run/netns/other', hostname: 'h1', dns: { servers: ['10.0.0.2'] } });
    expect(ctrOf(t, 'adopt')).toMatchObject({ netns: 'adopt', netnsOrigin: 'adopted', netnsPath: '/var/run/docker/netns/abc' });
  });

  it("link aliases default to the linked container's name", () => {
    const t = ok(
      config({
        containers: [
          ctr('db'),
          ctr('app', {
            links: [
              { container: 'db', ports: [{ port: 5432, protocol: 'tcp' }], pos: { file: 'f', line: 1, col: 1 } },
              { container: 'db', alias: 'database', ports: [], pos: { file: 'f', line: 2, col: 1 } },
            ],
          }),
        ],
      }),
    );
    expect(ctrOf(t, 'app').links).toEqual([
      { container: 'db', alias: 'db', ports: [{ port: 5432, protocol: 'tcp' }] },
      { container: 'db', alias: 'database', ports: [] },
    ]);
  });
});

describe('buildTopology: ports', () => {
  const front = net('front', { subnets: [{ subnet: '10.1.0.0/24' }], hostIP: '192.168.1.10' });
  const back = net('back', { subnets: [{ subnet: '10.2.0.0/24' }] });

  it("target the first attachment by default, or the named network; hostIP falls back to the network's, then 0.0.0.0", () => {
    const t = ok(
      config({
        networks: [front, back],
        containers: [
          on('web', [att('back'), att('front')], {
            ports: [
              port(8080, 80),
              port(8443, 443, { network: 'front' }),
              port(5353, 53, { hostIP: '127.0.0.1', protocol: 'udp', network: 'front' }),
              port(9000, 9000, { hostPortEnd: 9003, containerPortEnd: 9003 }),
            ],
          }),
        ],
      }),
    );
    expect(ctrOf(t, 'web').ports).toEqual([
      {
        hostIP: '0.0.0.0',
        hostPort: 8080,
        hostPortEnd: 8080,
        containerIP: '10.2.0.2',
        containerPort: 80,
        containerPortEnd: 80,
        protocol: 'tcp',
        network: 'back',
      },
      {
        hostIP: '192.168.1.10',
        hostPort: 8443,
        hostPortEnd: 8443,
        containerIP: '10.1.0.2',
        containerPort: 443,
        containerPortEnd: 443,
        protocol: 'tcp',
        network: 'front',
      },
      {
        hostIP: '127.0.0.1',
        hostPort: 5353,
        hostPortEnd: 5353,
        containerIP: '10.1.0.2',
        containerPort: 53,
        containerPortEnd: 53,
        protocol: 'udp',
        network: 'front',
      },
      {
        hostIP: '0.0.0.0',
        hostPort: 9000,
        hostPortEnd: 9003,
        containerIP: '10.2.0.2',
        containerPort: 9000,
        containerPortEnd: 9003,
        protocol: 'tcp',
        network: 'back',
      },
    ]);
  });

  it("a port on a network the container is not attached to is an error at the port's position", () => {
    const errs = fail(config({ networks: [front, back], containers: [on('web', [att('back')], { ports: [port(80, 80, { network: 'front' })] })] }));
    expect(errs).toEqual([
      expect.objectContaining({ code: 'port-no-target', object: 'Container web', pos: { file: 'networks.d/test.yaml', line: 20, col: 1 } }),
    ]);
  });
});

describe('buildTopology: overlay and multi-host', () => {
  const ov = net('ov', { driver: 'overlay', vni: 4097, subnets: [{ subnet: '10.50.0.0/24' }] });
  const hosts = [host('node-a', '192.168.1.180'), host('node-b', '192.168.1.181')];
  const containers = [
    on('zed', [att('ov')], { host: 'node-b' }),
    on('alpha', [att('ov')], { host: 'node-a' }),
    on('mid', [att('ov', { ip: '10.50.0.2' })], { host: 'node-b' }),
  ];

  it('allocates the same addresses on every host, ignoring what the kernel holds', () => {
    const cfg = config({ networks: [ov], hosts, containers });
    const onA = ok(cfg, observed([ctrAddr('alpha', 'eth0', '10.50.0.99/24')]), 'node-a');
    const onB = ok(cfg, observed([ctrAddr('zed', 'eth0', '10.50.0.42/24')]), 'node-b');
    const addrs = (t: Topology) => t.containers.map((c) => [c.name, c.attachments[0].ip4, c.attachments[0].mac]);
    // sha1("ov/alpha") mod 256 = 169, sha1("ov/zed") mod 256 = 228: both free
    expect([slot('ov/alpha', 256), slot('ov/zed', 256)]).toEqual([169, 228]);
    expect(addrs(onA)).toEqual([
      ['alpha', '10.50.0.169', '02:42:0a:32:00:a9'],
      ['mid', '10.50.0.2', '02:42:0a:32:00:02'],
      ['zed', '10.50.0.228', '02:42:0a:32:00:e4'],
    ]);
    expect(addrs(onB)).toEqual(addrs(onA));
    // nor on the order of the files
    const shuffled = config({ networks: [ov], hosts, containers: [containers[2], containers[0], containers[1]] });
    expect(addrs(ok(shuffled, observed(ownedBridge('br-ov', '10.50.0.1/24')), 'node-b'))).toEqual(addrs(onA));
    expect(ctrOf(onA, 'alpha').local).toBe(true);
    expect(ctrOf(onA, 'zed')).toMatchObject({ host: 'node-b', local: false });
    expect(ctrOf(onB, 'zed').local).toBe(true);
    expect(netOf(onA, 'ov').gatewayMac).toBe(netOf(onB, 'ov').gatewayMac);
  });

  /** n containers svc-00 … on the overlay, spread over both hosts */
  const many = (n: number) => Array.from({ length: n }, (_, i) => on(`svc-${String(i).padStart(2, '0')}`, [att('ov')], { host: i % 2 ? 'node-b' : 'node-a' }));
  const ipsOf = (t: Topology) => new Map(t.containers.map((c) => [c.name, c.attachments[0].ip4!]));
  const moved = (before: Map<string, string>, after: Map<string, string>) =>
    [...before].filter(([n, ip]) => after.has(n) && after.get(n) !== ip).map(([n]) => n);
  const wide = net('ov', { driver: 'overlay', vni: 4097, subnets: [{ subnet: '10.50.0.0/16' }] });

  it('adding a container to a 50-container overlay moves none of the others', () => {
    const base = many(50);
    const before = ipsOf(ok(config({ networks: [wide], hosts, containers: base })));
    expect(new Set(before.values()).size).toBe(50);
    // new names sorting before, between and after the existing ones
    for (const name of ['aaa', 'api', 'svc-00a', 'svc-25x', 'web', 'zzz', ...Array.from({ length: 20 }, (_, i) => `new-${i}`)]) {
      const after = ipsOf(ok(config({ networks: [wide], hosts, containers: [...base, on(name, [att('ov')], { host: 'node-b' })] })));
      expect({ name, moved: moved(before, after) }).toEqual({ name, moved: [] });
    }
  });

  it('removing any one container of a 50-container overlay moves none of the others', () => {
    const base = many(50);
    const before = ipsOf(ok(config({ networks: [wide], hosts, containers: base })));
    for (const gone of base) {
      const after = ipsOf(ok(config({ networks: [wide], hosts, containers: base.filter((c) => c !== gone) })));
      expect({ gone: gone.name, moved: moved(before, after) }).toEqual({ gone: gone.name, moved: [] });
    }
  });

  it('residual case: only a collision moves a container, and only one that sorts after the newcomer', () => {
    // a /24 with 50 members is crowded (a slot is taken about one time in five)
    const base = many(50);
    const before = ipsOf(ok(config({ networks: [ov], hosts, containers: base })));
    const holder = new Map([...before].map(([n, ip]) => [ip, n]));
    let collisions = 0;
    for (let i = 0; i < 100; i++) {
      const name = `c${i}`;
      const after = ipsOf(ok(config({ networks: [ov], hosts, containers: [...base, on(name, [att('ov')], { host: 'node-a' })] })));
      const m = moved(before, after);
      const displaced = holder.get(after.get(name)!);
      if (displaced === undefined) {
        // the newcomer took an address nobody held: nobody moves
        expect({ name, m }).toEqual({ name, m: [] });
      } else {
        // it took the address of a container that sorts after it, which moved on
        collisions++;
        expect(displaced > name).toBe(true);
        expect(m).toContain(displaced);
        expect(m.length).toBeLessThanOrEqual(3);
      }
    }
    expect(collisions).toBeGreaterThan(0);
    expect(collisions).toBeLessThan(40);
  });

  it('overlay: fixed addresses, reserved addresses and ipRange are honoured', () => {
    const ranged = net('ov', {
      driver: 'overlay',
      vni: 4097,
      subnets: [{ subnet: '10.50.0.0/24', ipRange: '10.50.0.192/27', reserved: ['10.50.0.200', '10.50.0.201', '10.50.0.202'] }],
    });
    const pinned = on('pinned', [att('ov', { ip: '10.50.0.5' })], { host: 'node-a' });
    const t = ok(config({ networks: [ranged], hosts, containers: [...many(20), pinned] }));
    const ips = ipsOf(t);
    expect(ips.get('pinned')).toBe('10.50.0.5');
    const dynamic = [...ips].filter(([n]) => n !== 'pinned').map(([, ip]) => Number(ip.split('.')[3]));
    expect(new Set(dynamic).size).toBe(20);
    for (const x of dynamic) {
      expect(x).toBeGreaterThanOrEqual(192);
      expect(x).toBeLessThanOrEqual(223);
      expect([200, 201, 202]).not.toContain(x);
    }
    // the first container placed sits at its slot counted from the range's start: 192 + 17
    expect(slot('ov/svc-00', 32)).toBe(17);
    expect(ips.get('svc-00')).toBe('10.50.0.209');
  });

  it('overlay: an exhausted range is reported on the network', () => {
    const tiny = net('ov', { driver: 'overlay', vni: 4097, subnets: [{ subnet: '10.50.0.0/29' }] }); // .2-.6
    const errs = fail(config({ networks: [tiny], hosts, containers: many(6) }));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ code: 'ipam-exhausted', object: 'Network ov' });
    expect(errs[0].message).toMatch(/svc-05\/eth0/);
    expect(
      ok(config({ networks: [tiny], hosts, containers: many(5) }))
        .containers.map((c) => c.attachments[0].ip4)
        .sort(),
    ).toEqual(['10.50.0.2', '10.50.0.3', '10.50.0.4', '10.50.0.5', '10.50.0.6']);
  });

  it("overlay: a slot whose default MAC is a member's explicit MAC is skipped", () => {
    const s = slot('ov/alpha', 256); // 169, free
    const mac = `02:42:0a:32:00:${s.toString(16)}`;
    const t = ok(config({ networks: [ov], hosts, containers: [...containers, on('other', [att('ov', { mac })], { host: 'node-b' })] }));
    expect(ip4(t, 'alpha')).toBe(`10.50.0.${s + 1}`);
    const macs = t.containers.map((c) => c.attachments[0].mac);
    expect(new Set(macs).size).toBe(macs.length);
  });

  it('automatic overlay subnets come from 10.0.0.0/8 and do not depend on the host', () => {
    const auto = net('ov', { driver: 'overlay', vni: 4097 });
    const cfg = config({ networks: [auto], hosts, containers: [on('a', [att('ov')])] });
    const t1 = ok(cfg, observed(ownedBridge('br-ov', '172.17.0.1/16')), 'node-a');
    const t2 = ok(cfg, observed([], { foreignRoutes: ['172.17.0.0/16'] }), 'node-b');
    expect(netOf(t1, 'ov').subnets).toEqual(netOf(t2, 'ov').subnets);
    expect(netOf(t1, 'ov').subnets[0].subnet).toBe('10.0.0.0/24');
    expect(ip4(t1, 'a')).toBe(ip4(t2, 'a'));
  });

  it("never hands out a Host's underlay address (a macvlan LAN is the hosts' own segment)", () => {
    const lan = net('lan', { driver: 'macvlan', parent: 'eth0', subnets: [{ subnet: '192.168.1.0/24', ipRange: '192.168.1.180/30' }] });
    // .180 node-a, .181 node-b, .182 free, .183 the range's last
    const t = ok(config({ networks: [lan], hosts, containers: [on('m1', [att('lan')], { host: 'node-a' }), on('m2', [att('lan')], { host: 'node-a' })] }));
    expect([ip4(t, 'm1'), ip4(t, 'm2')]).toEqual(['192.168.1.182', '192.168.1.183']);
  });

  it('never hands out an address the host holds on its own interfaces (the parent of a macvlan, a routed LAN)', () => {
    const lan = net('lan', { driver: 'macvlan', parent: 'eth0', subnets: [{ subnet: '192.168.1.0/24', ipRange: '192.168.1.0/29' }] });
    const held = { kind: 'addr' as const, key: key.addr('host', 'eth0', '192.168.1.2/24'), ns: 'host', owned: false, ifname: 'eth0', cidr: '192.168.1.2/24' };
    // .1 the gateway, .2 the host's own address on eth0
    const t = ok(config({ networks: [lan], containers: [on('m1', [att('lan')]), on('m2', [att('lan')])] }), observed([held]));
    expect([ip4(t, 'm1'), ip4(t, 'm2')]).toEqual(['192.168.1.3', '192.168.1.4']);
  });

  it("bridge networks allocate for this host's containers only", () => {
    const front = net('front', { subnets: [{ subnet: '10.1.0.0/24' }] });
    const t = ok(
      config({ networks: [front], hosts, containers: [on('a', [att('front')], { host: 'node-b' }), on('b', [att('front')])] }),
      observed(),
      'node-a',
    );
    expect(ip4(t, 'a')).toBeUndefined();
    expect(ip4(t, 'b')).toBe('10.1.0.2');
  });
});

describe('buildTopology: links and hosts', () => {
  it('resolves Link ends to namespaces, with mtu 1500 by default', () => {
    const t = ok(
      config({
        containers: [ctr('a', { mode: { type: 'none' } }), ctr('b', { mode: { type: 'none' } }), ctr('c', { mode: { type: 'container', container: 'b' } })],
        links: [link('a-b', ['a', 'p2p0', '10.1.1.1/32'], ['b', 'p2p0', '10.1.1.2/32']), link('h-c', ['host', 'nkp2p', '10.2.0.1/31'], ['c', 'up0'], 9000)],
        hosts: [host('node-a', '192.168.1.180')],
      }),
    );
    expect(t.links).toEqual([
      {
        name: 'a-b',
        mtu: 1500,
        ends: [
          { ns: 'a', container: 'a', ifname: 'p2p0', ip: '10.1.1.1/32' },
          { ns: 'b', container: 'b', ifname: 'p2p0', ip: '10.1.1.2/32' },
        ],
      },
      {
        name: 'h-c',
        mtu: 9000,
        ends: [
          { ns: 'host', container: 'host', ifname: 'nkp2p', ip: '10.2.0.1/31' },
          { ns: 'b', container: 'c', ifname: 'up0' },
        ],
      },
    ]);
    expect(t.hosts).toEqual([{ name: 'node-a', address: '192.168.1.180' }]);
  });
});

describe('buildTopology: names differing only in case', () => {
  it('homeA and homea on modemA and modema get distinct namespaces, bridges, veths and /etc/netns directories', () => {
    const t = ok(
      config({
        networks: [net('modemA', { subnets: [{ subnet: '10.1.0.0/24' }] }), net('modema', { subnets: [{ subnet: '10.2.0.0/24' }] })],
        containers: [on('homeA', [att('modemA')]), on('homea', [att('modema')])],
      }),
    );
    expect(netOf(t, 'modemA').bridge).toBe('br-modemA');
    expect(netOf(t, 'modema').bridge).toBe('br-modema');
    expect(ctrOf(t, 'homeA')).toMatchObject({ netns: 'homeA', netnsPath: '/run/netns/homeA' });
    expect(ctrOf(t, 'homea')).toMatchObject({ netns: 'homea', netnsPath: '/run/netns/homea' });
    expect(ctrOf(t, 'homeA').attachments[0].hostIfname).not.toBe(ctrOf(t, 'homea').attachments[0].hostIfname);
    const keys = [...buildDesired(t, 'nameserver 10.0.0.2\n').resources.keys()];
    const dirs = (n: string) => keys.filter((k) => k.includes(`/etc/netns/${n}/`));
    expect(dirs('homeA').length).toBeGreaterThan(0);
    expect(dirs('homea').length).toBe(dirs('homeA').length);
  });
});
