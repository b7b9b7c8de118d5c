// Published ports as Docker users write them, with real traffic (issue 9, items
// 6-8): a port on a container whose first network is an isolated switch lands on
// its second network; ports without a host port get one from 49153-65535 that
// avoids ports bound on the host and stays put; on a dual-stack container
// "8080:80" answers over IPv4 and IPv6, "[::]:8092:80" over IPv6 only, and
// "[fd99::1]:8095:80" at that address. FORWARD policy DROP in both families; an
// "outside" machine plays another machine.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Background, type Machine, type Sandbox } from '../helpers/sandbox.js';

const CONFIG = `
kind: Network
name: sw
interface: br-sw
gatewayMode: isolated
subnets: [{subnet: 172.30.9.0/24}]
---
kind: Network
name: front
interface: br-front
subnets: [{subnet: 172.30.2.0/24}]
---
kind: Network
name: dual
interface: br-dual
subnets: [{subnet: 172.30.1.0/24}, {subnet: "fd00:31::/64"}]
---
kind: Container
name: sshd
networks: [{network: sw, ip: 172.30.9.10}, bridge]
ports: ["127.0.0.1:2201:22"]
---
kind: Container
name: app
networks: [{network: front, ip: 172.30.2.10}]
ports: ["80", "127.0.0.1::81", "53/udp"]
---
kind: Container
name: v6
networks: [{network: dual, ip: 172.30.1.10, ip6: "fd00:31::10"}]
ports: ["8080:80", "[::]:8092:80", "[fd99::1]:8095:80"]
`;

interface Chosen {
  container: string;
  protocol: string;
  containerPort: number;
  host: string[];
}
interface StatusPort {
  container?: string;
  family: string;
  protocol: string;
  hostIP: string;
  hostPort: number;
  containerIP: string;
  containerPort: number;
}

let sb: Sandbox;
let outside: Machine;
let dir: string;
let hostServer: Background | undefined;
/** the host port the files alone would give app's "80" (before a host socket takes it) */
let wanted: number;

async function chosen(): Promise<Chosen[]> {
  const p = await sb.netkeeper(['plan', '--json', '--dir', dir]);
  expect([0, 2], p.stderr).toContain(p.exitCode);
  return (JSON.parse(p.stdout) as { chosenPorts: Chosen[] }).chosenPorts;
}
const portOf = (cs: Chosen[], c: string, proto: string, port: number): number => {
  const x = cs.find((e) => e.container === c && e.protocol === proto && e.containerPort === port);
  if (!x) throw new Error(`no chosen port for ${c} ${port}/${proto} in ${JSON.stringify(cs)}`);
  return Number(/:(\d+)$/.exec(x.host[0])![1]);
};
async function statusPorts(): Promise<StatusPort[]> {
  const s = await sb.netkeeper(['status', '--json', '--dir', dir]);
  expect(s.exitCode, s.stderr).toBe(0);
  return (JSON.parse(s.stdout) as { ports: StatusPort[] }).ports;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nk-ports-'));
  writeFileSync(join(dir, 'nk.yaml'), CONFIG);
  sb = await createSandbox();
  outside = await sb.addHost('outside');
  await sb.connect(sb, outside, { aIf: 'ext0', bIf: 'eth0', aIp: '10.99.0.1/24', bIp: '10.99.0.2/24' });
  await sb.exec('ip', ['-6', 'addr', 'add', 'fd99::1/64', 'dev', 'ext0', 'nodad'], { check: true });
  await outside.exec('ip', ['-6', 'addr', 'add', 'fd99::2/64', 'dev', 'eth0', 'nodad'], { check: true });
  await sb.exec('iptables', ['-P', 'FORWARD', 'DROP'], { check: true });
  await sb.exec('ip6tables', ['-P', 'FORWARD', 'DROP'], { check: true });

  // the port the hash would give app's "80"; a host socket bound there must push it elsewhere
  wanted = portOf(await chosen(), 'app', 'tcp', 80);
  hostServer = await sb.tcpServer(undefined, wanted, { label: 'host-socket' });

  const r = await sb.netkeeper(['reconcile', '--once', '--dir', dir]);
  expect(r.exitCode, r.stderr).toBe(0);
  await sb.tcpServer('sshd', 22, { label: 'sshd' });
  await sb.tcpServer('app', 80, { label: 'app80' });
  await sb.tcpServer('app', 81, { label: 'app81' });
  await sb.udpServer('app', 53, { label: 'app53' });
  await sb.tcpServer('v6', 80, { label: 'v6' });
}, 120_000);

afterAll(async () => {
  await sb?.destroy();
});

describe('published ports as Docker users write them', () => {
  it('the next plan is empty', async () => {
    const p = await sb.netkeeper(['plan', '--dir', dir]);
    expect(p.exitCode, p.stdout).toBe(0);
  });

  it('several networks: the port lands on the first that can carry it (the default bridge behind an isolated switch)', async () => {
    expect(await sb.tcpConnect(undefined, '127.0.0.1', 2201)).toMatchObject({ ok: true, server: 'sshd' });
    // the switch is not where it went: the DNAT target is sshd's address on the default bridge
    const p = (await statusPorts()).find((x) => x.container === 'sshd')!;
    expect(p).toMatchObject({ hostIP: '127.0.0.1', hostPort: 2201, containerPort: 22 });
    expect(p.containerIP).not.toBe('172.30.9.10');
  });

  it('ports without a host port get one from 49153-65535, never one bound on the host, and answer there', async () => {
    const cs = await chosen();
    const web = portOf(cs, 'app', 'tcp', 80);
    const local = portOf(cs, 'app', 'tcp', 81);
    const dns = portOf(cs, 'app', 'udp', 53);
    for (const p of [web, local, dns]) {
      expect(p).toBeGreaterThanOrEqual(49153);
      expect(p).toBeLessThanOrEqual(65535);
    }
    expect(web).not.toBe(wanted);
    expect(cs.find((c) => c.container === 'app' && c.containerPort === 81)!.host).toEqual([`127.0.0.1:${local}`]);
    expect(await outside.tcpConnect(undefined, '10.99.0.1', web)).toMatchObject({ ok: true, server: 'app80', peer: '10.99.0.2' });
    expect(await outside.udpConnect(undefined, '10.99.0.1', dns)).toMatchObject({ ok: true, server: 'app53' });
    expect(await sb.tcpConnect(undefined, '127.0.0.1', local)).toMatchObject({ ok: true, server: 'app81' });
    expect((await outside.tcpConnect(undefined, '10.99.0.1', local, { timeoutMs: 1500 })).ok).toBe(false);
    // the host's own socket still has its port
    expect(await outside.tcpConnect(undefined, '10.99.0.1', wanted)).toMatchObject({ ok: true, server: 'host-socket' });
    // plan names them
    const text = (await sb.netkeeper(['plan', '--dir', dir])).stdout;
    expect(text).toContain('Host ports chosen by netkeeper (ports declared without one):');
    expect(text).toMatch(new RegExp(`\\n  app +80/tcp +0\\.0\\.0\\.0:${web} +front\\n`));
    // status shows what the kernel has
    const st = (await statusPorts()).filter((x) => x.container === 'app');
    expect(st.map((x) => `${x.hostIP}:${x.hostPort}/${x.protocol} → ${x.containerPort}`).sort()).toEqual(
      [`0.0.0.0:${web}/tcp → 80`, `127.0.0.1:${local}/tcp → 81`, `0.0.0.0:${dns}/udp → 53`].sort(),
    );
  });

  it('a chosen port is kept while the container keeps the port, even once the port it would choose today is free', async () => {
    const before = portOf(await chosen(), 'app', 'tcp', 80);
    await hostServer!.kill();
    hostServer = undefined;
    const cs = await chosen();
    expect(portOf(cs, 'app', 'tcp', 80)).toBe(before);
    const p = await sb.netkeeper(['plan', '--dir', dir]);
    expect(p.exitCode, p.stdout).toBe(0);
  });

  it('dual stack: "8080:80" answers over IPv4 and IPv6, as Docker publishes it', async () => {
    expect(await outside.tcpConnect(undefined, '10.99.0.1', 8080)).toMatchObject({ ok: true, server: 'v6', peer: '10.99.0.2' });
    expect(await outside.tcpConnect(undefined, 'fd99::1', 8080, { timeoutMs: 5000 })).toMatchObject({ ok: true, server: 'v6', peer: 'fd99::2' });
  });

  it('"[::]:8092:80" is IPv6 only', async () => {
    expect(await outside.tcpConnect(undefined, 'fd99::1', 8092)).toMatchObject({ ok: true, server: 'v6' });
    expect((await outside.tcpConnect(undefined, '10.99.0.1', 8092, { timeoutMs: 1500 })).ok).toBe(false);
  });

  it('"[fd99::1]:8095:80" answers at that address, and status shows it', async () => {
    expect(await outside.tcpConnect(undefined, 'fd99::1', 8095)).toMatchObject({ ok: true, server: 'v6', peer: 'fd99::2' });
    expect((await outside.tcpConnect(undefined, '10.99.0.1', 8095, { timeoutMs: 1500 })).ok).toBe(false);
    const st = (await statusPorts()).filter((x) => x.container === 'v6');
    expect(st.map((x) => `${x.family} ${x.hostIP}:${x.hostPort} → ${x.containerIP}:${x.containerPort}`)).toEqual([
      'ipv4 0.0.0.0:8080 → 172.30.1.10:80',
      'ipv6 :::8080 → fd00:31::10:80',
      'ipv6 :::8092 → fd00:31::10:80',
      'ipv6 fd99::1:8095 → fd00:31::10:80',
    ]);
  });
});
