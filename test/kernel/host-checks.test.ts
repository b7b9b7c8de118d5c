// Checks of the live host before anything changes (issue 13 item 3): each finding
// stops the pass with an error naming the declaration and the live object in the
// way, `plan` shows it too, and the kernel is exactly as it was. Once the obstacle
// is gone the same files converge.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, type ExecResult, type Sandbox } from '../helpers/sandbox.js';
import { cliIn, kernelSnapshot, writeFiles } from '../helpers/workdir.js';

let sb: Sandbox;
let root: string;
let dir: string;
let nk: (...args: string[]) => Promise<ExecResult>;

const HOST = 'kind: Host\nname: node-a\naddress: 10.77.0.1\n';

/** plan and reconcile --once both refuse with `code` (exit 3) and change nothing; returns plan's stderr. */
async function refused(code: string): Promise<string> {
  const before = await kernelSnapshot(sb);
  const plan = await nk('plan');
  expect(plan.exitCode, plan.stdout + plan.stderr).toBe(3);
  expect(plan.stderr).toContain(`[${code}]`);
  const rec = await nk('reconcile', '--once');
  expect(rec.exitCode, rec.stdout + rec.stderr).toBe(3);
  expect(rec.stderr).toContain(`[${code}]`);
  expect(rec.stderr).not.toMatch(/\n\s+at /);
  expect(await kernelSnapshot(sb)).toBe(before);
  return plan.stderr;
}

async function converges(): Promise<void> {
  const r = await nk('reconcile', '--once');
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  expect((await nk('plan')).exitCode).toBe(0);
}

beforeAll(async () => {
  sb = await createSandbox();
  root = await mkdtemp(join(tmpdir(), 'nk-hostcheck-'));
  dir = join(root, 'networks.d');
  nk = cliIn(sb, dir);
  await sb.sh('hostname node-a; ip link add eth0 type veth peer name eth0p; ip addr add 10.77.0.1/24 dev eth0; ip link set eth0 up');
});

afterAll(async () => {
  await sb?.destroy();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('checks of the live host', () => {
  it('a published port a host process listens on: refused, naming the process and the port line; free once it stops', async () => {
    await writeFiles(dir, {
      'net.yaml': 'kind: Network\nname: front\nsubnets:\n  - subnet: 172.30.0.0/24\n',
      'web.yaml': 'kind: Container\nname: web\nnetworks: [front]\nports:\n  - "8080:80"\n',
    });
    const server = await sb.tcpServer(undefined, 8080);
    const err = await refused('port-in-use');
    expect(err).toContain('web.yaml:5');
    expect(err).toContain(`node (pid ${server.pid}) listens on *:8080/tcp`);
    await server.kill();
    await converges();
    // published now: a listener that comes later is not a reason to stop every pass
    const late = await sb.tcpServer(undefined, 8080);
    expect((await nk('plan')).exitCode).toBe(0);
    await late.kill();
    expect((await nk('destroy', '--yes')).exitCode).toBe(0);
  });

  it('a macvlan parent that is down: refused; and an address the host holds on the LAN is never handed out', async () => {
    await sb.sh('ip link add lan0 type veth peer name lan0p; ip addr add 192.168.77.2/24 dev lan0');
    await writeFiles(dir, {
      'lan.yaml': 'kind: Network\nname: lan\ndriver: macvlan\nparent: lan0\nsubnets:\n  - subnet: 192.168.77.0/24\n    gateway: 192.168.77.1\n',
      'm.yaml': 'kind: Container\nname: m1\nnetworks: [lan]\n',
    });
    const err = await refused('macvlan-parent-down');
    expect(err).toContain('lan.yaml:1');
    expect(err).toContain('lan0 is down (needed by m1)');
    await sb.sh('ip link set lan0 up');
    await converges();
    const a = await sb.exec('ip', ['-n', 'm1', '-j', '-4', 'addr', 'show', 'eth0'], { check: true });
    expect(JSON.parse(a.stdout)[0].addr_info[0].local).toBe('192.168.77.3'); // .1 the gateway, .2 the host's own
    expect((await nk('destroy', '--yes')).exitCode).toBe(0);
    await sb.sh('ip link del lan0');
  });

  it('an overlay MTU that does not fit the underlay: refused, naming the underlay', async () => {
    await writeFiles(dir, {
      'host.yaml': HOST,
      'ov.yaml': 'kind: Network\nname: ov\ndriver: overlay\nvni: 42\nmtu: 1500\nsubnets:\n  - subnet: 10.99.0.0/24\n',
      'a.yaml': 'kind: Container\nname: a\nhost: node-a\nnetworks: [ov]\n',
    });
    const err = await refused('mtu-too-big');
    expect(err).toContain('ov.yaml:1');
    expect(err).toContain('its underlay eth0 carries 1500 and VXLAN takes 50 bytes of it, so at most 1450 fits');
  });

  it('an overlay VNI a foreign VXLAN device holds: refused, naming the device; the device is left alone', async () => {
    await writeFiles(dir, {
      'host.yaml': HOST,
      'ov.yaml': 'kind: Network\nname: ov\ndriver: overlay\nvni: 42\nsubnets:\n  - subnet: 10.99.0.0/24\n',
      'a.yaml': 'kind: Container\nname: a\nhost: node-a\nnetworks: [ov]\n',
    });
    await sb.sh('ip link add theirs type vxlan id 42 dstport 4789 local 10.77.0.1 nolearning');
    const err = await refused('vxlan-in-use');
    expect(err).toContain('VNI 42 on UDP port 4789 is already used by theirs');
    await sb.sh('ip link del theirs');
    await converges();
    expect((await nk('destroy', '--yes')).exitCode).toBe(0);
  });

  it('a bridge that the interfaces attached by hand would push over 1023 ports: refused', async () => {
    const files = (n: number) =>
      Object.fromEntries([
        ['net.yaml', 'kind: Network\nname: front\nsubnets:\n  - subnet: 172.31.0.0/20\n'],
        ...Array.from({ length: n }, (_, i) => [`c${i}.yaml`, `kind: Container\nname: c${i}\nnetworks: [front]\n`]),
      ]);
    await writeFiles(dir, files(3));
    await converges();
    const bridge = (await sb.exec('ip', ['-j', 'link', 'show', 'type', 'bridge'], { check: true })).stdout;
    const br = JSON.parse(bridge).find((l: { ifname: string }) => l.ifname.startsWith('br-'))?.ifname as string;
    // 1020 interfaces of the user's on the bridge (veths: this kernel may have no dummy module): 3 + 1020 = 1023 ports, the most a bridge takes
    const lines = Array.from({ length: 1020 }, (_, i) => `link add tap${i} type veth peer name tapp${i}\nlink set tap${i} master ${br}`).join('\n');
    await sb.exec('ip', ['-batch', '-'], { input: `${lines}\n`, check: true });
    await writeFiles(dir, files(4));
    const err = await refused('bridge-ports-full');
    expect(err).toContain('net.yaml:1');
    expect(err).toContain(`bridge ${br} would have 1024 ports`);
    expect(err).toContain('4 from the files and 1020 attached by hand (tap0, tap1, tap2, tap3, tap4 and 1015 more)');
    await sb.exec('ip', ['-batch', '-'], { input: `${Array.from({ length: 1020 }, (_, i) => `link del tap${i}`).join('\n')}\n`, check: true });
    await converges();
  }, 240_000); // 2040 interfaces to make, read and snapshot
});
