// Running a workload in a container (README recipe; examples/operations/web-app.service):
// - `ip netns exec web …` runs in the namespace netkeeper made, sees the resolv.conf and
//   hosts netkeeper wrote in /etc/netns/web, and reaches another container by name;
// - what systemd does for NetworkNamespacePath=/run/netns/web plus BindReadOnlyPaths=
//   /etc/netns/web/resolv.conf:/etc/resolv.conf (a mount namespace with the binds, then
//   setns into the network namespace) gives the same view;
// - the watcher under Type=notify says READY=1 once, after its first converged pass
//   (a stand-in systemd-notify on PATH records what it is told).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, createSandbox, type Background, type Sandbox } from '../helpers/sandbox.js';

let sb: Sandbox;
let work: string;
let dir: string;

const FILES = `kind: Network
name: app
subnets: [{subnet: 10.73.0.0/24}]
---
kind: Container
name: web
networks: [{network: app, ip: 10.73.0.10}]
dns: {servers: [10.73.0.53], search: [example.test]}
---
kind: Container
name: db
networks: [{network: app, ip: 10.73.0.20, aliases: [database]}]
`;

const sh = async (script: string) => {
  const r = await sb.sh(script);
  expect(r.exitCode, `${script}\n${r.stdout}${r.stderr}`).toBe(0);
  return r.stdout;
};

beforeAll(async () => {
  sb = await createSandbox();
  work = await mkdtemp(join(tmpdir(), 'nk-workload-'));
  dir = join(work, 'networks.d');
  await sb.exec('mkdir', ['-p', dir], { check: true });
  await writeFile(join(dir, 'app.yaml'), FILES);
});
afterAll(async () => {
  await sb?.destroy();
  await rm(work, { recursive: true, force: true });
});

describe('a workload in a container', () => {
  it('ip netns exec web: the files netkeeper wrote are /etc/resolv.conf and /etc/hosts, db is reached by name', async () => {
    const r = await sb.netkeeper(['reconcile', '--once', '--dir', dir, '--log-level', 'warn']);
    expect(r.exitCode, r.stderr).toBe(0);
    const resolv = await sh('cat /etc/netns/web/resolv.conf');
    expect(resolv).toMatch(/^nameserver 10\.73\.0\.53$/m);
    expect(resolv).toMatch(/^search example\.test$/m);
    expect(await sh('ip netns exec web cat /etc/resolv.conf')).toBe(resolv);
    expect(await sh('ip netns exec web getent hosts db')).toMatch(/^10\.73\.0\.20\s+db\b/);
    expect(await sh('ip netns exec web getent hosts database')).toMatch(/^10\.73\.0\.20\s/);
    await sh('ip netns exec web ping -c1 -W2 db');
    await sb.tcpServer('db', 5432, { label: 'db' });
    expect((await sb.tcpConnect('web', '10.73.0.20', 5432)).server).toBe('db');
  });

  it('as systemd runs it (NetworkNamespacePath= and BindReadOnlyPaths=): the same view', async () => {
    const out = await sh(
      "unshare --mount --propagation private sh -c '" +
        'mount --bind -o ro /etc/netns/web/resolv.conf /etc/resolv.conf && ' +
        'mount --bind -o ro /etc/netns/web/hosts /etc/hosts && ' +
        'exec nsenter --net=/run/netns/web sh -c "ip -br -4 addr show dev eth0; cat /etc/resolv.conf; getent hosts db; ping -c1 -W2 db >/dev/null && echo reached"' +
        "'",
    );
    expect(out).toMatch(/^eth0(@\S+)?\s+UP\s+10\.73\.0\.10\/24/m);
    expect(out).toMatch(/^nameserver 10\.73\.0\.53$/m);
    expect(out).toMatch(/^10\.73\.0\.20\s+db\b/m);
    expect(out).toMatch(/^reached$/m);
    // the host's own /etc/resolv.conf is untouched outside that mount namespace
    expect(await sh('cat /etc/resolv.conf')).not.toMatch(/10\.73\.0\.53/);
  });
});

describe('the watcher under systemd (Type=notify)', () => {
  let watcher: Background | undefined;
  afterAll(async () => {
    await watcher?.kill();
  });

  it('READY=1 once, after the first converged pass; STATUS= after each pass', async () => {
    const bin = join(work, 'bin');
    const calls = join(work, 'notify-calls');
    await sb.exec('mkdir', ['-p', bin], { check: true });
    await writeFile(join(bin, 'systemd-notify'), `#!/bin/sh\necho "$*" >> ${calls}\n`);
    await chmod(join(bin, 'systemd-notify'), 0o755);
    // broken files first: the watcher must not say it is ready
    await writeFile(join(dir, 'broken.yaml'), 'kind: Container\nname: [oops\n');
    watcher = await sb.spawn(process.execPath, [CLI_PATH, 'reconcile', '--dir', dir, '--interval', '0.5', '--log-level', 'info'], {
      env: { NOTIFY_SOCKET: '/run/stand-in/notify', PATH: `${bin}:${process.env.PATH}` },
    });
    const lines = async () => (await readFile(calls, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    const until = async (what: string, ok: (l: string[]) => boolean) => {
      for (const t0 = Date.now(); Date.now() - t0 < 30_000; await new Promise((r) => setTimeout(r, 100))) if (ok(await lines())) return;
      throw new Error(`timed out waiting for ${what}: ${(await lines()).join(' | ')}\n${watcher!.output().slice(-3000)}`);
    };
    await until('a first pass', (l) => l.length >= 1);
    expect((await lines())[0]).toMatch(new RegExp(`^--pid=${watcher.pid} STATUS=pass 1: invalid: `));
    expect((await lines()).some((l) => l.includes('READY=1'))).toBe(false);
    await rm(join(dir, 'broken.yaml'));
    await until('READY=1', (l) => l.some((x) => x.includes('READY=1')));
    await until('two more passes', (l) => l.length >= l.findIndex((x) => x.includes('READY=1')) + 3);
    const l = await lines();
    expect(l.filter((x) => x.includes('READY=1'))).toHaveLength(1);
    expect(l.find((x) => x.includes('READY=1'))).toMatch(new RegExp(`^--pid=${watcher.pid} READY=1 STATUS=pass \\d+: (in-sync|applied)$`));
    expect(l.at(-1)).toMatch(/STATUS=pass \d+: in-sync$/);
  });
});
