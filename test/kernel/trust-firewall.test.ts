// Issue 8 items 4 and 11, issue 9 item 9, with real traffic in a sandbox:
// - icc: false on a dual-stack network keeps neighbour discovery, so a declared
//   link works over IPv6; a network without IPv6 still gets ip6tables guards, so
//   members that give themselves IPv6 addresses cannot go around icc: false,
//   internal or isolation (ip6tables FORWARD policy ACCEPT, as on most hosts);
// - attributes netkeeper set are set back: hairpin on a bridge port a published
//   port left, route_localnet on a bridge no 127.0.0.1-reachable port leads into;
// - a user's NK-* chain under NK-USER, and a user's rule that carries the comment
//   `netkeeper`, survive reconcile and destroy; the chain is reported as a warning.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Machine, type Sandbox } from '../helpers/sandbox.js';

const HOST = '10.99.0.1';
const OUT = '10.99.0.2';

const NETWORKS = `
kind: Network
name: front
interface: br-front
subnets: [{subnet: 172.30.0.0/24}]
---
kind: Network
name: sec6
interface: br-sec6
icc: false
subnets: [{subnet: 172.31.0.0/24}, {subnet: "fd00:31::/64"}]
---
kind: Network
name: sec4
interface: br-sec4
icc: false
subnets: [{subnet: 172.32.0.0/24}]
---
kind: Network
name: int4
interface: br-int4
internal: true
subnets: [{subnet: 172.33.0.0/24}]
---
kind: Network
name: b6
interface: br-b6
gatewayMode: routed
subnets: [{subnet: 172.34.0.0/24}, {subnet: "fd00:34::/64"}]
`;

/** Where the published port 8080 goes: web, api, or api on the host's outside address only. */
type PortAt = 'web' | 'api' | 'api-host-ip';

const CONTAINERS = (at: PortAt) => `
kind: Container
name: web
networks: [{network: front, ip: 172.30.0.10}]
${at === 'web' ? 'ports: ["8080:80"]' : ''}
---
kind: Container
name: api
networks: [{network: front, ip: 172.30.0.11}]
${at === 'api' ? 'ports: ["8080:80"]' : at === 'api-host-ip' ? `ports: ["${HOST}:8080:80"]` : ''}
---
kind: Container
name: d1
networks: [{network: sec6, ip: 172.31.0.10, ip6: "fd00:31::10"}]
links: [{container: d2, alias: d2}]
---
kind: Container
name: d2
networks: [{network: sec6, ip: 172.31.0.11, ip6: "fd00:31::11"}]
---
kind: Container
name: d3
networks: [{network: sec6, ip: 172.31.0.12, ip6: "fd00:31::12"}]
---
kind: Container
name: s1
networks: [{network: sec4, ip: 172.32.0.10}]
---
kind: Container
name: s2
networks: [{network: sec4, ip: 172.32.0.11}]
---
kind: Container
name: i1
networks: [{network: int4, ip: 172.33.0.10}]
---
kind: Container
name: t
networks: [{network: b6, ip: 172.34.0.10, ip6: "fd00:34::10"}]
`;

let sb: Sandbox;
let outside: Machine;
let dir: string;

function writeConfig(at: PortAt): void {
  writeFileSync(join(dir, 'networks.yaml'), NETWORKS);
  writeFileSync(join(dir, 'containers.yaml'), CONTAINERS(at));
}

async function reconcile(): Promise<{ stdout: string; stderr: string }> {
  const r = await sb.netkeeper(['reconcile', '--once', '--dir', dir]);
  expect(r.exitCode, r.stderr + r.stdout).toBe(0);
  return r;
}

const plan = (...extra: string[]) => sb.netkeeper(['plan', '--dir', dir, ...extra]);

/** The host end of a container's veth (its alias names the namespace end). */
async function bridgePort(ns: string): Promise<string> {
  const r = await sb.exec('ip', ['-j', 'link', 'show', 'master', 'br-front']);
  const links = JSON.parse(r.stdout) as { ifname: string; ifalias?: string }[];
  const l = links.find((x) => x.ifalias === `nk:veth:${ns}/eth0`);
  if (!l) throw new Error(`no bridge port of ${ns}: ${r.stdout}`);
  return l.ifname;
}

const hairpin = async (ns: string) => /hairpin on/.test((await sb.exec('bridge', ['-d', 'link', 'show', 'dev', await bridgePort(ns)])).stdout);

/** Packets from `src` that reached namespace t (counted by a rule in t's own ip6tables). */
async function arrivedAtT(src: string): Promise<number> {
  const r = await sb.exec('ip', ['netns', 'exec', 't', 'ip6tables', '-L', 'INPUT', '-v', '-x', '-n']);
  const line = r.stdout.split('\n').find((l) => l.includes(src));
  return line ? Number(line.trim().split(/\s+/)[0]) : -1;
}

/**
 * A member of an IPv6-less network gives itself an IPv6 address and sends to
 * t's IPv6 address through the host (the bridge's MAC as next hop): the host
 * forwards IPv6 (b6 needs it). Returns how many packets reached t.
 */
async function sneakToT(ns: string, bridge: string, src: string): Promise<number> {
  const mac = (await sb.exec('cat', [`/sys/class/net/${bridge}/address`])).stdout.trim();
  await sb.sh(
    `set -e
    ip -n ${ns} -6 addr add ${src}/64 dev eth0 nodad
    ip -n ${ns} -6 route add fd00:34::/64 dev eth0
    ip -n ${ns} -6 neigh replace fd00:34::10 lladdr ${mac} dev eth0 nud permanent
    ip netns exec t ip6tables -I INPUT -s ${src} -j ACCEPT`,
    { check: true },
  );
  await sb.tcpConnect(ns, 'fd00:34::10', 80, { timeoutMs: 1000 });
  return arrivedAtT(src);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nk-trustfw-'));
  writeConfig('web');
  sb = await createSandbox();
  outside = await sb.addHost('outside');
  await sb.connect(sb, outside, { aIf: 'ext0', bIf: 'eth0', aIp: `${HOST}/24`, bIp: `${OUT}/24` });
  await outside.exec('ip', ['route', 'add', 'default', 'via', HOST], { check: true });
  await sb.exec('iptables', ['-P', 'FORWARD', 'DROP'], { check: true }); // ip6tables keeps ACCEPT
  await reconcile();
  await sb.tcpServer(undefined, 7777, { label: 'host' });
  for (const ns of ['web', 'api', 'd1', 'd2', 's2', 't']) await sb.tcpServer(ns, 80, { label: ns });
}, 180_000);

afterAll(async () => {
  await sb?.destroy();
});

describe('icc: false and IPv6 (issue 9 item 9)', () => {
  it('the next plan is empty', async () => {
    const p = await plan();
    expect(p.exitCode, p.stdout + p.stderr).toBe(0);
  });

  it('a declared link works over IPv6 on an icc: false network (neighbour discovery passes); the rest stays blocked', async () => {
    expect(await sb.tcpConnect('d1', 'fd00:31::11', 80, { timeoutMs: 5000 })).toMatchObject({ ok: true, server: 'd2', peer: 'fd00:31::10' });
    expect(await sb.tcpConnect('d1', '172.31.0.11', 80)).toMatchObject({ ok: true, server: 'd2' });
    // blocked connections wait out their timeout: the two run together
    const [d3, d2] = await Promise.all([sb.tcpConnect('d3', 'fd00:31::11', 80), sb.tcpConnect('d2', 'fd00:31::10', 80)]);
    expect(d3.ok).toBe(false);
    expect(d2.ok).toBe(false);
  });

  it('members of an IPv4-only icc: false network that give themselves IPv6 addresses still cannot talk', async () => {
    await sb.sh('ip -n s1 -6 addr add fd00:32::1/64 dev eth0 nodad && ip -n s2 -6 addr add fd00:32::2/64 dev eth0 nodad', { check: true });
    const [v6, v4] = await Promise.all([sb.tcpConnect('s1', 'fd00:32::2', 80), sb.tcpConnect('s1', '172.32.0.11', 80)]);
    expect(v6.ok).toBe(false);
    expect(v4.ok).toBe(false);
  });

  it('an IPv4-only network’s member cannot reach another network over self-made IPv6: isolation and internal hold', async () => {
    expect(await sneakToT('web', 'br-front', 'fd00:30::5')).toBe(0);
    expect(await sneakToT('i1', 'br-int4', 'fd00:33::5')).toBe(0);
    // the same path from inside b6 does arrive: the counter works
    expect(await sb.tcpConnect('t', 'fd00:34::10', 80)).toMatchObject({ ok: true, server: 't' });
  });

  it('the self-made addresses are netkeeper’s to remove (its namespaces): one reconcile, then nothing to do', async () => {
    await reconcile();
    const p = await plan();
    expect(p.exitCode, p.stdout + p.stderr).toBe(0);
  });
});

describe('what netkeeper sets, it compares (issue 8 item 11)', () => {
  it('a published port that moves to another container takes hairpin mode with it', async () => {
    expect(await hairpin('web')).toBe(true);
    expect(await hairpin('api')).toBe(false);
    writeConfig('api');
    const p = await plan('--detail');
    expect(p.exitCode).toBe(2);
    expect(p.stdout).toMatch(new RegExp(`~ +link:host/${await bridgePort('web')} +hairpin on → off`));
    await reconcile();
    expect(await hairpin('web')).toBe(false);
    expect(await hairpin('api')).toBe(true);
    expect(await outside.tcpConnect(undefined, HOST, 8080)).toMatchObject({ ok: true, server: 'api' });
    expect(await sb.tcpConnect('api', '172.30.0.1', 8080)).toMatchObject({ ok: true, server: 'api' }); // hairpin
    expect((await plan()).exitCode).toBe(0);
  });

  it('route_localnet goes back off when no port reachable at 127.0.0.1 leads into the bridge: the host’s loopback stays out of reach', async () => {
    expect((await sb.exec('cat', ['/proc/sys/net/ipv4/conf/br-front/route_localnet'])).stdout.trim()).toBe('1');
    writeConfig('api-host-ip');
    await reconcile();
    // web sends to 127.0.0.2 through its gateway (its own loopback route removed), as in CVE-2020-8558
    await sb.sh(
      `ip netns exec web sh -c 'ip route del local 127.0.0.0/8 dev lo table local; ip route add 127.0.0.0/8 via 172.30.0.1 dev eth0; sysctl -qw net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.eth0.route_localnet=1'`,
      { check: true },
    );
    try {
      expect((await sb.tcpConnect('web', '127.0.0.2', 7777)).ok).toBe(false);
    } finally {
      await sb.sh(`ip netns exec web sh -c 'ip route del 127.0.0.0/8; ip route add local 127.0.0.0/8 dev lo table local'`);
    }
    expect((await sb.exec('iptables-save', ['-t', 'raw'])).stdout).not.toContain('NK-RAW'); // the guard is gone…
    expect((await sb.exec('cat', ['/proc/sys/net/ipv4/conf/br-front/route_localnet'])).stdout.trim()).toBe('0'); // …and so is what it guarded
    expect(await outside.tcpConnect(undefined, HOST, 8080)).toMatchObject({ ok: true, server: 'api' });
    expect((await plan()).exitCode).toBe(0);
  });
});

describe('exact ownership in iptables (issue 8 item 4)', () => {
  it('a user’s NK-* chain under NK-USER is neither flushed nor deleted, and is reported as a warning', async () => {
    await sb.sh(
      `set -e
      iptables -N NK-MYDROP
      iptables -A NK-MYDROP -s ${OUT}/32 -d 172.30.0.11/32 -p tcp --dport 80 -j DROP
      iptables -A NK-USER -j NK-MYDROP
      iptables -A FORWARD -s 192.0.2.7/32 -m comment --comment netkeeper -j DROP`,
      { check: true },
    );
    expect((await outside.tcpConnect(undefined, HOST, 8080)).ok).toBe(false);
    const p = await plan();
    expect(p.exitCode, p.stdout).toBe(0);
    expect(p.stderr).toMatch(/^warning: iptables chain filter\/NK-MYDROP: .*not one netkeeper makes.* \[foreign-chain\]$/m);
    for (let i = 0; i < 2; i++) {
      const r = await reconcile();
      expect(r.stdout).toContain('In sync');
      expect(r.stderr).toContain('NK-MYDROP');
    }
    const save = (await sb.exec('iptables-save', ['-t', 'filter'])).stdout;
    expect(save).toContain(`-A NK-MYDROP -s ${OUT}/32 -d 172.30.0.11/32 -p tcp -m tcp --dport 80 -j DROP`);
    expect(save).toContain('-A NK-USER -j NK-MYDROP');
    expect(save).toContain('-A FORWARD -s 192.0.2.7/32 -m comment --comment netkeeper -j DROP');
    expect((await outside.tcpConnect(undefined, HOST, 8080)).ok).toBe(false);
  });

  it('netkeeper’s own drift is still healed around the user’s chain', async () => {
    await sb.exec('iptables', ['-F', 'NK-FORWARD'], { check: true });
    expect((await plan()).exitCode).toBe(2);
    await reconcile();
    expect((await plan()).exitCode).toBe(0);
    expect((await sb.exec('iptables', ['-S', 'NK-MYDROP'])).stdout).toContain('-j DROP');
  });

  it('destroy removes netkeeper’s chains and jumps, and leaves the user’s chain and rule', async () => {
    const r = await sb.netkeeper(['destroy', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    const save = (await sb.exec('iptables-save', ['-t', 'filter'])).stdout;
    expect(save).toContain(`-A NK-MYDROP -s ${OUT}/32 -d 172.30.0.11/32 -p tcp -m tcp --dport 80 -j DROP`);
    expect(save).toContain('-A FORWARD -s 192.0.2.7/32 -m comment --comment netkeeper -j DROP');
    expect(save).not.toMatch(/NK-FORWARD|NK-USER|NK-ISOLATION/);
    expect((await sb.exec('ip6tables-save')).stdout).not.toMatch(/NK-|netkeeper/);
  });
});
