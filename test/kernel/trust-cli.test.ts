// Issue 8, items 2, 5, 6, 7 and 12 through the real CLI in a private sandbox:
// which host am I, files that go missing, host settings given back, destroy asks
// first, cron's PATH and one-line errors. Each refusal leaves the kernel unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, createSandbox, type ExecResult, type Sandbox } from '../helpers/sandbox.js';
import { writeFiles, kernelSnapshot } from '../helpers/workdir.js';

let sb: Sandbox;
let root: string;
let dir: string;

const NET = `kind: Network
name: frontend
subnets: [{subnet: 172.18.0.0/24}]
`;
const WEB = `kind: Container
name: web
networks: [frontend]
`;
const HOSTS = `kind: Host
name: node-a
address: 10.9.0.1
---
kind: Host
name: node-b
address: 10.9.0.2
`;
const WEB_ON_A = `kind: Container
name: web
host: node-a
networks: [frontend]
`;
const V6 = `kind: Network
name: six
subnets: [{subnet: "fd00:31::/64"}]
icc: false
---
kind: Container
name: s6
networks: [six]
`;

const files = (contents: Record<string, string>) => writeFiles(dir, contents);

const nk = (...args: string[]) => sb.netkeeper([...args, '--dir', dir, '--log-level', 'warn']);
const sh = async (script: string) => (await sb.sh(script)).stdout.trim();
const netnsList = () => sh('ip netns list | cut -d" " -f1 | sort');
const sysctl = (name: string) => sh(`cat /proc/sys/${name.replace(/\./g, '/')}`);

const snapshot = () => kernelSnapshot(sb);

/** One `error:` line, no stack trace. */
function oneErrorLine(r: ExecResult): void {
  expect(r.exitCode, r.stdout + r.stderr).toBe(1);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(
    r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('error:')),
  ).toHaveLength(1);
}

async function reset(): Promise<void> {
  await sb.netkeeper(['destroy', '--yes', '--log-level', 'warn']);
  expect(await netnsList()).toBe('');
}

beforeAll(async () => {
  sb = await createSandbox();
  root = await mkdtemp(join(tmpdir(), 'nk-trust-'));
  await chmod(root, 0o755);
  dir = join(root, 'networks.d');
  await sh('hostname nk-trust'); // the sandbox's own UTS namespace
});
afterAll(async () => {
  await sb?.destroy();
  await rm(root, { recursive: true, force: true });
});

describe('which host am I (item 2)', () => {
  it('with Host documents, an undeclared --host stops validate, plan and reconcile, naming the declared hosts', async () => {
    await files({ 'hosts.yaml': HOSTS, 'net.yaml': NET, 'web.yaml': WEB_ON_A });
    const ok = await nk('reconcile', '--once', '--host', 'node-a');
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(await netnsList()).toBe('web');
    const before = await snapshot();
    for (const cmd of [['validate'], ['plan'], ['reconcile', '--once']]) {
      const r = await nk(...cmd, '--host', 'node-x');
      expect(r.exitCode, `${cmd}: ${r.stdout}${r.stderr}`).toBe(1);
      expect(r.stderr).toContain('node-a, node-b');
      expect(r.stderr).toContain('[unknown-self-host]');
      expect(r.stdout).not.toContain('netns:web');
    }
    // the default is the machine's hostname (nk-trust here), which is not declared either
    const byHostname = await nk('plan');
    expect(byHostname.exitCode).toBe(1);
    expect(byHostname.stderr).toContain('"nk-trust"');
    expect(await snapshot()).toBe(before);
    // a Host named after the machine makes the hostname default work
    await writeFile(join(dir, 'me.yaml'), 'kind: Host\nname: nk-trust\naddress: 10.9.0.3\n');
    expect((await nk('validate')).exitCode).toBe(0);
    await reset();
  });
});

describe('files that go missing are not deletions (item 5)', () => {
  it('a dangling symlink, a symlink loop and a pipe are errors and delete nothing', async () => {
    await mkdir(join(root, 'shared'), { recursive: true });
    await writeFile(join(root, 'shared', 'web.yaml'), WEB);
    await files({ 'net.yaml': NET });
    await symlink(join(root, 'shared', 'web.yaml'), join(dir, 'web.yaml'));
    expect((await nk('reconcile', '--once')).exitCode).toBe(0);
    expect(await netnsList()).toBe('web');
    const before = await snapshot();

    await rm(join(root, 'shared'), { recursive: true }); // the link's target is gone (an unmounted share, a bad checkout)
    for (const cmd of [['reconcile', '--once'], ['plan'], ['validate']]) {
      const r = await nk(...cmd);
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toContain('web.yaml');
      expect(r.stderr).toContain('[dangling-symlink]');
      expect(r.stdout).not.toContain('netns:web');
    }
    await rm(join(dir, 'web.yaml'));
    await symlink('loop.yaml', join(dir, 'loop.yaml'));
    await writeFile(join(dir, 'web.yaml'), WEB);
    const loop = await nk('reconcile', '--once');
    expect(loop.exitCode, loop.stderr).toBe(1);
    expect(loop.stderr).toContain('[symlink-loop]');
    await rm(join(dir, 'loop.yaml'));
    await sh(`mkfifo ${join(dir, 'fifo.yaml')}`);
    const fifo = await nk('reconcile', '--once', '--lock-timeout', '5');
    expect(fifo.exitCode, fifo.stderr).toBe(1);
    expect(fifo.stderr).toContain('[not-a-file]');
    expect(await snapshot()).toBe(before);
    await rm(join(dir, 'fifo.yaml'));
    await reset();
  });

  it('an unreadable file or folder is an error line, not a stack trace', async () => {
    await files({ 'net.yaml': NET, 'web.yaml': WEB });
    await chmod(dir, 0o755);
    await mkdir(join(dir, 'private'), { mode: 0o700 });
    await chmod(join(dir, 'web.yaml'), 0o600);
    // root reads everything: validate (files only, no root needed) runs as nobody
    const r = await sb.exec('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI_PATH, 'validate', '--dir', dir]);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(r.stderr).toMatch(/error: .*web\.yaml: cannot read this file: permission denied/);
    expect(r.stderr).toMatch(/error: .*private: cannot read this folder: permission denied/);
  });

  it('--dir naming a file, or a missing directory: an error line, never a suggestion of --allow-empty, nothing deleted', async () => {
    await files({ 'net.yaml': NET, 'web.yaml': WEB });
    expect((await nk('reconcile', '--once')).exitCode).toBe(0);
    const before = await snapshot();
    const asFile = await sb.netkeeper(['reconcile', '--once', '--dir', join(dir, 'web.yaml'), '--log-level', 'warn']);
    oneErrorLine(asFile);
    expect(asFile.stderr).toContain('not a directory');
    for (const cmd of [['reconcile', '--once', '--allow-empty'], ['plan'], ['validate']]) {
      const r = await sb.netkeeper([...cmd, '--dir', join(root, 'networks.dd'), '--log-level', 'warn']);
      oneErrorLine(r);
      expect(r.stderr).toContain('does not exist');
      expect(r.stderr).not.toContain('--allow-empty');
    }
    expect(await snapshot()).toBe(before);
    await reset();
  });

  it('plan never says "nothing was applied"', async () => {
    await files({ 'net.yaml': NET, 'web.yaml': WEB + 'bogus: 1\n' });
    const p = await nk('plan');
    expect(p.exitCode).toBe(1);
    expect(p.stderr).toContain('error:');
    expect(p.stderr).not.toContain('applied');
    const r = await nk('reconcile', '--once');
    expect(r.stderr).toContain('nothing was applied');
  });
});

describe('destroy asks first (item 7)', () => {
  it('without a terminal it refuses unless --yes, and the kernel stays as it was', async () => {
    await files({ 'net.yaml': NET, 'web.yaml': WEB });
    expect((await nk('reconcile', '--once')).exitCode).toBe(0);
    const before = await snapshot();
    const r = await sb.netkeeper(['destroy', '--log-level', 'warn']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('--yes');
    expect(r.stdout).toContain('netns:web'); // what it would remove
    expect(await snapshot()).toBe(before);
    const y = await sb.netkeeper(['destroy', '--yes', '--log-level', 'warn']);
    expect(y.exitCode, y.stderr).toBe(0);
    expect(await netnsList()).toBe('');
  });

  it('on a terminal it shows what it removes and goes ahead only on "y"', async () => {
    await files({ 'net.yaml': NET, 'web.yaml': WEB });
    expect((await nk('reconcile', '--once')).exitCode).toBe(0);
    const before = await snapshot();
    // script(1) gives the CLI a terminal; the answer is typed on it once the prompt is
    // on the screen, and its input stays open until destroy has answered (conditions
    // polled every 50 ms, not fixed sleeps; each wait bounded)
    const onTty = (answer: string) =>
      sb.sh(
        `out=$(mktemp); i=0
        ( until grep -q 'y/N' "$out" || [ $i -ge 300 ]; do sleep 0.05; i=$((i+1)); done; printf '${answer}\\n'
          until grep -qE 'cancelled|destroyed' "$out" || [ $i -ge 500 ]; do sleep 0.05; i=$((i+1)); done
        ) | script -qefc "${process.execPath} ${CLI_PATH} destroy --log-level warn" /dev/null >"$out"
        cat "$out"; rm -f "$out"`,
        { timeoutMs: 30_000 },
      );
    const no = await onTty('n');
    expect(no.stdout).toContain('netns:web');
    expect(no.stdout).toContain('(y/N)');
    expect(no.stdout).toContain('cancelled');
    expect(await snapshot()).toBe(before);
    const yes = await onTty('y');
    expect(yes.stdout).toContain('destroyed');
    expect(await netnsList()).toBe('');
  });
});

describe('host settings are given back (item 6)', () => {
  it('destroy restores ip_forward, IPv6 forwarding and bridge-nf-call-* to their values before netkeeper', async () => {
    // all per network namespace on this kernel: these are the sandbox's own
    await sh('modprobe br_netfilter 2>/dev/null; true');
    const names = ['net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding', 'net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables'];
    await sh(names.map((n) => `sysctl -qw ${n}=0`).join('; '));
    await files({ 'net.yaml': NET.replace('subnets', 'icc: false\nsubnets'), 'web.yaml': WEB, 'v6.yaml': V6 });
    const r = await nk('reconcile', '--once');
    expect(r.exitCode, r.stderr).toBe(0);
    for (const n of names) expect(await sysctl(n), n).toBe('1');
    const d = await sb.netkeeper(['destroy', '--yes', '--log-level', 'warn']);
    expect(d.exitCode, d.stderr).toBe(0);
    expect(d.stdout).toContain('restored net.ipv4.ip_forward = 0');
    for (const n of names) expect(await sysctl(n), n).toBe('0');
    // a second destroy has nothing left to give back
    const again = await sb.netkeeper(['destroy', '--yes', '--log-level', 'warn']);
    expect(again.stdout).not.toContain('restored');
    // a setting that was already on stays on
    await sh('sysctl -qw net.ipv4.ip_forward=1');
    expect((await nk('reconcile', '--once')).exitCode).toBe(0);
    await reset();
    expect(await sysctl('net.ipv4.ip_forward')).toBe('1');
    await sh('sysctl -qw net.ipv4.ip_forward=0');
  });

  it('refuses to turn on IPv6 forwarding on a host whose default route comes from router advertisements', async () => {
    await sh(
      'ip link add ra0 type veth peer name ra1 && ip link set ra0 up && ip link set ra1 up && ' +
        'sysctl -qw net.ipv6.conf.ra0.accept_ra=1 && ip -6 route add default via fe80::1 dev ra0 proto ra',
    );
    await files({ 'v6.yaml': V6 });
    const before = await snapshot();
    const r = await nk('reconcile', '--once');
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('net.ipv6.conf.ra0.accept_ra=2');
    expect(r.stderr).toContain('[ipv6-forwarding-drops-ra-route]');
    expect(await snapshot()).toBe(before);
    const p = await nk('plan');
    expect(p.exitCode).toBe(3);
    expect(p.stderr).toContain('accept_ra=2');
    // the fix the message gives
    await sh('sysctl -qw net.ipv6.conf.ra0.accept_ra=2');
    const ok = await nk('reconcile', '--once');
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(await sysctl('net.ipv6.conf.all.forwarding')).toBe('1');
    expect(await sh('ip -6 route show default')).toContain('proto ra');
    await reset();
    await sh('ip link del ra0');
  });
});

describe('cron and scripts (item 12)', () => {
  it("runs with cron's PATH=/usr/bin:/bin: tools are found in /usr/sbin and /sbin", async () => {
    await files({ 'net.yaml': NET.replace('subnets', 'icc: false\nsubnets'), 'web.yaml': WEB });
    const env = { PATH: '/usr/bin:/bin' };
    const r = await sb.netkeeper(['reconcile', '--once', '--dir', dir, '--log-level', 'warn'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const p = await sb.netkeeper(['plan', '--dir', dir, '--log-level', 'warn'], { env });
    expect(p.exitCode, p.stdout + p.stderr).toBe(0);
    const d = await sb.netkeeper(['destroy', '--yes', '--log-level', 'warn'], { env });
    expect(d.exitCode, d.stderr).toBe(0);
    expect(await netnsList()).toBe('');
  });

  it('a missing tool is one error line naming the package; nothing changed', async () => {
    await files({ 'net.yaml': NET, 'web.yaml': WEB });
    const before = await snapshot();
    // a mount namespace of its own inside the sandbox, where /usr/sbin (and /sbin) is empty but for `bridge`
    const without = (args: string) =>
      sb.sh(
        `cp /usr/sbin/bridge ${root}/bridge && unshare --mount --propagation private sh -c ` +
          `'mount -t tmpfs none /usr/sbin && cp ${root}/bridge /usr/sbin/ && PATH=/usr/bin:/bin ${process.execPath} ${CLI_PATH} ${args}'`,
      );
    const ipt = await without(`reconcile --once --dir ${dir} --log-level warn`);
    oneErrorLine(ipt);
    expect(ipt.stderr).toMatch(/error: iptables-save not found .*apt-get install iptables/);
    const core = await sb.sh(
      `unshare --mount --propagation private sh -c 'mount -t tmpfs none /usr/sbin && PATH=/usr/bin:/bin ${process.execPath} ${CLI_PATH} plan --dir ${dir}'`,
    );
    oneErrorLine(core);
    expect(core.stderr).toMatch(/error: bridge not found .*apt-get install iproute2/);
    expect(await snapshot()).toBe(before);
  });

  it('not root, a bad --log-level, an unknown option: one error line, exit 1; --version prints the version', async () => {
    const asNobody = await sb.exec('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI_PATH, 'plan', '--dir', dir]);
    oneErrorLine(asNobody);
    expect(asNobody.stderr).toContain('must run as root');
    const level = await sb.netkeeper(['plan', '--dir', dir, '--log-level', 'loud']);
    oneErrorLine(level);
    expect(level.stderr).toContain('--log-level');
    const opt = await nk('plan', '--frobnicate');
    oneErrorLine(opt);
    expect(opt.stderr).toContain('--frobnicate');
    const v = await sb.netkeeper(['--version']);
    expect(v.exitCode).toBe(0);
    expect(v.stdout).toMatch(/^netkeeper \d+\.\d+\.\d+/);
    const h = await sb.netkeeper(['destroy', '--help']);
    expect(h.exitCode).toBe(0);
    expect(h.stdout).toContain('Usage: netkeeper destroy');
  });
});
