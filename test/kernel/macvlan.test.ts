// macvlan networks: containers straight on a "LAN" (another machine behind a veth
// whose host end is the parent). The parent is used, never changed or removed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, REPO_ROOT, type Machine, type Sandbox } from '../helpers/sandbox.js';

let sb: Sandbox;
let host: Machine;
let lan: Machine;
let dir: string;
const LAN_GW = '192.168.9.1';
const PROXY = '192.168.9.11';

async function run(args: string[]) {
  return host.netkeeper([...args, '--log-level', 'warn']);
}

/** what a user would notice of the parent: name, MAC, MTU, up, master, alias */
async function parentState(ifname = 'lan0') {
  const r = await host.exec('ip', ['-j', '-d', 'link', 'show', ifname], { check: true });
  const l = JSON.parse(r.stdout)[0];
  return { ifname: l.ifname, address: l.address, mtu: l.mtu, up: l.flags.includes('UP'), master: l.master ?? null, ifalias: l.ifalias ?? null };
}

async function addrOf(ns: string): Promise<string> {
  const r = await host.exec('ip', ['-n', ns, '-j', '-4', 'addr', 'show', 'eth0'], { check: true });
  return JSON.parse(r.stdout)[0].addr_info[0].local;
}

async function netns(): Promise<string[]> {
  return (await host.exec('ls', ['/run/netns'])).stdout.split('\n').filter(Boolean).sort();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nk-macvlan-'));
  cpSync(`${REPO_ROOT}examples/macvlan`, dir, { recursive: true });
  sb = await createSandbox();
  host = await sb.addHost('node-a');
  lan = await sb.addHost('lan');
  // the parent lan0 is the host end of a veth; the LAN router 192.168.9.1 is the other end
  await sb.connect(host, lan, { aIf: 'lan0', bIf: 'eth0', bIp: `${LAN_GW}/24` });
});

afterAll(async () => {
  await sb?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('macvlan', () => {
  let before: Awaited<ReturnType<typeof parentState>>;

  it('reconciles: each container gets a macvlan interface on the parent with its address and a default route via the LAN gateway', async () => {
    before = await parentState();
    const r = await run(['reconcile', '--once', '--dir', dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await netns()).toEqual(['printer-proxy', 'sensor']);
    const l = await host.exec('ip', ['-n', 'sensor', '-j', '-d', 'link', 'show', 'eth0'], { check: true });
    const eth0 = JSON.parse(l.stdout)[0];
    expect(eth0.linkinfo.info_kind).toBe('macvlan');
    expect(eth0.linkinfo.info_data.mode).toBe('bridge');
    expect(eth0.mtu).toBe(1500);
    expect(await addrOf('printer-proxy')).toBe(PROXY);
    const sensor = await addrOf('sensor');
    expect(sensor).toMatch(/^192\.168\.9\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])$/); // from ipRange 192.168.9.64/26
    const rt = await host.exec('ip', ['-n', 'sensor', '-j', 'route', 'show', 'default'], { check: true });
    expect(JSON.parse(rt.stdout)[0]).toMatchObject({ dst: 'default', gateway: LAN_GW, dev: 'eth0' });
  });

  it('the LAN reaches the containers and they reach the LAN and each other', async () => {
    const sensor = await addrOf('sensor');
    expect(await lan.ping(undefined, PROXY)).toBe(true);
    expect(await lan.ping(undefined, sensor)).toBe(true);
    expect(await host.ping('sensor', LAN_GW)).toBe(true);
    expect(await host.ping('sensor', PROXY)).toBe(true);
    expect(await host.ping('printer-proxy', sensor)).toBe(true);
    const srv = await lan.tcpServer(undefined, 631, { label: 'lan' });
    const inner = await host.tcpServer('printer-proxy', 8631, { label: 'printer-proxy' });
    try {
      // no NAT: the LAN sees the container's own address, and the other way round
      expect(await host.tcpConnect('printer-proxy', LAN_GW, 631)).toMatchObject({ ok: true, server: 'lan', peer: PROXY });
      expect(await lan.tcpConnect(undefined, PROXY, 8631)).toMatchObject({ ok: true, server: 'printer-proxy', peer: LAN_GW });
      expect(await host.tcpConnect('sensor', PROXY, 8631)).toMatchObject({ ok: true, peer: sensor });
    } finally {
      await srv.kill();
      await inner.kill();
    }
  });

  it('a second plan is empty and the parent is unchanged', async () => {
    const r = await run(['plan', '--dir', dir]);
    expect(r.exitCode, r.stdout).toBe(0);
    expect(await parentState()).toEqual(before);
  });

  it('mode private: containers no longer reach each other, the LAN still reaches them', async () => {
    const f = join(dir, 'lan.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('mode: bridge', 'mode: private'));
    const r = await run(['reconcile', '--once', '--dir', dir]);
    expect(r.exitCode, r.stderr).toBe(0);
    const l = await host.exec('ip', ['-n', 'sensor', '-j', '-d', 'link', 'show', 'eth0'], { check: true });
    expect(JSON.parse(l.stdout)[0].linkinfo.info_data.mode).toBe('private');
    expect(await host.ping('sensor', PROXY)).toBe(false);
    expect(await lan.ping(undefined, PROXY)).toBe(true);
    expect(await host.ping('sensor', LAN_GW)).toBe(true);
    expect((await run(['plan', '--dir', dir])).exitCode).toBe(0);
    writeFileSync(f, readFileSync(f, 'utf8').replace('mode: private', 'mode: bridge'));
    expect((await run(['reconcile', '--once', '--dir', dir])).exitCode).toBe(0);
  });

  it('destroy removes the containers and leaves the parent as it was', async () => {
    const r = await run(['destroy', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await netns()).toEqual([]);
    expect(await parentState()).toEqual(before);
    expect(await lan.ping(undefined, PROXY)).toBe(false);
  });

  it('a missing parent is a clear error naming network, parent and file, and nothing is applied', async () => {
    const f = join(dir, 'lan.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace('parent: lan0', 'parent: lan9'));
    for (const cmd of [
      ['plan', '--dir', dir],
      ['reconcile', '--once', '--dir', dir],
    ]) {
      const r = await run(cmd);
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toMatch(/lan\.yaml:\d+:\d+: Network lan: macvlan parent interface lan9 does not exist on this host/);
      expect(r.stderr).toMatch(/printer-proxy, sensor/);
      // plan applies nothing anyway: only reconcile says so
      if (cmd[0] === 'reconcile') expect(r.stderr).toMatch(/nothing was applied/);
      else expect(r.stderr).not.toMatch(/applied/);
    }
    expect(await netns()).toEqual([]);
    const links = JSON.parse((await host.exec('ip', ['-j', 'link', 'show'], { check: true })).stdout) as { ifname: string }[];
    expect(links.map((l) => l.ifname).sort()).toEqual(['lan0', 'lo']);
  });
});
