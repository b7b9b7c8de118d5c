// Issue 8, items 1, 3, 10 and 13 in a private sandbox: netkeeper never plumbs the
// namespace it runs in (the sandbox's own, standing in for the host's), never lets
// a declared subnet collide with a route it does not own or renumber the default
// bridge, never leaves a macvlan on the LAN inside a namespace a process still
// holds, and reads an adopted router's iptables where its namespace really is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, type Background, type Sandbox } from '../helpers/sandbox.js';
import { writeFiles, kernelSnapshot } from '../helpers/workdir.js';

let sb: Sandbox;
let dir: string;

const files = (contents: Record<string, string>) => writeFiles(dir, contents);

const nk = (...args: string[]) => sb.netkeeper([...args, '--dir', dir, '--log-level', 'warn']);
const destroy = () => sb.netkeeper(['destroy', '--yes', '--log-level', 'warn']);
const sh = async (script: string) => (await sb.sh(script)).stdout.trim();
const inPid = (pid: number | string, cmd: string) => sh(`nsenter --net=/proc/${pid}/ns/net ${cmd}`);

const snapshot = () => kernelSnapshot(sb);

/** A process in a network namespace of its own (like a container runtime's), and the pid that holds it. */
async function holder(): Promise<{ bg: Background; pid: number }> {
  const bg = await sb.spawn('unshare', ['--net', 'sh', '-c', 'echo up; exec sleep 600'], { readyLine: 'up' });
  const pid = Number((await sh(`pgrep -P ${bg.pid} sleep || echo ${bg.pid}`)).split('\n')[0]);
  return { bg, pid };
}

const NOFW = 'kind: Settings\niptables: false\n';
const NET = 'kind: Network\nname: frontend\nsubnets: [{subnet: 172.18.0.0/24}]\n';
const adopt = (name: string, netns: string, extra = '') => `kind: Container\nname: ${name}\nnetns: ${netns}\nnetworks: [{network: frontend}]\n${extra}`;

beforeAll(async () => {
  sb = await createSandbox();
  dir = await mkdtemp(join(tmpdir(), 'nk-trust-netns-'));
});
afterAll(async () => {
  await sb?.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe("item 1: adopting the host's own namespace, one namespace twice, or a file that is no network namespace", () => {
  it('refuses {pid: P} when P runs in the namespace netkeeper runs in: error names the document, nothing applied', async () => {
    // the sandbox's holder process lives in the sandbox's root namespace: "the host" here
    // (firewall on: its iptables are read, never written)
    await files({ 'a.yaml': NET + '---\n' + adopt('ext', `{pid: ${sb.pid}}`) });
    const before = await snapshot();
    for (const cmd of ['plan', 'reconcile']) {
      const r = await nk(...(cmd === 'reconcile' ? ['reconcile', '--once'] : ['plan']));
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/a\.yaml:5:\d+: Container ext: .*is the host's own network namespace/);
      if (cmd === 'reconcile') expect(r.stderr).toContain('nothing was applied'); // plan applies nothing anyway
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
    expect(await snapshot()).toBe(before);
  });

  it('refuses {path: …} to a bind mount of the host namespace (identity, not the path text)', async () => {
    await sh('touch /run/hostns-bind && mount --bind /proc/self/ns/net /run/hostns-bind');
    try {
      await files({ 'settings.yaml': NOFW, 'a.yaml': NET + '---\n' + adopt('ext', '{path: /run/hostns-bind}') });
      const before = await snapshot();
      const r = await nk('reconcile', '--once');
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/a\.yaml:5:\d+: Container ext: .*\/run\/hostns-bind is the host's own network namespace/);
      expect(await snapshot()).toBe(before);
    } finally {
      await sh('umount /run/hostns-bind; rm -f /run/hostns-bind');
    }
  });

  it('refuses two containers adopting one namespace (by pid and by path) without container: mode', async () => {
    const h = await holder();
    try {
      await files({
        'settings.yaml': NOFW,
        'a.yaml': NET + '---\n' + adopt('one', `{pid: ${h.pid}}`) + '---\n' + adopt('two', `{path: /proc/${h.pid}/ns/net}`),
      });
      const before = await snapshot();
      const r = await nk('reconcile', '--once');
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/a\.yaml:\d+:\d+: Container two: .*same network namespace as Container one .*container:one/);
      expect(r.stderr).toContain('nothing was applied');
      expect(await snapshot()).toBe(before);
      expect(await inPid(h.pid, 'ip -br link | cut -d" " -f1')).toBe('lo');
    } finally {
      await h.bg.kill();
    }
  });

  it('refuses adopting the namespace of a container netkeeper made (its /run/netns file) without container: mode', async () => {
    await files({ 'settings.yaml': NOFW, 'a.yaml': NET + '---\nkind: Container\nname: web\nnetworks: [{network: frontend}]\n' });
    expect((await nk('reconcile', '--once')).exitCode).toBe(0);
    await files({
      'settings.yaml': NOFW,
      'a.yaml': NET + '---\nkind: Container\nname: web\nnetworks: [{network: frontend}]\n---\n' + adopt('spy', '{path: /run/netns/web}'),
    });
    const before = await snapshot();
    const r = await nk('reconcile', '--once');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Container spy: .*same network namespace as Container web/);
    expect(await snapshot()).toBe(before);
    expect((await destroy()).exitCode).toBe(0);
  });

  for (const [what, path] of [
    ['a plain file', '/run/not-a-netns'],
    ['another kind of namespace (uts)', 'UTS'],
  ] as const) {
    it(`refuses a path that is ${what}: error names the document, nothing applied (not half-way)`, async () => {
      const h = await holder();
      await sh('touch /run/not-a-netns');
      const p = path === 'UTS' ? `/proc/${h.pid}/ns/uts` : path;
      try {
        // firewall on: a namespace that cannot be entered is not read for iptables either
        await files({ 'a.yaml': NET + '---\n' + adopt('ext', `{path: ${p}}`) });
        const before = await snapshot();
        const r = await nk('reconcile', '--once');
        expect(r.exitCode).toBe(1);
        expect(r.stderr).toMatch(/a\.yaml:5:\d+: Container ext: .* is not a network namespace/);
        expect(r.stderr).toContain('nothing was applied');
        expect(await snapshot()).toBe(before);
      } finally {
        await sh('rm -f /run/not-a-netns');
        await h.bg.kill();
      }
    });
  }

  it('still plumbs a real adopted namespace', async () => {
    const h = await holder();
    try {
      await files({ 'settings.yaml': NOFW, 'a.yaml': NET + '---\n' + adopt('ext', `{pid: ${h.pid}}`) });
      const r = await nk('reconcile', '--once');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await inPid(h.pid, 'ip -br addr show eth0')).toContain('172.18.0.2/24');
      expect((await nk('plan')).exitCode).toBe(0);
      expect((await destroy()).exitCode).toBe(0);
    } finally {
      await h.bg.kill();
    }
  });
});

describe('item 3: subnets that collide with the host', () => {
  beforeAll(async () => {
    await destroy();
    // stand-ins for docker0 (a user's bridge with an address) and a VPN (a user's route via a gateway)
    // (this kernel has no dummy or tun devices: a bridge and a veth stand in)
    const r = await sb.sh(
      'ip link add dock0 type bridge && ip addr add 172.17.0.1/16 dev dock0 && ip link set dock0 up && ' +
        'ip link add vpn0 type veth peer name vpn0p && ip addr add 10.250.0.2/30 dev vpn0 && ip link set vpn0 up && ip link set vpn0p up && ' +
        'ip route add 10.8.0.0/16 via 10.250.0.1 dev vpn0',
    );
    expect(r.exitCode, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await destroy();
    await sh('ip link del dock0; ip link del vpn0');
  });

  const net = (subnet: string, extra = '') => `kind: Network\nname: front\n${extra}subnets:\n  - subnet: ${subnet}\n`;

  for (const [subnet, route, dev] of [
    ['172.17.5.0/24', '172.17.0.0/16', 'dock0'],
    ['10.8.0.0/24', '10.8.0.0/16', 'vpn0'],
  ] as const) {
    it(`refuses ${subnet}, which overlaps the host's route ${route} on ${dev}: names the route and device, nothing applied`, async () => {
      await files({ 'settings.yaml': NOFW, 'net.yaml': net(subnet) + '---\nkind: Container\nname: c\nnetworks: [front]\n' });
      const before = await snapshot();
      for (const args of [['plan'], ['reconcile', '--once']]) {
        const r = await nk(...args);
        expect(r.exitCode, r.stdout).toBe(1);
        expect(r.stderr).toMatch(
          new RegExp(
            `net\\.yaml:\\d+:\\d+: Network front: subnet ${subnet.replace(/\./g, '\\.')} overlaps the host's route ${route.replace(/\./g, '\\.')}.* dev ${dev}.*allowHostOverlap`,
          ),
        );
        if (args[0] === 'reconcile') expect(r.stderr).toContain('nothing was applied');
      }
      expect(await snapshot()).toBe(before);
    });
  }

  it('accepts the overlap when the network opts in with allowHostOverlap: true', async () => {
    await files({ 'settings.yaml': NOFW, 'net.yaml': net('172.17.5.0/24', 'allowHostOverlap: true\n') + '---\nkind: Container\nname: c\nnetworks: [front]\n' });
    expect((await nk('validate')).exitCode).toBe(0);
    const r = await nk('reconcile', '--once');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await sh('ip -n c -4 -br addr show eth0')).toContain('172.17.5.2/24');
    expect((await nk('plan')).exitCode).toBe(0);
    // the user's device and route are untouched
    expect(await sh('ip -4 -br addr show dock0')).toContain('172.17.0.1/16');
    expect(await sh('ip route show 10.8.0.0/16')).toContain('via 10.250.0.1 dev vpn0');
    expect((await destroy()).exitCode).toBe(0);
  });

  it("never renumbers the default bridge: a declared subnet inside nk0's automatic subnet is refused, nk0 and its containers stay", async () => {
    await files({ 'settings.yaml': NOFW, 'c.yaml': 'kind: Container\nname: c1\n' });
    expect((await nk('reconcile', '--once')).exitCode).toBe(0);
    const nk0 = await sh("ip -4 -br addr show nk0 | awk '{print $3}'");
    const m = /^(\d+)\.(\d+)\.0\.1\/16$/.exec(nk0);
    expect(m, nk0).not.toBeNull();
    const inside = `${m![1]}.${m![2]}.3.0/24`;
    const c1 = await sh('ip -n c1 -br addr show eth0; ip -n c1 link show eth0');
    for (const extra of ['', 'allowHostOverlap: true\n']) {
      await files({ 'settings.yaml': NOFW, 'c.yaml': 'kind: Container\nname: c1\n', 'net.yaml': net(inside, extra) });
      const before = await snapshot();
      const r = await nk('reconcile', '--once');
      expect(r.exitCode, r.stdout).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `net\\.yaml:\\d+:\\d+: Network front: subnet ${inside.replace(/\./g, '\\.')} overlaps ${m![1]}\\.${m![2]}\\.0\\.0/16, the automatic subnet network bridge \\(nk0\\) holds`,
        ),
      );
      expect(await snapshot()).toBe(before);
      expect(await sh('ip -n c1 -br addr show eth0; ip -n c1 link show eth0')).toBe(c1);
    }
    expect((await destroy()).exitCode).toBe(0);
  });
});

describe('item 10: interfaces inside a namespace that outlives its name', () => {
  const LAN = 'kind: Network\nname: lan\ndriver: macvlan\nparent: lan0\nsubnets: [{subnet: 192.168.9.0/24, gateway: 192.168.9.1}]\n';
  const M1 = 'kind: Container\nname: m1\nnetworks: [{network: lan, ip: 192.168.9.11}]\n';
  let held: Background | undefined;

  beforeAll(async () => {
    await destroy();
    // the LAN parent: one end of a veth (this kernel has no dummy devices)
    const r = await sb.sh('ip link add lan0 type veth peer name lan0p && ip link set lan0 up && ip link set lan0p up');
    expect(r.exitCode, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await held?.kill();
    await destroy();
    await sh('ip link del lan0');
  });

  /** a process that keeps m1's namespace alive after its /run/netns name is gone */
  async function hold(ns: string): Promise<{ bg: Background; pid: number }> {
    const bg = await sb.spawn('nsenter', [`--net=/run/netns/${ns}`, 'sh', '-c', 'echo up; exec sleep 600'], { readyLine: 'up' });
    const pid = Number((await sh(`pgrep -P ${bg.pid} sleep || echo ${bg.pid}`)).split('\n')[0]);
    return { bg, pid };
  }

  for (const how of ['removed from the files', 'destroyed'] as const) {
    it(`a macvlan container ${how} while a process holds its namespace leaves the LAN, and can be made again`, async () => {
      await files({ 'settings.yaml': NOFW, 'lan.yaml': LAN + '---\n' + M1 });
      expect((await nk('reconcile', '--once')).exitCode).toBe(0);
      const h = await hold('m1');
      held = h.bg;
      const r = how === 'destroyed' ? await destroy() : (await files({ 'settings.yaml': NOFW, 'lan.yaml': LAN }), await nk('reconcile', '--once'));
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await sh('ls /run/netns')).toBe('');
      // the held namespace has no macvlan left on the LAN
      expect(await inPid(h.pid, 'ip -br link | cut -d" " -f1 | cut -d@ -f1')).toBe('lo');
      await files({ 'settings.yaml': NOFW, 'lan.yaml': LAN + '---\n' + M1 });
      const again = await nk('reconcile', '--once');
      expect(again.exitCode, again.stderr).toBe(0);
      expect(await sh('ip -n m1 -4 -br addr show eth0')).toContain('192.168.9.11/24');
      expect((await nk('plan')).exitCode).toBe(0);
      await h.bg.kill();
      held = undefined;
      expect((await destroy()).exitCode).toBe(0);
    });
  }

  it('a link between two containers removed while both namespaces are held goes too', async () => {
    const P2P =
      'kind: Container\nname: a\nmode: none\n---\nkind: Container\nname: b\nmode: none\n---\nkind: Link\nname: a-b\nendpoints:\n  - {container: a, ifname: p2p0, ip: 10.1.1.1/32}\n  - {container: b, ifname: p2p0, ip: 10.1.1.2/32}\n';
    await files({ 'settings.yaml': NOFW, 'p.yaml': P2P });
    expect((await nk('reconcile', '--once')).exitCode).toBe(0);
    const ha = await hold('a');
    const hb = await hold('b');
    try {
      const r = await destroy();
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await inPid(ha.pid, 'ip -br link | cut -d" " -f1 | cut -d@ -f1')).toBe('lo');
      expect(await inPid(hb.pid, 'ip -br link | cut -d" " -f1 | cut -d@ -f1')).toBe('lo');
    } finally {
      await ha.bg.kill();
      await hb.bg.kill();
    }
  });
});

describe('item 13: an adopted router container', () => {
  it('has its iptables read and written through its real namespace path (/proc/PID/ns/net)', async () => {
    await destroy();
    const h = await holder();
    try {
      const router = (masq: boolean) =>
        `kind: Container\nname: rt\nnetns: {pid: ${h.pid}}\nmode: none\nforwarding: true\n${masq ? 'masquerade: [up0]\n' : ''}---\n` +
        'kind: Link\nname: up\nendpoints:\n  - {container: host, ifname: nkp-rt, ip: 10.3.3.1/32}\n  - {container: rt, ifname: up0, ip: 10.3.3.2/32}\n';
      await files({ 'rt.yaml': router(true) });
      const r = await nk('reconcile', '--once');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(await inPid(h.pid, 'iptables -t nat -S')).toMatch(/-o up0 -j MASQUERADE/);
      const p = await nk('plan');
      expect(p.exitCode, p.stdout + p.stderr).toBe(0);
      // masquerade leaves the files: the rule is found (read in the right place) and removed
      await files({ 'rt.yaml': router(false) });
      const r2 = await nk('reconcile', '--once');
      expect(r2.exitCode, r2.stderr).toBe(0);
      expect(await inPid(h.pid, 'iptables -t nat -S')).not.toMatch(/MASQUERADE|NK-/);
      expect((await nk('plan')).exitCode).toBe(0);
      expect((await destroy()).exitCode).toBe(0);
    } finally {
      await h.bg.kill();
    }
  });
});
