// Overlay networks across three "hosts" (nested machines joined by an underlay
// bridge), one reconciler per host over one shared directory.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, REPO_ROOT, type Machine, type Sandbox } from '../helpers/sandbox.js';

let sb: Sandbox;
let dir: string;
const H: Record<string, Machine> = {};
const ADDR: Record<string, string> = { 'node-a': '192.168.50.1', 'node-b': '192.168.50.2', 'node-c': '192.168.50.3' };
const WORLD = '192.168.50.254';
const GW = '10.50.0.1';
const IP = { web: '10.50.0.10', api: '10.50.0.20', db: '10.50.0.30', cache: '10.50.0.21' };

async function reconcile(host: string): Promise<void> {
  // node-a runs with the default --host (its hostname), the others name it
  const args = ['reconcile', '--once', '--dir', dir, '--log-level', 'warn', ...(host === 'node-a' ? [] : ['--host', host])];
  const r = await H[host].netkeeper(args);
  if (r.exitCode !== 0) throw new Error(`reconcile on ${host} failed (${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
}

async function plan(host: string, json = false) {
  return H[host].netkeeper(['plan', '--dir', dir, '--host', host, ...(json ? ['--json'] : [])]);
}

async function netnsOf(host: string): Promise<string[]> {
  const r = await H[host].exec('ls', ['/run/netns']);
  return r.stdout.split('\n').filter(Boolean).sort();
}

/** packets the host's VXLAN device received from the underlay */
async function vxRx(host: string): Promise<number> {
  const r = await H[host].exec('ip', ['-j', '-s', 'link', 'show', 'vx-ov'], { check: true });
  return JSON.parse(r.stdout)[0].stats64.rx.packets as number;
}

async function pingRetry(m: Machine, ns: string, ip: string): Promise<boolean> {
  for (let i = 0; i < 3; i++) if (await m.ping(ns, ip)) return true;
  return false;
}

function editContainers(f: (text: string) => string): void {
  const p = join(dir, 'containers.yaml');
  writeFileSync(p, f(readFileSync(p, 'utf8')));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nk-overlay-'));
  cpSync(`${REPO_ROOT}examples/overlay`, dir, { recursive: true });
  sb = await createSandbox();
  for (const n of Object.keys(ADDR)) H[n] = await sb.addHost(n);
  // underlay: one bridge, MTU 1500; the sandbox itself is "the world" on it
  await sb.lan('ul', [...Object.entries(ADDR).map(([n, ip]) => ({ machine: H[n], ifname: 'eth0', ip: `${ip}/24` })), { machine: sb, ip: `${WORLD}/24` }]);
  for (const n of Object.keys(ADDR)) await reconcile(n);
});

afterAll(async () => {
  await sb?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('overlay across three hosts', () => {
  it('every host builds only its own containers', async () => {
    expect(await netnsOf('node-a')).toEqual(['web']);
    expect(await netnsOf('node-b')).toEqual(['api']);
    expect(await netnsOf('node-c')).toEqual(['db']);
  });

  it('containers on different hosts ping each other and open TCP connections', async () => {
    expect(await H['node-a'].ping('web', IP.api)).toBe(true);
    expect(await H['node-a'].ping('web', IP.db)).toBe(true);
    expect(await H['node-c'].ping('db', IP.api)).toBe(true);
    expect(await H['node-a'].ping('web', '10.50.0.99')).toBe(false);
    const srv = await H['node-b'].tcpServer('api', 8080, { label: 'api' });
    try {
      expect(await H['node-a'].tcpConnect('web', IP.api, 8080)).toMatchObject({ ok: true, server: 'api', peer: IP.web });
      expect(await H['node-c'].tcpConnect('db', IP.api, 8080)).toMatchObject({ ok: true, server: 'api', peer: IP.db });
    } finally {
      await srv.kill();
    }
  });

  it('MTU is 1450 on a 1500 underlay, and a full 1450-byte packet crosses', async () => {
    for (const [host, ns] of [
      ['node-a', 'web'],
      ['node-b', 'api'],
    ] as const) {
      const r = await H[host].sh(`ip -j link show vx-ov; ip -j link show br-ov; ip -n ${ns} -j link show eth0`, { check: true });
      const mtus = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)[0].mtu);
      expect(mtus).toEqual([1450, 1450, 1450]);
    }
    const full = await H['node-a'].exec('ip', ['netns', 'exec', 'web', 'ping', '-c1', '-W2', '-M', 'do', '-s', '1422', IP.api]);
    expect(full.exitCode).toBe(0);
    const over = await H['node-a'].exec('ip', ['netns', 'exec', 'web', 'ping', '-c1', '-W2', '-M', 'do', '-s', '1423', IP.api]);
    expect(over.exitCode).not.toBe(0);
  });

  it('ARP never crosses the overlay: the gateway and remote containers are answered on the own host', async () => {
    await H['node-a'].exec('ip', ['-n', 'web', 'neigh', 'flush', 'all'], { check: true });
    const before = { b: await vxRx('node-b'), c: await vxRx('node-c') };
    // the anycast gateway: answered by node-a's bridge, nothing reaches the peers
    expect(await H['node-a'].ping('web', GW)).toBe(true);
    expect({ b: await vxRx('node-b'), c: await vxRx('node-c') }).toEqual(before);
    const gw = await H['node-a'].exec('ip', ['-n', 'web', '-j', 'neigh', 'show', GW], { check: true });
    const gwMac = JSON.parse(gw.stdout)[0].lladdr;
    const br = await H['node-b'].exec('ip', ['-j', 'link', 'show', 'br-ov'], { check: true });
    expect(JSON.parse(br.stdout)[0].address).toBe(gwMac); // the same MAC on every host
    // a remote container: ARP answered by node-a's VXLAN device; only the echo goes to node-b
    expect(await H['node-a'].ping('web', IP.api)).toBe(true);
    expect(await vxRx('node-b')).toBe(before.b + 1);
    expect(await vxRx('node-c')).toBe(before.c);
    // node-b never heard web's ARP
    const nb = await H['node-b'].exec('ip', ['-j', 'neigh', 'show', 'dev', 'br-ov'], { check: true });
    expect(JSON.parse(nb.stdout || '[]').map((n: { dst: string }) => n.dst)).not.toContain(IP.web);
  });

  it('a container reaches the world through its own host, masqueraded', async () => {
    const srv = await sb.tcpServer(undefined, 9000, { label: 'world' });
    try {
      expect(await H['node-a'].tcpConnect('web', WORLD, 9000)).toMatchObject({ ok: true, peer: ADDR['node-a'] });
      expect(await H['node-b'].tcpConnect('api', WORLD, 9000)).toMatchObject({ ok: true, peer: ADDR['node-b'] });
      expect(await H['node-c'].tcpConnect('db', WORLD, 9000)).toMatchObject({ ok: true, peer: ADDR['node-c'] });
    } finally {
      await srv.kill();
    }
  });

  it('a second plan on every host is empty', async () => {
    for (const n of Object.keys(ADDR)) {
      const r = await plan(n);
      expect({ host: n, code: r.exitCode, out: r.stdout }).toMatchObject({ code: 0, out: expect.stringMatching(/No changes/) });
    }
  });

  it('status shows, per overlay, the local and remote members with their hosts', async () => {
    const r = await H['node-a'].netkeeper(['status', '--detail', '--dir', dir, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const ov = JSON.parse(r.stdout).overlays.find((o: { network: string }) => o.network === 'ov');
    expect(ov).toMatchObject({ vxlanDev: 'vx-ov', bridge: 'br-ov', vni: 4097, port: 4789, local: { address: ADDR['node-a'], host: 'node-a' } });
    const members = ov.members.map((m: { container: string; host: string; local: boolean; ip4: string; vtep?: string }) => [
      m.container,
      m.host,
      m.local,
      m.ip4,
      m.vtep ?? null,
    ]);
    expect(members).toEqual([
      ['web', 'node-a', true, IP.web, null],
      ['api', 'node-b', false, IP.api, ADDR['node-b']],
      ['db', 'node-c', false, IP.db, ADDR['node-c']],
    ]);
    expect(ov.floods.map((f: { host: string }) => f.host)).toEqual(['node-b', 'node-c']);
    // the same, for one network: `status ov` (like docker network inspect)
    const ins = JSON.parse((await H['node-a'].netkeeper(['status', 'ov', '--dir', dir, '--json'])).stdout);
    expect(ins.objects[0]).toMatchObject({
      kind: 'network',
      name: 'ov',
      driver: 'overlay',
      interface: 'br-ov',
      options: { vni: 4097, port: 4789 },
      sync: { state: 'in sync' },
    });
    expect(ins.objects[0].overlay.members.map((m: { container: string; local: boolean }) => [m.container, m.local])).toEqual([
      ['web', true],
      ['api', false],
      ['db', false],
    ]);
    const nets = await H['node-a'].netkeeper(['status', 'networks', '--dir', dir]);
    expect(nets.stdout).toMatch(/\nov\s+overlay\s+10\.50\.0\.0\/24\s+\S+\s+br-ov\s+web\s+.*in sync\n/);
    const text = await H['node-b'].netkeeper(['status', '--detail', '--dir', dir, '--host', 'node-b']);
    expect(text.stdout).toMatch(/Overlay ov: vni 4097, port 4789, vx-ov on br-ov, this host node-b \(192\.168\.50\.2\); 1 local, 2 remote/);
    expect(text.stdout).toMatch(/\n\s+api\s+node-b\s+local\s+10\.50\.0\.20\s+02:42:0a:32:00:14\s+api\/eth0\n/);
    expect(text.stdout).toMatch(/\n\s+web\s+node-a\s+remote\s+10\.50\.0\.10\s+02:42:0a:32:00:0a\s+via 192\.168\.50\.1\n/);
    expect(text.stdout).toMatch(/floods to: node-a \(192\.168\.50\.1\), node-c \(192\.168\.50\.3\)/);
  });

  it('a container added on one host is reachable from the others once both have reconciled', async () => {
    editContainers((t) => `${t}---\nkind: Container\nname: cache\nhost: node-b\nnetworks:\n  - network: ov\n    ip: ${IP.cache}\n`);
    await reconcile('node-b');
    expect(await netnsOf('node-b')).toEqual(['api', 'cache']);
    // node-c has not reconciled: it has no entry for cache yet
    expect(await H['node-c'].ping('db', IP.cache)).toBe(false);
    await reconcile('node-a');
    await reconcile('node-c');
    expect(await H['node-a'].ping('web', IP.cache)).toBe(true);
    // db's own ARP cache may still hold the lookup that failed above: a packet queued on
    // an INCOMPLETE entry whose last probe went out before node-c reconciled is dropped
    // when it turns FAILED; the next packet probes afresh and is answered at once
    expect(await pingRetry(H['node-c'], 'db', IP.cache)).toBe(true);
    expect(await netnsOf('node-a')).toEqual(['web']);
    expect(await netnsOf('node-c')).toEqual(['db']);
  });

  it('a container that moves to another host keeps its address; uninvolved hosts re-point one FDB entry', async () => {
    editContainers((t) => t.replace(/name: db\nhost: node-c/, 'name: db\nhost: node-b'));
    const p = await plan('node-a', true);
    expect(p.exitCode).toBe(2);
    const keys = (JSON.parse(p.stdout).changes as { action: string; key: string }[]).map((c) => `${c.action} ${c.key}`).sort();
    expect(keys).toEqual([
      `create fdb:host/vx-ov/02:42:0a:32:00:1e/${ADDR['node-b']}`,
      // db was node-c's last member: node-a stops flooding to node-c
      `delete fdb:host/vx-ov/00:00:00:00:00:00/${ADDR['node-c']}`,
      `delete fdb:host/vx-ov/02:42:0a:32:00:1e/${ADDR['node-c']}`,
    ]);
    for (const n of ['node-c', 'node-b', 'node-a']) await reconcile(n);
    expect(await netnsOf('node-c')).toEqual([]);
    expect(await netnsOf('node-b')).toEqual(['api', 'cache', 'db']);
    expect(await H['node-a'].ping('web', IP.db)).toBe(true);
    expect(await H['node-b'].ping('db', IP.web)).toBe(true);
    // node-c has no members left: nobody floods to it any more
    const fdb = await H['node-a'].exec('bridge', ['-j', 'fdb', 'show', 'dev', 'vx-ov'], { check: true });
    const floods = (JSON.parse(fdb.stdout) as { mac: string; dst?: string }[]).filter((e) => e.mac === '00:00:00:00:00:00').map((e) => e.dst);
    expect(floods).toEqual([ADDR['node-b']]);
    for (const n of Object.keys(ADDR)) expect((await plan(n)).exitCode).toBe(0);
  });

  it('a dual-stack overlay: IPv6 neighbours are answered locally too, and the second plan is empty', async () => {
    writeFileSync(
      join(dir, 'v6.yaml'),
      [
        'kind: Network\nname: ov6\ndriver: overlay\nvni: 4098\nsubnets:\n  - subnet: 10.60.0.0/24\n  - subnet: fd00:60::/64\n',
        'kind: Container\nname: v6a\nhost: node-a\nnetworks:\n  - network: ov6\n    ip: 10.60.0.10\n    ip6: fd00:60::10\n',
        'kind: Container\nname: v6b\nhost: node-b\nnetworks:\n  - network: ov6\n    ip: 10.60.0.20\n    ip6: fd00:60::20\n',
      ].join('---\n'),
    );
    await reconcile('node-a');
    await reconcile('node-b');
    expect(await pingRetry(H['node-a'], 'v6a', 'fd00:60::20')).toBe(true);
    expect(await H['node-b'].ping('v6b', 'fd00:60::10')).toBe(true);
    expect(await H['node-b'].ping('v6b', '10.60.0.10')).toBe(true);
    const n = await H['node-a'].exec('ip', ['-j', 'neigh', 'show', 'nud', 'permanent', 'dev', 'vx-ov6'], { check: true });
    expect((JSON.parse(n.stdout) as { dst: string }[]).map((x) => x.dst).sort()).toEqual(['10.60.0.20', 'fd00:60::20']);
    for (const h of ['node-a', 'node-b']) expect((await plan(h)).exitCode).toBe(0);
  });

  it('destroy on one host removes its overlay state and leaves the others working', async () => {
    const r = await H['node-c'].netkeeper(['destroy', '--yes', '--log-level', 'warn']);
    expect(r.exitCode).toBe(0);
    const links = await H['node-c'].exec('ip', ['-j', 'link', 'show'], { check: true });
    const names = (JSON.parse(links.stdout) as { ifname: string }[]).map((l) => l.ifname);
    expect(names).not.toContain('vx-ov');
    expect(names).not.toContain('br-ov');
    expect(await H['node-a'].ping('web', IP.db)).toBe(true);
  });
});
