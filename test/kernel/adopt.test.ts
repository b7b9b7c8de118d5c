// Issue 14, the round trip: a host built by hand the way Docker and the manual
// recipes build it is described in networks.d, and `reconcile --adopt` takes it
// over without re-creating anything — an open TCP connection survives, every check
// that worked before still works, a second plan is empty, and `destroy` removes what
// was adopted and nothing else. And a live object that differs in an essential
// attribute is refused with a clear error, the kernel left byte-identical.
// One sandbox for the file; everything through the real CLI and the real kernel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLIENT, ECHO_SERVER, echoes, waitFor } from '../helpers/long-connection.js';
import { createSandbox, type Background, type Sandbox } from '../helpers/sandbox.js';
import { kernelSnapshot, writeFiles } from '../helpers/workdir.js';

let sb: Sandbox;
let dir: string;

const nk = (...args: string[]) => sb.netkeeper([...args, '--dir', dir, '--log-level', 'warn']);
const sh = async (script: string) => {
  const r = await sb.sh(script);
  if (r.exitCode !== 0) throw new Error(`${script}\n${r.stderr}`);
  return r.stdout.trim();
};

// The host, by hand: Docker's default bridge with two containers, a user bridge with a
// fixed-address container (Docker's `-b bridge0` recipe) whose port 80 is published on
// 8080 by a hand-written DNAT rule, masquerade for docker0, and two router namespaces
// joined by a veth with /32 addresses. Plus the user's own `ext` namespace on a veth
// (an outside client; it is not declared and must survive everything).
const BUILD = `set -e
sysctl -qw net.ipv4.ip_forward=1
ip link add docker0 address 02:42:5e:00:00:01 type bridge
ip addr add 172.17.0.1/16 dev docker0
ip link set docker0 up
for i in 1 2; do
  ip netns add c$i
  ip link add veth$i type veth peer name eth0 netns c$i
  ip link set veth$i master docker0 up
  ip -n c$i link set lo up
  ip -n c$i link set eth0 address 02:42:ac:11:00:0$((i+1)) up
  ip -n c$i addr add 172.17.0.$((i+1))/16 dev eth0
  ip -n c$i route add default via 172.17.0.1
done
ip link add bridge0 address 02:42:5e:00:00:02 type bridge
ip addr add 192.168.50.1/24 dev bridge0
ip link set bridge0 up
ip netns add web
ip link add vethweb type veth peer name eth0 netns web
ip link set vethweb master bridge0 up
ip -n web link set lo up
ip -n web link set eth0 address 02:42:c0:a8:32:0a up
ip -n web addr add 192.168.50.10/24 dev eth0
ip -n web route add default via 192.168.50.1
iptables -t nat -A PREROUTING -p tcp -m addrtype --dst-type LOCAL --dport 8080 -j DNAT --to-destination 192.168.50.10:80
iptables -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
ip netns add r1
ip netns add r2
ip -n r1 link set lo up
ip -n r2 link set lo up
ip -n r1 link add p2p0 type veth peer name p2p0 netns r2
ip -n r1 addr add 10.1.1.1/32 dev p2p0
ip -n r2 addr add 10.1.1.2/32 dev p2p0
ip -n r1 link set p2p0 up
ip -n r2 link set p2p0 up
ip -n r1 route add 10.1.1.2/32 dev p2p0
ip -n r2 route add 10.1.1.1/32 dev p2p0
ip netns add ext
ip link add ext0 type veth peer name eth0 netns ext
ip addr add 10.99.0.1/24 dev ext0
ip link set ext0 up
ip -n ext link set lo up
ip -n ext addr add 10.99.0.2/24 dev eth0
ip -n ext link set eth0 up
ip -n ext route add default via 10.99.0.1
`;

// What `netkeeper import` writes for it (written by hand here until import lands).
const FILES = {
  'networks.yaml': `kind: Network
name: bridge
interface: docker0
mac: 02:42:5e:00:00:01
subnets: [{subnet: 172.17.0.0/16, gateway: 172.17.0.1}]
---
kind: Network
name: user
interface: bridge0
mac: 02:42:5e:00:00:02
subnets: [{subnet: 192.168.50.0/24, gateway: 192.168.50.1}]
`,
  'containers.yaml': `kind: Container
name: c1
networks: [{network: bridge, ip: 172.17.0.2, hostIfname: veth1}]
---
kind: Container
name: c2
networks: [{network: bridge, ip: 172.17.0.3, hostIfname: veth2}]
---
kind: Container
name: web
networks: [{network: user, ip: 192.168.50.10, hostIfname: vethweb}]
ports: ["8080:80"]
---
kind: Container
name: r1
mode: none
---
kind: Container
name: r2
mode: none
`,
  'links.yaml': `kind: Link
name: r1-r2
endpoints:
  - {container: r1, ifname: p2p0, ip: 10.1.1.1/32}
  - {container: r2, ifname: p2p0, ip: 10.1.1.2/32}
`,
};

function inNs(ns: string, script: string, ...args: (string | { ready: true })[]): Promise<Background> {
  const ready = args.some((a) => typeof a !== 'string');
  const argv = args.filter((a): a is string => typeof a === 'string');
  return sb.spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script, ...argv], ready ? { readyLine: 'listening' } : {});
}

/** Everything that worked on the hand-made host. */
async function checks(): Promise<void> {
  for (const ip of ['172.17.0.2', '172.17.0.3', '192.168.50.10']) expect(await sb.ping(undefined, ip), `host → ${ip}`).toBe(true);
  expect(await sb.ping('c1', '172.17.0.3'), 'c1 → c2').toBe(true);
  expect(await sb.ping('r1', '10.1.1.2'), 'r1 → r2 over the /32 link').toBe(true);
  expect(await sb.ping('r2', '10.1.1.1'), 'r2 → r1 over the /32 link').toBe(true);
  const port = await inNs('ext', CLIENT, '10.99.0.1', '8080');
  await waitFor('ext → host:8080 (published port) echoes', () => echoes(port) > 0);
  await port.kill();
  const out = await sb.tcpConnect('c1', '10.99.0.2', 9000);
  expect(out.ok, 'c1 → ext').toBe(true);
  expect(out.peer, 'c1 → ext is masqueraded').toBe('10.99.0.1');
}

beforeAll(async () => {
  sb = await createSandbox();
  dir = await mkdtemp(join(tmpdir(), 'nk-adopt-'));
  await sh(BUILD);
  await inNs('web', ECHO_SERVER, '80', { ready: true });
  await inNs('c2', ECHO_SERVER, '7000', { ready: true });
  await sb.tcpServer('ext', 9000, { label: 'ext9000' });
}, 60_000);
afterAll(async () => {
  await sb?.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('adopting a host built by hand', () => {
  it('a live object that differs in an essential attribute is refused with file:line and left byte-identical; --adopt=replace makes it anew', async () => {
    await sh('ip link add odd0 type veth peer name odd1; ip addr add 172.31.0.1/16 dev odd0; ip link set odd0 up');
    await writeFiles(dir, {
      'networks.yaml': `kind: Network
name: bridge
interface: odd0
subnets: [{subnet: 172.31.0.0/16, gateway: 172.31.0.1}]
---
kind: Settings
iptables: false
ipForward: false
`,
    });
    const snap = async () =>
      `${await kernelSnapshot(sb)}\n${await sh('ip link; ip addr; for n in $(ip netns list | cut -d" " -f1); do ip -n $n link; done')}`.replace(
        / tentative/g,
        '',
      ); // IPv6 DAD of the interfaces just made may end in between
    const before = await snap();
    const r = await nk('reconcile', '--once', '--adopt');
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain(
      `error: ${dir}/networks.yaml:1:1: Network bridge: cannot adopt interface odd0 (veth to the host, odd1): type veth → bridge; left alone (--adopt=replace makes it anew, dropping its traffic) [adopt-mismatch]`,
    );
    expect(await snap()).toBe(before);

    const replaced = await nk('reconcile', '--once', '--adopt=replace');
    expect(replaced.exitCode, replaced.stderr).toBe(0);
    expect(await sh('ip -d -j link show odd0')).toContain('"info_kind":"bridge"');
    expect((await nk('plan')).exitCode).toBe(0);
    expect((await nk('destroy', '--yes')).exitCode).toBe(0);
  }, 60_000);

  it('plan --adopt shows adoptions and no delete or replace; reconcile --adopt keeps an open connection; a second plan is empty; destroy removes only what was adopted', async () => {
    await checks();
    // long-running connections opened before the adoption: container to container
    // across docker0, and from outside through the hand-written DNAT
    const direct = await inNs('c1', CLIENT, '172.17.0.3', '7000');
    const viaDnat = await inNs('ext', CLIENT, '10.99.0.1', '8080');
    await waitFor('both long connections echo', () => echoes(direct) > 2 && echoes(viaDnat) > 2);
    await writeFiles(dir, FILES);
    expect((await nk('validate')).exitCode).toBe(0);

    // without --adopt: refused as today
    const refused = await nk('plan');
    expect(refused.exitCode, refused.stderr).toBe(3);
    expect(refused.stderr).toContain('[unowned-in-the-way]');

    const planned = await nk('plan', '--adopt', '--json');
    expect(planned.exitCode, planned.stderr).toBe(2);
    const plan = JSON.parse(planned.stdout) as { changes: { action: string; key: string }[]; conflicts: unknown[] };
    expect(plan.conflicts).toEqual([]);
    expect(plan.changes.filter((c) => c.action === 'delete' || c.action === 'replace')).toEqual([]);
    const adopted = plan.changes.filter((c) => c.action === 'adopt').map((c) => c.key);
    for (const k of [
      'link:host/docker0',
      'link:host/bridge0',
      'link:host/veth1',
      'link:host/veth2',
      'link:host/vethweb',
      'netns:c1',
      'netns:c2',
      'netns:web',
      'netns:r1',
      'netns:r2',
      'link:c1/eth0',
      'link:web/eth0',
      'link:r1/p2p0',
      'link:r2/p2p0',
    ])
      expect(adopted).toContain(k);
    const text = await nk('plan', '--adopt');
    expect(text.stdout).toMatch(/<= Network bridge/);
    expect(text.stdout).toMatch(/<= Container web/);
    expect(text.stdout).toMatch(/<= Link r1-r2/);
    expect(text.stdout).not.toMatch(/-\/\+|^\s+- /m);

    console.log(text.stdout);

    const before = { direct: echoes(direct), viaDnat: echoes(viaDnat) };
    const applied = await nk('reconcile', '--once', '--adopt');
    expect(applied.exitCode, applied.stderr).toBe(0);
    // the connections opened before carry data after, without a reconnect
    await waitFor('both long connections echo after the adoption', () => echoes(direct) > before.direct + 10 && echoes(viaDnat) > before.viaDnat + 10);
    expect(direct.output()).not.toContain('error');
    expect(viaDnat.output()).not.toContain('error');
    expect(direct.output().match(/connected/g)).toHaveLength(1);
    await checks();

    const again = await nk('plan');
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes');

    // status marks what was adopted
    const status = await nk('status');
    console.log(status.stdout);
    for (const name of ['bridge', 'user', 'c1', 'c2', 'web', 'r1', 'r2', 'r1-r2']) expect(status.stdout).toContain(`${name} (adopted)`);

    // destroy removes what was adopted and nothing else: the user's ext namespace and
    // its veth stay, and so do the hand-written iptables rules (never removed unasked)
    const destroyed = await nk('destroy', '--yes');
    expect(destroyed.exitCode, destroyed.stderr).toBe(0);
    expect(await sh('ip netns list | cut -d" " -f1 | sort | tr "\\n" " "')).toBe('ext');
    expect(await sh('ip -br link | cut -d" " -f1 | cut -d@ -f1 | sort | tr "\\n" " "')).toBe('ext0 lo');
    expect(await sb.ping('ext', '10.99.0.1')).toBe(true);
    const rules = await sh('iptables-save -t nat');
    expect(rules).toContain('-A PREROUTING -p tcp -m addrtype --dst-type LOCAL -m tcp --dport 8080 -j DNAT --to-destination 192.168.50.10:80');
    expect(rules).toContain('-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE');
    expect(rules).not.toContain('NK-');
  }, 180_000);
});
