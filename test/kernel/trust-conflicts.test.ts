// Issue 8, "never stay stuck": a conflict blocks only what it touches, a file netkeeper
// wrote stays its own, an adopted namespace that died is a warning. Each in its own
// sandbox, through the real CLI against the real kernel, with real traffic.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, type Sandbox } from '../helpers/sandbox.js';
import { writeFiles } from '../helpers/workdir.js';

let sb: Sandbox;
let dir: string;

const files = (contents: Record<string, string>) => writeFiles(dir, contents);

const nk = (...args: string[]) => sb.netkeeper([...args, '--dir', dir, '--log-level', 'warn']);
const sh = async (script: string) => (await sb.sh(script)).stdout.trim();
const inNs = (ns: string, cmd: string) => sh(`ip netns exec ${ns} ${cmd}`);

// two nat networks: containers on different networks must not reach each other
const NETS = `kind: Network
name: front
interface: br-front
subnets: [{subnet: 172.18.0.0/24}]
---
kind: Network
name: back
interface: br-back
subnets: [{subnet: 172.19.0.0/24}]
`;
const ctr = (name: string, network: string, ip: string) => `---
kind: Container
name: ${name}
networks: [{network: ${network}, ip: ${ip}}]
dns: {servers: [10.0.0.2]}
`;
const WEB = ctr('web', 'front', '172.18.0.10');
const APP = ctr('app', 'front', '172.18.0.11');
const DB = ctr('db', 'back', '172.19.0.10');

/** Isolation holds: web and db answer the host, but not each other. */
async function expectIsolated(): Promise<void> {
  expect(await sb.ping(undefined, '172.18.0.10')).toBe(true);
  expect(await sb.ping(undefined, '172.19.0.10')).toBe(true);
  expect((await sb.tcpConnect('web', '172.19.0.10', 5432, { timeoutMs: 1000 })).ok).toBe(false);
  expect((await sb.tcpConnect('db', '172.18.0.10', 80, { timeoutMs: 1000 })).ok).toBe(false);
}

beforeEach(async () => {
  sb = await createSandbox();
  dir = await mkdtemp(join(tmpdir(), 'nk-trust-'));
});
afterEach(async () => {
  await sb?.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('a file netkeeper wrote is its own', () => {
  it("a container's resolv.conf rewritten inside it without the header is overwritten, and the same pass heals a deleted bridge and a flushed chain", async () => {
    await files({ 'a.yaml': NETS + WEB + DB });
    const first = await nk('reconcile', '--once');
    expect(first.exitCode, first.stderr).toBe(0);
    await sb.tcpServer('db', 5432, { label: 'db' });
    await sb.tcpServer('web', 80, { label: 'web' });
    await expectIsolated();
    // a reboot empties /run (the record of written files) but not /etc/netns: a pass
    // with nothing to do records the files it finds with its header
    await sh('rm /run/netkeeper/files.json');
    expect((await nk('reconcile', '--once')).exitCode).toBe(0);
    expect(await sh('grep -c /etc/netns/web/resolv.conf /run/netkeeper/files.json')).toBe('1');
    // what dhclient or resolvconf does inside the container: the file is bind-mounted
    // from /etc/netns/web/ and written in place, without netkeeper's header
    await inNs('web', `sh -c 'printf "nameserver 1.1.1.1\\n" > /etc/resolv.conf'`);
    expect(await sh('cat /etc/netns/web/resolv.conf')).toBe('nameserver 1.1.1.1');
    // and drift elsewhere: a bridge deleted, netkeeper's forward chain flushed and its isolation chain deleted
    await sb.sh('set -e; ip link del br-back; iptables -F NK-FORWARD; iptables -F NK-ISOLATION; iptables -X NK-ISOLATION', { check: true });
    expect((await sb.tcpConnect('web', '172.19.0.10', 5432, { timeoutMs: 1000 })).ok).toBe(false); // br-back is gone: db is cut off

    const r = await nk('reconcile', '--once', '--detail');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/~\s+file:\/etc\/netns\/web\/resolv\.conf\s+content differs/);
    expect(await inNs('web', 'cat /etc/resolv.conf')).toBe('# managed by netkeeper; edits are overwritten\nnameserver 10.0.0.2');
    expect(await sh('ip -br link show br-back')).toMatch(/^br-back\s+UP/);
    expect(await sh('iptables -S NK-ISOLATION | wc -l')).not.toBe('1');
    expect(await sh('iptables -S NK-FORWARD | wc -l')).not.toBe('1');
    await expectIsolated();
    expect((await nk('plan')).exitCode).toBe(0);
  });
});

describe('a conflict blocks only what it touches', () => {
  it("a user's interface with the name of one container's host veth holds back that container; the others and the firewall converge; the user's interface is untouched", async () => {
    await files({ 'a.yaml': NETS + WEB + APP + DB });
    // the name netkeeper would give app's host end, taken by the user's own interface
    const planned = JSON.parse((await nk('plan', '--json')).stdout) as {
      changes: { key: string; after?: { kind: string; ns: string; ifname: string; peer?: { ns: string } } }[];
    };
    const hostEnd = planned.changes.find((c) => c.after?.kind === 'link' && c.after.ns === 'host' && c.after.peer?.ns === 'app')!.after!.ifname;
    await sb.sh(`set -e; ip link add ${hostEnd} type bridge; ip link set ${hostEnd} up; ip addr add 10.77.0.1/24 dev ${hostEnd}`, { check: true });
    // name, type, state, MTU, MAC, master, alias (`ip link` prints it when set), addresses
    const userLink = () => sh(`ip -br addr show ${hostEnd}; ip link show ${hostEnd}; ip -j -d link show ${hostEnd} | grep -o '"info_kind":"[a-z]*"'`);
    const before = await userLink();

    const r = await nk('reconcile', '--once');
    expect(r.exitCode, hostEnd + r.stdout + r.stderr).toBe(3);
    expect(r.stderr).toContain(
      `error: interface ${hostEnd} (veth to namespace app, eth0): interface ${hostEnd} exists and is not netkeeper's; remove or rename it, or change the files [unowned-in-the-way]`,
    );
    expect(r.stderr).toMatch(/held back: .*link:app\/eth0/);
    expect(r.stderr).toMatch(/addr:app\/eth0\/172\.18\.0\.11\/24/);
    expect(r.stderr).toMatch(/in sync except what the conflict above holds back/);
    expect(r.stderr).not.toContain('nothing was applied');
    // the others converged, isolation included; app has its namespace but no interface
    await sb.tcpServer('db', 5432, { label: 'db' });
    await sb.tcpServer('web', 80, { label: 'web' });
    await expectIsolated();
    expect(await sb.ping('web', '172.18.0.1')).toBe(true);
    expect(await inNs('app', 'ip -br link')).toMatch(/^lo\s/);
    expect(await inNs('app', 'ip -br link | wc -l')).toBe('1');
    expect(await userLink()).toBe(before);

    // drift while the conflict stays: the forward chain flushed, the isolation chain deleted
    // (web reaches db now), web's address gone
    await sb.tcpServer('db', 5433, { label: 'db' });
    await sb.sh('set -e; iptables -F NK-FORWARD; iptables -F NK-ISOLATION; iptables -X NK-ISOLATION', { check: true });
    expect((await sb.tcpConnect('web', '172.19.0.10', 5433, { timeoutMs: 2000 })).ok).toBe(true);
    await sh('ip -n web addr flush dev eth0');
    const again = await nk('reconcile', '--once', '--detail');
    expect(again.exitCode).toBe(3);
    expect(again.stdout).toMatch(/\+\s+chain:host\/filter\/NK-ISOLATION/);
    expect(again.stdout).toMatch(/~\s+chain:host\/filter\/NK-FORWARD/);
    expect(again.stdout).toMatch(/addr:web\/eth0\/172\.18\.0\.10\/24/);
    await expectIsolated();
    expect((await sb.tcpConnect('web', '172.19.0.10', 5433, { timeoutMs: 1000 })).ok).toBe(false);
    expect(await userLink()).toBe(before);

    // plan shows the conflict and what it holds back, and nothing else to do
    const p = await nk('plan');
    expect(p.exitCode).toBe(3);
    expect(p.stderr).toContain(`interface ${hostEnd} exists and is not netkeeper's`);
    expect(p.stdout).toContain('No other changes');

    // the user removes their interface: app is made at the next pass
    await sh(`ip link del ${hostEnd}`);
    const ok = await nk('reconcile', '--once');
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(await sb.ping(undefined, '172.18.0.11')).toBe(true);
    expect((await nk('plan')).exitCode).toBe(0);
  });
});

describe('an adopted namespace that died', () => {
  it('is a warning, shown by status; the others converge and the pass exits 0', async () => {
    const holder = await sb.spawn('unshare', ['--net', 'sh', '-c', 'echo up; exec sleep 600'], { readyLine: 'up' });
    const pid = (await sh(`pgrep -P ${holder.pid} sleep || echo ${holder.pid}`)).split('\n')[0];
    await files({ 'a.yaml': NETS + WEB + `---\nkind: Container\nname: ext\nnetns: {pid: ${pid}}\nnetworks: [{network: front, ip: 172.18.0.50}]\n` });
    const first = await nk('reconcile', '--once');
    expect(first.exitCode, first.stderr).toBe(0);
    expect(await sb.ping(undefined, '172.18.0.50')).toBe(true);

    // the process exits (as Docker's manual recipe ends); meanwhile web drifts
    await sh(`kill -9 ${pid}; while [ -e /proc/${pid}/ns/net ]; do sleep 0.05; done`);
    // (no failed ping to prove it: that would leave the host's neighbour entry FAILED for a moment)
    await sh('ip -n web addr flush dev eth0');
    expect(await inNs('web', 'ip -br addr show dev eth0')).not.toContain('172.18.0.10');

    const r = await nk('reconcile', '--once', '--detail');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: Container ext: the adopted namespace /proc/${pid}/ns/net no longer exists`);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.stdout).toMatch(/addr:web\/eth0\/172\.18\.0\.10\/24/);
    expect(await sb.ping(undefined, '172.18.0.10')).toBe(true);

    const st = await nk('status');
    expect(st.exitCode).toBe(0);
    expect(st.stdout).toContain(`Container ext: the adopted namespace /proc/${pid}/ns/net no longer exists`);
    const js = JSON.parse((await nk('status', '--detail', '--json')).stdout);
    expect(js.gone).toEqual([{ container: 'ext', path: `/proc/${pid}/ns/net` }]);

    const p = await nk('plan');
    expect(p.exitCode, p.stdout + p.stderr).toBe(0);
    expect(p.stderr).toContain('no longer exists');
    await holder.kill();
  });
});
