// The kernel-test sandbox itself: isolation from this machine, its runner, nested
// hosts, and the traffic helpers (which must both succeed and fail).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandError } from '../../src/shell/runner.js';
import { createSandbox, hostLinkNames, type Machine, type Sandbox } from '../helpers/sandbox.js';

let sb: Sandbox;

beforeAll(async () => {
  sb = await createSandbox();
  // two namespaces on one bridge inside the sandbox
  await sb.sh(
    `set -e
    ip link add sbr0 type bridge && ip link set sbr0 up
    for n in a b; do
      ip netns add $n
      ip -n $n link set lo up
      ip link add v$n type veth peer name eth0 netns $n
      ip link set v$n master sbr0 up
      ip -n $n link set eth0 up
    done
    ip -n a addr add 10.240.0.1/24 dev eth0
    ip -n b addr add 10.240.0.2/24 dev eth0
    ip -n a -6 addr add fd99::1/64 dev eth0 nodad
    ip -n b -6 addr add fd99::2/64 dev eth0 nodad`,
    { check: true },
  );
});

afterAll(async () => {
  await sb?.destroy();
});

describe('sandbox isolation', () => {
  it('a link made inside is not visible in this machine', async () => {
    const before = await hostLinkNames();
    await sb.exec('ip', ['link', 'add', 'nk-iso-test', 'type', 'bridge'], { check: true });
    const inside = await sb.exec('ip', ['-j', 'link', 'show', 'nk-iso-test']);
    expect(inside.exitCode).toBe(0);
    expect(JSON.parse(inside.stdout)[0].ifname).toBe('nk-iso-test');
    const after = await hostLinkNames();
    expect(after).toEqual(before);
    expect(after).not.toContain('nk-iso-test');
  });

  it('has its own /run/netns and /etc/netns', async () => {
    const inside = await sb.exec('ls', ['/run/netns']);
    expect(inside.stdout.split('\n').filter(Boolean).sort()).toEqual(['a', 'b']);
    await sb.sh('mkdir -p /etc/netns/a && echo nameserver 10.9.9.9 > /etc/netns/a/resolv.conf', { check: true });
    expect(await sb.fs.readFile('/etc/netns/a/resolv.conf')).toBe('nameserver 10.9.9.9\n');
    // not in this machine's own mount namespace
    const { existsSync } = await import('node:fs');
    expect(existsSync('/run/netns/a')).toBe(false);
    expect(existsSync('/etc/netns/a/resolv.conf')).toBe(false);
  });

  it('exec never throws by default; check and runner raise CommandError with argv and exit code', async () => {
    const r = await sb.exec('ip', ['link', 'show', 'no-such-dev']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/does not exist/);
    await expect(sb.exec('ip', ['link', 'show', 'no-such-dev'], { check: true })).rejects.toBeInstanceOf(CommandError);
    const err = await sb.runner.run('ip', ['link', 'show', 'no-such-dev']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    expect((err as CommandError).argv.slice(-4)).toEqual(['ip', 'link', 'show', 'no-such-dev']);
    expect((err as CommandError).exitCode).toBe(1);
    expect((err as CommandError).stderr).toMatch(/no-such-dev/);
  });

  it('passes input, cwd and env', async () => {
    const r = await sb.exec('sh', ['-c', 'cat; pwd; echo $NK_TEST_VAR'], { input: 'hello\n', cwd: '/tmp', env: { NK_TEST_VAR: 'x1' } });
    expect(r.stdout).toBe('hello\n/tmp\nx1\n');
  });
});

describe('netkeeper helper', () => {
  it('runs the built CLI inside the sandbox: it sees the sandbox kernel, not this machine', async () => {
    await sb.sh('ip link add nk-sbx-br type bridge && ip link set nk-sbx-br alias nk:net:sbx', { check: true });
    const r = await sb.netkeeper(['status', '--detail', '--json'], { cwd: '/tmp' });
    expect(r.stderr).not.toMatch(/Cannot find module/);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('link:host/nk-sbx-br');
    expect(await hostLinkNames()).not.toContain('nk-sbx-br');
  });
});

describe('traffic helpers', () => {
  it('ping succeeds between two namespaces and fails to an address nobody holds', async () => {
    expect(await sb.ping('a', '10.240.0.2')).toBe(true);
    expect(await sb.ping('b', 'fd99::1')).toBe(true);
    expect(await sb.ping('a', '10.240.0.99')).toBe(false);
  });

  it('TCP connects and reports server and client address; refused or timed out otherwise', async () => {
    const srv = await sb.tcpServer('b', 8080);
    const ok = await sb.tcpConnect('a', '10.240.0.2', 8080);
    expect(ok).toEqual({ ok: true, server: 'b', peer: '10.240.0.1' });
    const ok6 = await sb.tcpConnect('a', 'fd99::2', 8080);
    expect(ok6).toMatchObject({ ok: true, server: 'b', peer: 'fd99::1' });
    const refused = await sb.tcpConnect('a', '10.240.0.2', 8081);
    expect(refused).toMatchObject({ ok: false, error: 'ECONNREFUSED' });
    const nobody = await sb.tcpConnect('a', '10.240.0.99', 8080, { timeoutMs: 1000 });
    expect(nobody.ok).toBe(false);
    await srv.kill();
    expect((await sb.tcpConnect('a', '10.240.0.2', 8080)).ok).toBe(false);
  });

  it('UDP gets an answer from the server and none from an address nobody holds', async () => {
    const srv = await sb.udpServer('a', 5353, { label: 'dns-a' });
    expect(await sb.udpConnect('b', '10.240.0.1', 5353)).toEqual({ ok: true, server: 'dns-a', peer: '10.240.0.2' });
    expect((await sb.udpConnect('b', '10.240.0.1', 5354, { timeoutMs: 800 })).ok).toBe(false);
    expect((await sb.udpConnect('b', '10.240.0.99', 5353, { timeoutMs: 800 })).ok).toBe(false);
    await srv.kill();
  });

  it('servers run in the sandbox root namespace too', async () => {
    await sb.exec('ip', ['addr', 'add', '10.240.0.254/24', 'dev', 'sbr0'], { check: true });
    const srv = await sb.tcpServer('host', 9000, { label: 'root' });
    expect(await sb.tcpConnect('a', '10.240.0.254', 9000)).toEqual({ ok: true, server: 'root', peer: '10.240.0.1' });
    await srv.kill();
  });
});

describe('nested hosts', () => {
  let h1: Machine;
  let h2: Machine;

  beforeAll(async () => {
    h1 = await sb.addHost('node-a');
    h2 = await sb.addHost('node-b');
  });

  it('each host has its own network namespace, /run/netns and hostname', async () => {
    await h1.exec('ip', ['netns', 'add', 'only-on-a'], { check: true });
    expect((await h1.exec('ip', ['netns', 'list'])).stdout).toMatch(/only-on-a/);
    expect((await h2.exec('ip', ['netns', 'list'])).stdout).not.toMatch(/only-on-a/);
    expect((await sb.exec('ip', ['netns', 'list'])).stdout).not.toMatch(/only-on-a/);
    expect((await h1.exec('hostname')).stdout.trim()).toBe('node-a');
    expect((await h2.exec('hostname')).stdout.trim()).toBe('node-b');
    const sbLinks = (await sb.exec('ip', ['-br', 'link'])).stdout;
    expect(sbLinks).toMatch(/sbr0/);
    expect((await h1.exec('ip', ['-br', 'link'])).stdout).not.toMatch(/sbr0/);
  });

  it('connect() wires two hosts with a veth; lan() puts hosts on one bridge', async () => {
    await sb.connect(h1, h2, { aIf: 'p2p0', bIf: 'p2p0', aIp: '192.168.50.1/30', bIp: '192.168.50.2/30' });
    expect(await h1.ping(undefined, '192.168.50.2')).toBe(true);
    const h3 = await sb.addHost('node-c');
    await sb.lan('under0', [
      { machine: h1, ip: '192.168.1.1/24' },
      { machine: h3, ip: '192.168.1.3/24' },
      { machine: sb, ip: '192.168.1.254/24' },
    ]);
    expect(await h3.ping('host', '192.168.1.1')).toBe(true);
    expect(await sb.ping(undefined, '192.168.1.3')).toBe(true);
    // h2 is not on the LAN
    expect(await h2.ping(undefined, '192.168.1.1')).toBe(false);
    const srv = await h3.tcpServer(undefined, 7000);
    expect(await h1.tcpConnect(undefined, '192.168.1.3', 7000)).toEqual({ ok: true, server: 'node-c', peer: '192.168.1.1' });
    await srv.kill();
  });
});

describe('destroy', () => {
  it('kills the holder and the servers, and the namespace disappears', async () => {
    const other = await createSandbox();
    await other.exec('ip', ['link', 'add', 'gone0', 'type', 'bridge'], { check: true });
    const srv = await other.tcpServer(undefined, 1234);
    const nested = await other.addHost('n1');
    const pids = [other.pid, srv.pid, nested.pid];
    await other.destroy();
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(await hostLinkNames()).not.toContain('gone0');
  });
});
