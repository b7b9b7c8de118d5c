// Rollback (issue 13): fault injection that fails real steps mid-pass — a wrapper
// earlier on PATH makes `iptables-restore` fail once the host batch has run, or one
// namespace's batch fail (entering it fails: in the netlink writer, by a python
// sitecustomize; in `nsenter` with NETKEEPER_WRITER=ip) — and a full snapshot of the sandbox (links, addresses,
// routes of every namespace, iptables-save of every table, /etc/netns, /run/netns,
// sysctls) before and after: equal, byte for byte. Then reconcile --once --confirm:
// not confirmed → reverted (exit 6); confirmed → kept; killed while waiting →
// reverted at the deadline by the revert timer.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, CLI_PATH, type Sandbox } from '../helpers/sandbox.js';

let sb: Sandbox;
let work: string;
let runDir: string;
let bin: string;
let A: string;
let B: string;
const env = (extra: Record<string, string> = {}) => ({ NETKEEPER_RUN_DIR: runDir, ...extra });
// (NETKEEPER_PYTHON: the netlink writer, which enters namespaces without nsenter, fails there too)
const faulty = (extra: Record<string, string> = {}) =>
  env({ PATH: `${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`, NETKEEPER_PYTHON: join(bin, 'python3'), ...extra });

const NET = `kind: Network\nname: front\ninterface: br-front\nsubnets:\n  - subnet: 10.93.0.0/24\n`;
const ctr = (name: string, ip: string, port?: string) =>
  `---\nkind: Container\nname: ${name}\nnetworks:\n  - network: front\n    ip: ${ip}\n${port ? `ports: ["${port}"]\n` : ''}`;

async function config(name: string, text: string): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'all.yaml'), text);
  return dir;
}

interface LinkJ {
  ifname: string;
  link_type?: string;
  address?: string;
  mtu?: number;
  master?: string;
  flags?: string[];
  ifalias?: string;
  inet6_addr_gen_mode?: string;
  linkinfo?: { info_kind?: string; info_slave_data?: { learning?: boolean; hairpin?: boolean } };
  addr_info?: { local: string; prefixlen: number; scope?: string }[];
}

/** Everything of the sandbox netkeeper could have touched, ifindexes aside. */
async function snapshot(): Promise<string> {
  const names = (await sb.sh('ls /run/netns | sort')).stdout.split('\n').filter(Boolean);
  const out: string[] = [`netns: ${names.join(' ')}`];
  for (const ns of ['host', ...names]) {
    const n = ns === 'host' ? [] : ['-n', ns];
    const links = JSON.parse((await sb.exec('ip', [...n, '-j', '-d', 'addr', 'show'])).stdout) as LinkJ[];
    out.push(`== ${ns}`);
    for (const l of links.sort((a, b) => (a.ifname < b.ifname ? -1 : 1))) {
      const slave = l.linkinfo?.info_slave_data;
      out.push(
        [
          l.ifname,
          l.linkinfo?.info_kind ?? l.link_type,
          l.address,
          `mtu ${l.mtu}`,
          `master ${l.master ?? '-'}`,
          // carrier is the kernel's (an empty bridge's LOWER_UP flips once a port came and went), not a setting
          (l.flags ?? []).filter((f) => f !== 'LOWER_UP' && f !== 'NO-CARRIER').join(','),
          l.ifalias ?? '',
          l.inet6_addr_gen_mode ?? '',
          slave ? `learning ${slave.learning} hairpin ${slave.hairpin}` : '',
          (l.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`).join(' '),
        ].join(' | '),
      );
    }
    const ex = ns === 'host' ? '' : `ip netns exec ${ns} `;
    const r = await sb.sh(
      `ip ${n.join(' ')} route show table all | grep -v '^local\\|^broadcast\\|^multicast' | sed 's/ linkdown//'; ip ${n.join(' ')} -6 route show | sed 's/ linkdown//'; ` +
        `${ex}iptables-save | grep -v '^#' | sed 's/\\[[0-9]*:[0-9]*\\]//'; ${ex}ip6tables-save | grep -v '^#' | sed 's/\\[[0-9]*:[0-9]*\\]//'; ` +
        `${ex}sysctl net.ipv4.ip_forward net.ipv6.conf.all.forwarding`,
    );
    out.push(r.stdout);
  }
  out.push(
    (
      await sb.sh(
        'sysctl -a 2>/dev/null | grep -E "route_localnet|bridge-nf-call" | sort; for f in $(find /etc/netns | sort); do echo "## $f"; [ -f $f ] && cat $f; done',
      )
    ).stdout,
  );
  return out.join('\n');
}

async function waitFor(what: string, cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const recordState = async () => {
  try {
    return (JSON.parse(await readFile(join(runDir, 'rollback.json'), 'utf8')) as { state: string }).state;
  } catch {
    return undefined;
  }
};
const show = (r: { exitCode: number; stdout: string; stderr: string }) => `exit ${r.exitCode}\n${r.stdout}${r.stderr}`;

beforeAll(async () => {
  sb = await createSandbox();
  work = await mkdtemp(join(tmpdir(), 'nk-rollback-'));
  runDir = join(work, 'run');
  bin = join(work, 'bin');
  await mkdir(bin);
  // fail once, when armed: iptables-restore of the nat table; nsenter into namespace api (its batch)
  await writeFile(
    join(bin, 'iptables-restore'),
    `#!/bin/sh\nin=$(cat)\nif [ -e ${bin}/arm-restore ] && printf '%s' "$in" | grep -q '^\\*nat'; then rm -f ${bin}/arm-restore; echo "iptables-restore: line 2 failed: injected fault" >&2; exit 1; fi\nprintf '%s\\n' "$in" | exec /usr/sbin/iptables-restore "$@"\n`,
  );
  await writeFile(
    join(bin, 'nsenter'),
    `#!/bin/sh\nif [ -e ${bin}/arm-nsenter ] && [ "$1" = "--net=/run/netns/api" ]; then rm -f ${bin}/arm-nsenter; cat >/dev/null; echo "RTNETLINK answers: injected fault" >&2; echo "Command failed -:1" >&2; exit 1; fi\nexec /usr/bin/nsenter "$@"\n`,
  );
  // the netlink writer enters a namespace itself (setns): when armed, opening api's namespace fails
  // in the writer as nsenter's would (the first to try it disarms: the writer, or nsenter with NETKEEPER_WRITER=ip)
  await mkdir(join(bin, 'py'));
  await writeFile(
    join(bin, 'py', 'sitecustomize.py'),
    `import os\n_open = os.open\ndef _faulty(path, flags, *a, **k):\n    if path == '/run/netns/api' and os.path.exists('${bin}/arm-nsenter'):\n        os.remove('${bin}/arm-nsenter')\n        raise OSError(5, 'injected fault')\n    return _open(path, flags, *a, **k)\nos.open = _faulty\n`,
  );
  await writeFile(join(bin, 'python3'), `#!/bin/sh\nPYTHONPATH=${bin}/py exec /usr/bin/python3 "$@"\n`);
  await chmod(join(bin, 'iptables-restore'), 0o755);
  await chmod(join(bin, 'nsenter'), 0o755);
  await chmod(join(bin, 'python3'), 0o755);
  A = await config('a', NET + ctr('web', '10.93.0.10', '8080:80') + ctr('db', '10.93.0.20'));
  // web's port moves, db goes, api comes
  B = await config('b', NET + ctr('web', '10.93.0.10', '9090:80') + ctr('api', '10.93.0.30', '8081:80'));
  const first = await sb.netkeeper(['reconcile', '--once', '--dir', A], { env: env() });
  expect(first.exitCode, first.stderr).toBe(0);
});

afterAll(async () => {
  await sb?.destroy();
  await rm(work, { recursive: true, force: true });
});

describe('rollback in a sandbox', () => {
  it('iptables-restore fails after the host batch, then one namespace batch fails: each pass is undone exactly (exit 6); --no-rollback leaves it half-done (exit 1)', {
    timeout: 240_000,
  }, async () => {
    const s0 = await snapshot();
    await writeFile(join(bin, 'arm-restore'), '');
    const r1 = await sb.netkeeper(['reconcile', '--once', '--dir', B], { env: faulty() });
    if (process.env.NK_SHOW) console.log(`reconcile, iptables-restore failing:\n${show(r1)}`);
    expect(r1.exitCode, show(r1)).toBe(6);
    expect(r1.stderr).toMatch(/^failed: (chain|hook):host\/nat\/.*injected fault/m);
    expect(r1.stderr).toMatch(/^rolled back: the pass failed .* the kernel is as it was before the pass$/m);
    expect(await snapshot()).toBe(s0);

    await writeFile(join(bin, 'arm-nsenter'), '');
    const r2 = await sb.netkeeper(['reconcile', '--once', '--dir', B], { env: faulty() });
    if (process.env.NK_SHOW) console.log(`reconcile, api's batch failing:\n${show(r2)}`);
    expect(r2.exitCode, show(r2)).toBe(6);
    expect(r2.stderr).toMatch(/^failed: .*api.*: nsenter: cannot open \/run\/netns\/api: injected fault$/m); // (the netlink writer's)
    expect(await snapshot()).toBe(s0);
    expect(await recordState()).toBeUndefined();
    // the same through `nsenter ip -batch` (NETKEEPER_WRITER=ip)
    await writeFile(join(bin, 'arm-nsenter'), '');
    const r2ip = await sb.netkeeper(['reconcile', '--once', '--dir', B], { env: faulty({ NETKEEPER_WRITER: 'ip' }) });
    expect(r2ip.exitCode, show(r2ip)).toBe(6);
    expect(r2ip.stderr).toMatch(/^failed: .*api.*: RTNETLINK answers: injected fault$/m);
    expect(await snapshot()).toBe(s0);
    expect(await recordState()).toBeUndefined();

    await writeFile(join(bin, 'arm-restore'), '');
    const r3 = await sb.netkeeper(['reconcile', '--once', '--no-rollback', '--dir', B], { env: faulty() });
    expect(r3.exitCode, show(r3)).toBe(1);
    expect(await snapshot()).not.toBe(s0);
    // back to A for the next test
    const back = await sb.netkeeper(['reconcile', '--once', '--dir', A], { env: env() });
    expect(back.exitCode, show(back)).toBe(0);
  });

  it('--confirm: not confirmed → reverted, exit 6; confirmed → kept; killed while waiting → the timer reverts at the deadline', {
    timeout: 240_000,
  }, async () => {
    const s0 = await snapshot();
    const r = await sb.netkeeper(['reconcile', '--once', '--dir', B, '--confirm', '2'], { env: env() });
    if (process.env.NK_SHOW) console.log(`reconcile --confirm 2, unconfirmed:\n${show(r)}`);
    expect(r.exitCode, show(r)).toBe(6);
    expect(r.stderr).toMatch(/^reverted: not confirmed in 2 s/m);
    expect(await snapshot()).toBe(s0);

    // killed while waiting: the detached timer reverts at the deadline
    const killed = await sb.spawn('setsid', [process.execPath, CLI_PATH, 'reconcile', '--once', '--dir', B, '--confirm', '3'], { env: env() });
    await waitFor('the record to wait for confirmation', async () => (await recordState()) === 'confirm');
    process.kill(-killed.pid, 'SIGKILL');
    await killed.exited;
    expect(await snapshot()).not.toBe(s0);
    await waitFor('the revert timer', async () => (await recordState()) === undefined, 90_000);
    expect(await snapshot()).toBe(s0);

    // confirmed from another shell
    const waiting = await sb.spawn(process.execPath, [CLI_PATH, 'reconcile', '--once', '--dir', B, '--confirm', '60'], { env: env() });
    await waitFor('the record to wait for confirmation', async () => (await recordState()) === 'confirm');
    const c = await sb.netkeeper(['confirm'], { env: env() });
    if (process.env.NK_SHOW) console.log(`netkeeper confirm:\n${show(c)}`);
    expect(c.exitCode, show(c)).toBe(0);
    expect(await waiting.exited).toBe(0);
    if (process.env.NK_SHOW) console.log(`reconcile --confirm 60, confirmed:\n${waiting.output()}`);
    expect(waiting.output()).toMatch(/confirmed: the change stays/);
    const plan = await sb.netkeeper(['plan', '--dir', B], { env: env() });
    expect(plan.exitCode, show(plan)).toBe(0);
    expect(await recordState()).toBeUndefined();
    const none = await sb.netkeeper(['confirm'], { env: env() });
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/nothing is waiting for confirmation/);
  });

  it("a failed --adopt pass takes netkeeper's marks back off the user's bridge and namespace (alias, IPv6 autoconf), exit 6", {
    timeout: 120_000,
  }, async () => {
    await sb.sh('ip link add br-lab type bridge && ip link set dev br-lab alias "lab bridge" up && ip netns add lab');
    const NET2 = `kind: Network\nname: lab\ninterface: br-lab\nsubnets:\n  - subnet: 10.94.0.0/24\n`;
    const C = await config(
      'c',
      `${NET}---\n${NET2}${ctr('web', '10.93.0.10', '8080:80')}${ctr('db', '10.93.0.20')}---\nkind: Container\nname: lab\nnetworks:\n  - network: lab\n    ip: 10.94.0.10\n`,
    );
    const s0 = await snapshot();
    await writeFile(join(bin, 'arm-restore'), '');
    const r = await sb.netkeeper(['reconcile', '--once', '--adopt', '--dir', C], { env: faulty() });
    if (process.env.NK_SHOW) console.log(`reconcile --adopt, iptables-restore failing:\n${show(r)}`);
    expect(r.exitCode, show(r)).toBe(6);
    expect(await snapshot()).toBe(s0);
    await sb.sh('ip link del br-lab; ip netns del lab');
  });
});
