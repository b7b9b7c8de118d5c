import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { readConfigDir } from '../../../src/shell/read-config.js';
import { formatDiagnostic } from '../../../src/model/diagnostic.js';
import type { Config } from '../../../src/model/config.js';
import { ok } from './helpers.js';

const FULL = 'test/fixtures/config/full';

async function full(): Promise<Config> {
  const read = await readConfigDir(FULL);
  const r = parseConfig(read.files);
  if (!r.ok) throw new Error(r.errors.map(formatDiagnostic).join('\n'));
  return r.value;
}

describe('a valid networks.d with every kind and field', () => {
  test('parses into the expected objects, in path order', async () => {
    const c = await full();
    expect(c.documentCount).toBe(16);
    expect(c.networks.map((n) => n.name)).toEqual(['frontend', 'backend', 'lan', 'ov', 'wire']);
    // containers/others.yaml sorts before containers/web.yaml
    expect(c.containers.map((x) => x.name)).toEqual(['db', 'sidecar', 'router', 'tool', 'far', 'plain', 'web']);
    expect(c.links.map((l) => l.name)).toEqual(['router-up']);
    expect(c.hosts).toEqual([
      { kind: 'Host', name: 'node-a', address: '192.168.1.180', pos: { file: `${FULL}/hosts.yml`, line: 1, col: 1 } },
      { kind: 'Host', name: 'node-b', address: '192.168.1.181', pos: { file: `${FULL}/hosts.yml`, line: 5, col: 1 } },
    ]);
    expect(c.settings).toEqual({
      kind: 'Settings',
      ipForward: false,
      iptables: true, // false would refuse the published ports of web.yaml (port-no-iptables)
      prune: false,
      pos: { file: `${FULL}/hosts.yml`, line: 9, col: 1 },
    });
  });

  test('Network fields, normalized, with defaults per driver', async () => {
    const c = await full();
    const [frontend, backend, lan, ov, wire] = c.networks;
    expect(frontend).toEqual({
      kind: 'Network',
      name: 'frontend',
      driver: 'bridge',
      interface: 'br-frontend',
      subnets: [{ subnet: '172.18.0.0/24', gateway: '172.18.0.1', ipRange: '172.18.0.128/25', reserved: ['172.18.0.5'] }, { subnet: 'fd00:18::/64' }],
      mtu: 1500,
      gatewayMode: 'nat',
      icc: false,
      internal: false,
      hostIP: '0.0.0.0',
      pos: { file: `${FULL}/networks.yaml`, line: 2, col: 1 },
    });
    expect(backend).toEqual({
      kind: 'Network',
      name: 'backend',
      driver: 'bridge',
      gatewayMode: 'nat',
      icc: true,
      internal: true,
      pos: { file: `${FULL}/networks.yaml`, line: 18, col: 1 },
    });
    expect(lan).toMatchObject({ driver: 'macvlan', parent: 'eth0', mode: 'vepa', gatewayMode: 'routed' });
    expect(ov).toMatchObject({ driver: 'overlay', vni: 4097, port: 4790 });
    expect(wire).toMatchObject({ gatewayMode: 'isolated', subnets: [{ subnet: '10.9.0.0/24' }] });
  });

  test('Container with every field', async () => {
    const c = await full();
    const web = c.containers.find((x) => x.name === 'web')!;
    const f = `${FULL}/containers/web.yaml`;
    expect(web).toEqual({
      kind: 'Container',
      name: 'web',
      netns: { type: 'named', name: 'web-ns' },
      mode: { type: 'bridge' },
      hostname: 'web.example',
      host: 'node-a',
      networks: [
        {
          network: 'frontend',
          ip: '172.18.0.10',
          ip6: 'fd00:18::10',
          mac: '02:42:ac:12:00:0a',
          ifname: 'eth0',
          aliases: ['www'],
          pos: { file: f, line: 8, col: 5 },
        },
        { network: 'ov', ip: '10.200.0.10', aliases: [], pos: { file: f, line: 14, col: 5 } },
        { network: 'backend', aliases: [], pos: { file: f, line: 16, col: 5 } },
      ],
      networksDeclared: true,
      ports: [
        { hostPort: 8080, hostPortEnd: 8080, containerPort: 80, containerPortEnd: 80, protocol: 'tcp', pos: { file: f, line: 18, col: 5 } },
        {
          hostIP: '127.0.0.1',
          hostPort: 5353,
          hostPortEnd: 5353,
          containerPort: 53,
          containerPortEnd: 53,
          protocol: 'udp',
          pos: { file: f, line: 19, col: 5 },
        },
        { hostPort: 9000, hostPortEnd: 9003, containerPort: 9000, containerPortEnd: 9003, protocol: 'tcp', pos: { file: f, line: 20, col: 5 } },
        {
          hostIP: '0.0.0.0',
          hostPort: 8443,
          hostPortEnd: 8443,
          containerPort: 443,
          containerPortEnd: 443,
          protocol: 'tcp',
          network: 'frontend',
          pos: { file: f, line: 21, col: 5 },
        },
      ],
      dns: { servers: ['10.0.0.2'], search: ['example.com'], options: ['ndots:2'] },
      extraHosts: [{ name: 'db.local', ip: '10.0.0.5' }],
      links: [
        {
          container: 'db',
          alias: 'database',
          ports: [
            { port: 5432, protocol: 'tcp' },
            { port: 6379, protocol: 'tcp' },
          ],
          pos: { file: f, line: 25, col: 5 },
        },
        { container: 'db', alias: 'data', ports: [], pos: { file: f, line: 26, col: 5 } },
      ],
      routes: [
        { to: '10.25.0.0/16', via: '10.25.1.1', pos: { file: f, line: 28, col: 5 } },
        { to: '10.1.1.1/32', dev: 'eth0', pos: { file: f, line: 29, col: 5 } },
      ],
      loopback: ['10.10.10.1/32'],
      forwarding: false,
      masquerade: ['eth0'],
      pos: { file: f, line: 1, col: 1 },
    });
  });

  test('Container defaults and the other modes and netns forms', async () => {
    const c = await full();
    const by = (n: string) => c.containers.find((x) => x.name === n)!;
    expect(by('plain')).toMatchObject({
      netns: { type: 'named', name: 'plain' },
      mode: { type: 'bridge' },
      networks: [],
      networksDeclared: false,
      ports: [],
      extraHosts: [],
      links: [],
      routes: [],
      loopback: [],
      forwarding: false,
      masquerade: [],
    });
    expect(by('plain').dns).toBeUndefined();
    expect(by('plain').hostname).toBeUndefined();
    expect(by('db').netns).toEqual({ type: 'path', path: '/proc/1234/ns/net' });
    expect(by('far').netns).toEqual({ type: 'pid', pid: 4321 });
    expect(by('sidecar').mode).toEqual({ type: 'container', container: 'web' });
    expect(by('router').mode).toEqual({ type: 'none' });
    expect(by('tool').mode).toEqual({ type: 'host' });
  });

  test('Link endpoints', async () => {
    const c = await full();
    const f = `${FULL}/links/p2p.yaml`;
    expect(c.links[0]).toEqual({
      kind: 'Link',
      name: 'router-up',
      mtu: 9000,
      endpoints: [
        { container: 'router', ifname: 'up0', ip: '10.1.1.2/32', mac: '02:00:00:00:01:02', pos: { file: f, line: 5, col: 5 } },
        { container: 'host', ifname: 'nk-router', ip: '10.1.1.1/32', pos: { file: f, line: 6, col: 5 } },
      ],
      pos: { file: f, line: 1, col: 1 },
    });
  });
});

describe('documents and files', () => {
  test('an empty set of files is a valid, empty config with default Settings', () => {
    const r = parseConfig([]);
    expect(r).toEqual({
      ok: true,
      value: {
        networks: [],
        containers: [],
        links: [],
        hosts: [],
        settings: { kind: 'Settings', ipForward: true, iptables: true, prune: true },
        documentCount: 0,
      },
    });
  });

  test('empty documents and comment-only files count for nothing', () => {
    const c = ok({
      'networks.d/a.yaml': '# nothing here\n',
      'networks.d/b.yaml': '---\n---\nkind: Network\nname: n1\n---\n# trailing\n',
    });
    expect(c.documentCount).toBe(1);
    expect(c.networks.map((n) => n.name)).toEqual(['n1']);
  });

  test('files are read in path order whatever order they are given in', () => {
    const c = ok({
      'networks.d/z.yaml': 'kind: Network\nname: z\n',
      'networks.d/a/b.yaml': 'kind: Network\nname: ab\n',
      'networks.d/a.yaml': 'kind: Network\nname: a\n',
    });
    // plain byte order of the paths: "a.yaml" < "a/b.yaml" ('.' < '/')
    expect(c.networks.map((n) => n.name)).toEqual(['a', 'ab', 'z']);
  });

  test('positions are per file and per document', () => {
    const c = ok({
      'networks.d/one.yaml': 'kind: Network\nname: one\n---\n# two\n\nkind: Network\nname: two\n',
      'networks.d/sub/three.yml': '# three\n\n  kind: Network\n  name: three\n',
    });
    expect(c.networks.map((n) => n.pos)).toEqual([
      { file: 'networks.d/one.yaml', line: 1, col: 1 },
      { file: 'networks.d/one.yaml', line: 6, col: 1 },
      { file: 'networks.d/sub/three.yml', line: 3, col: 3 },
    ]);
  });

  test('YAML 1.2: unquoted 8080:80 is a string, "on" is not a boolean', () => {
    const c = ok(`
      kind: Container
      name: web
      hostname: on
      ports:
        - 8080:80
    `);
    expect(c.containers[0].hostname).toBe('on');
    expect(c.containers[0].ports[0]).toMatchObject({ hostPort: 8080, containerPort: 80 });
  });

  test('anchors and aliases work', () => {
    const c = ok(`
      kind: Network
      name: a
      subnets: &s
        - subnet: 10.0.0.0/24
      ---
      kind: Container
      name: x
      dns: &d {servers: [10.0.0.2]}
      ---
      kind: Container
      name: y
      dns: {servers: [10.0.0.3]}
    `);
    expect(c.containers[0].dns?.servers).toEqual(['10.0.0.2']);
  });

  test('a Network named bridge is allowed and overrides the implicit one; containers may name "bridge" without declaring it', () => {
    const c = ok(`
      kind: Network
      name: bridge
      subnets: [{subnet: 10.88.0.0/16}]
      ---
      kind: Container
      name: a
      networks: [{network: bridge, ip: 10.88.0.5}]
    `);
    expect(c.networks[0].name).toBe('bridge');
    ok(`
      kind: Container
      name: a
      networks: [bridge]
    `);
  });

  test('same name in different kinds is fine', () => {
    ok(`
      kind: Network
      name: web
      ---
      kind: Container
      name: web
      networks: [web]
      ---
      kind: Host
      name: web
      address: 10.0.0.1
      ---
      kind: Link
      name: web
      endpoints: [{container: web, ifname: p0}, {container: host, ifname: web-p0}]
    `);
  });

  test('port forms: IPv6 host address, long form ranges, udp', () => {
    const c = ok(`
      kind: Network
      name: six
      subnets: [{subnet: "fd00:6::/64"}]
      ---
      kind: Container
      name: web
      networks: [six]
      ports:
        - "[::1]:8080:80"
        - {hostPort: "7000-7001", containerPort: "8000-8001", protocol: udp}
        - {hostPort: 7000, containerPort: 7000}
    `);
    expect(c.containers[0].ports.map(({ pos: _p, ...p }) => p)).toEqual([
      { hostIP: '::1', hostPort: 8080, hostPortEnd: 8080, containerPort: 80, containerPortEnd: 80, protocol: 'tcp' },
      { hostPort: 7000, hostPortEnd: 7001, containerPort: 8000, containerPortEnd: 8001, protocol: 'udp' },
      { hostPort: 7000, hostPortEnd: 7000, containerPort: 7000, containerPortEnd: 7000, protocol: 'tcp' },
    ]);
  });

  test('addresses are normalized to canonical text', () => {
    const c = ok(`
      kind: Network
      name: v6
      subnets:
        - {subnet: "FD00:0:0:0::/64", gateway: "fd00::0001"}
      ---
      kind: Container
      name: a
      networks: [{network: v6, ip: "FD00::0:10"}]
      loopback: ["FD00::1/128"]
    `);
    expect(c.networks[0].subnets).toEqual([{ subnet: 'fd00::/64', gateway: 'fd00::1' }]);
    expect(c.containers[0].networks[0].ip).toBe('fd00::10');
    expect(c.containers[0].loopback).toEqual(['fd00::1/128']);
  });

  test('a default interface name skips names written on other attachments (as topology derives them)', () => {
    ok(`
      kind: Network
      name: a
      ---
      kind: Network
      name: b
      ---
      kind: Container
      name: x
      networks: [{network: a}, {network: b, ifname: eth0}]
    `);
  });
});

test('the bundled networks.d validates', async () => {
  const read = await readConfigDir('networks.d');
  const r = parseConfig(read.files);
  expect(r.ok ? [] : r.errors.map(formatDiagnostic)).toEqual([]);
  expect(r.ok && r.value.documentCount).toBeGreaterThan(0);
});
