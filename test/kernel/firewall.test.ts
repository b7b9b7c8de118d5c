// Issue 3 with real traffic: netkeeper reconciles a networks.d in a sandbox whose
// FORWARD policy is DROP (like a Docker host) and where br_netfilter is on; an
// "outside" machine joined by a veth plays another machine. Every point is
// checked with connections that must succeed and connections that must fail.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Machine, type Sandbox } from '../helpers/sandbox.js';

const NETWORKS = `
kind: Network
name: front
interface: br-front
subnets: [{subnet: 172.18.0.0/24}]
---
kind: Network
name: back
interface: br-back
gatewayMode: routed
subnets: [{subnet: 172.19.0.0/24}]
---
kind: Network
name: int
interface: br-int
internal: true
subnets: [{subnet: 172.20.0.0/24}]
---
kind: Network
name: sec
interface: br-sec
icc: false
subnets: [{subnet: 172.21.0.0/24}]
---
kind: Network
name: sw
interface: br-sw
gatewayMode: isolated
subnets: [{subnet: 172.22.0.0/24}]
`;

const CONTAINERS = (udpTarget: 'web' | 'c2') => `
kind: Container
name: web
networks: [{network: front, ip: 172.18.0.10}]
ports:
  - "8080:80"
  - "127.0.0.1:8181:80"
  - "127.0.0.1:5353:53/udp"
  - "9000-9001:9000-9001"
  - "7000-7001:80-81"
  - {hostPort: 8443, containerPort: 80, protocol: tcp, network: front}
${udpTarget === 'web' ? '  - "5300:53/udp"' : ''}
---
kind: Container
name: c2
networks: [{network: front, ip: 172.18.0.11}]
${udpTarget === 'c2' ? 'ports: ["5300:53/udp"]' : ''}
---
kind: Container
name: db
networks: [{network: back, ip: 172.19.0.10}]
ports: ["8090:80"]
---
kind: Container
name: i1
networks: [{network: int, ip: 172.20.0.10}]
---
kind: Container
name: i2
networks: [{network: int, ip: 172.20.0.11}]
---
kind: Container
name: d1
networks: [{network: sec, ip: 172.21.0.10}]
links: [{container: d2, alias: database, ports: ["5432/tcp"]}]
ports: ["8082:80"]
---
kind: Container
name: d2
networks: [{network: sec, ip: 172.21.0.11}]
---
kind: Container
name: d3
networks: [{network: sec, ip: 172.21.0.12}]
---
kind: Container
name: e1
networks: [{network: sw, ip: 172.22.0.10}]
---
kind: Container
name: e2
networks: [{network: sw, ip: 172.22.0.11}]
---
kind: Container
name: r1
networks: [{network: front, ip: 172.18.0.20}]
forwarding: true
masquerade: [eth0]
---
kind: Container
name: lan1
mode: none
routes: [{to: default, via: 192.168.50.1}]
---
kind: Link
name: home
endpoints:
  - {container: r1, ifname: eth1, ip: 192.168.50.1/24}
  - {container: lan1, ifname: eth0, ip: 192.168.50.2/24}
`;

const HOST = '10.99.0.1';
const OUT = '10.99.0.2';

let sb: Sandbox;
let outside: Machine;
let dir: string;

function writeConfig(udpTarget: 'web' | 'c2'): void {
  writeFileSync(join(dir, 'networks.yaml'), NETWORKS);
  writeFileSync(join(dir, 'containers.yaml'), CONTAINERS(udpTarget));
}

async function reconcile(): Promise<void> {
  const r = await sb.netkeeper(['reconcile', '--once', '--dir', dir]);
  expect(r.exitCode, r.stderr + r.stdout).toBe(0);
}

async function plan(...extra: string[]): Promise<{ exitCode: number; stdout: string }> {
  const r = await sb.netkeeper(['plan', '--dir', dir, ...extra]);
  return { exitCode: r.exitCode, stdout: r.stdout };
}

const tcp = (m: Machine, ns: string | undefined, ip: string, port: number) => m.tcpConnect(ns, ip, port);
const udp = (m: Machine, ns: string | undefined, ip: string, port: number) => m.udpConnect(ns, ip, port);
// A connection that must fail waits out the client's whole timeout (1.5 s) when its
// packets are dropped. Probes that read the same state are started together (each is
// still its own client with its own timeout, asserted where it was before), so a test
// waits for one timeout instead of one per blocked connection.

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nk-fw-'));
  writeConfig('web');
  sb = await createSandbox();
  outside = await sb.addHost('outside');
  await sb.connect(sb, outside, { aIf: 'ext0', bIf: 'eth0', aIp: `${HOST}/24`, bIp: `${OUT}/24` });
  await outside.exec('ip', ['route', 'add', 'default', 'via', HOST], { check: true });
  // a host like a Docker host: FORWARD policy DROP, another tool's chains, the user's own rules
  await sb.sh(
    `set -e
    iptables -P FORWARD DROP
    iptables -N DOCKER-USER
    iptables -A FORWARD -j DOCKER-USER
    iptables -A FORWARD -s 10.200.0.0/16 -m comment --comment "user rule" -j ACCEPT
    iptables -t nat -N DOCKER
    iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
    iptables -t nat -A POSTROUTING -s 10.201.0.0/16 -j RETURN`,
    { check: true },
  );
  await reconcile();
  // servers, labelled by who answers
  const servers: [Machine, string | undefined, 'tcp' | 'udp', number][] = [
    [sb, undefined, 'tcp', 7777],
    [outside, undefined, 'tcp', 80],
    [outside, undefined, 'udp', 53],
    [sb, 'web', 'tcp', 80],
    [sb, 'web', 'tcp', 81],
    [sb, 'web', 'tcp', 9001],
    [sb, 'web', 'udp', 53],
    [sb, 'c2', 'tcp', 80],
    [sb, 'c2', 'udp', 53],
    [sb, 'db', 'tcp', 80],
    [sb, 'i2', 'tcp', 80],
    [sb, 'i2', 'udp', 53],
    [sb, 'i1', 'tcp', 80],
    [sb, 'd1', 'tcp', 80],
    [sb, 'd2', 'tcp', 80],
    [sb, 'd2', 'tcp', 5432],
    [sb, 'd2', 'udp', 53],
    [sb, 'e2', 'tcp', 80],
    [sb, 'e2', 'udp', 53],
  ];
  for (const [m, ns, proto, port] of servers) {
    const label = ns ?? (m === outside ? 'outside' : 'host');
    if (proto === 'tcp') await m.tcpServer(ns, port, { label });
    else await m.udpServer(ns, port, { label });
  }
}, 180_000);

afterAll(async () => {
  await sb?.destroy();
});

describe('firewall after one reconcile', () => {
  it('a second plan is empty', async () => {
    const p = await plan();
    expect(p.exitCode, p.stdout).toBe(0);
  });

  it('published ports answer other machines (TCP, UDP, ranges, long form), with the client address kept', async () => {
    const notPublished = tcp(outside, undefined, HOST, 9002);
    expect(await tcp(outside, undefined, HOST, 8080)).toMatchObject({ ok: true, server: 'web', peer: OUT });
    expect(await udp(outside, undefined, HOST, 5300)).toMatchObject({ ok: true, server: 'web', peer: OUT });
    expect(await tcp(outside, undefined, HOST, 9001)).toMatchObject({ ok: true, server: 'web' });
    expect(await tcp(outside, undefined, HOST, 7001)).toMatchObject({ ok: true, server: 'web' }); // → 81
    expect(await tcp(outside, undefined, HOST, 8443)).toMatchObject({ ok: true, server: 'web' });
    expect(await tcp(outside, undefined, HOST, 8090)).toMatchObject({ ok: true, server: 'db', peer: OUT });
    expect((await notPublished).ok).toBe(false); // not published
  });

  it('nat network: from outside only published ports reach a container', async () => {
    const [t, u] = await Promise.all([tcp(outside, undefined, '172.18.0.10', 80), udp(outside, undefined, '172.18.0.10', 53)]);
    expect(t.ok).toBe(false);
    expect(u.ok).toBe(false);
  });

  it('ports published on 127.0.0.1 answer the host only; 0.0.0.0 ports answer the host at 127.0.0.1 too', async () => {
    const blocked = [tcp(outside, undefined, HOST, 8181), udp(outside, undefined, HOST, 5353), tcp(sb, 'c2', '172.18.0.1', 8181)];
    expect(await tcp(sb, undefined, '127.0.0.1', 8181)).toMatchObject({ ok: true, server: 'web' });
    expect(await udp(sb, undefined, '127.0.0.1', 5353)).toMatchObject({ ok: true, server: 'web' });
    expect(await tcp(sb, undefined, '127.0.0.1', 8080)).toMatchObject({ ok: true, server: 'web' });
    expect(await tcp(sb, undefined, HOST, 8080)).toMatchObject({ ok: true, server: 'web' });
    expect((await blocked[0]).ok).toBe(false);
    expect((await blocked[1]).ok).toBe(false);
    expect((await blocked[2]).ok).toBe(false); // nor from a container
  });

  it('route_localnet is on for the bridge, and guarded: a container cannot reach the host’s loopback services', async () => {
    const v = await sb.exec('cat', ['/proc/sys/net/ipv4/conf/br-front/route_localnet']);
    expect(v.stdout.trim()).toBe('1');
    // c2 sends to 127.0.0.2 through its gateway (its own loopback route removed)
    await sb.sh(
      `ip netns exec c2 sh -c 'ip route del local 127.0.0.0/8 dev lo table local; ip route add 127.0.0.0/8 via 172.18.0.1 dev eth0; sysctl -qw net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.eth0.route_localnet=1'`,
      { check: true },
    );
    try {
      expect((await tcp(sb, 'c2', '127.0.0.2', 7777)).ok).toBe(false);
      // the guard is what stops it: without NK-RAW the host answers (CVE-2020-8558)
      await sb.exec('iptables', ['-t', 'raw', '-F', 'NK-RAW'], { check: true });
      expect(await tcp(sb, 'c2', '127.0.0.2', 7777)).toMatchObject({ ok: true, server: 'host' });
      await reconcile();
      expect((await tcp(sb, 'c2', '127.0.0.2', 7777)).ok).toBe(false);
    } finally {
      await sb.sh(`ip netns exec c2 sh -c 'ip route del 127.0.0.0/8; ip route add local 127.0.0.0/8 dev lo table local'`);
    }
  });

  it('hairpin: a container reaches published ports through the host, its own included', async () => {
    expect(await tcp(sb, 'c2', '172.18.0.1', 8080)).toMatchObject({ ok: true, server: 'web', peer: '172.18.0.1' });
    expect(await udp(sb, 'c2', HOST, 5300)).toMatchObject({ ok: true, server: 'web' });
    expect(await tcp(sb, 'db', HOST, 8080)).toMatchObject({ ok: true, server: 'web' }); // another network, by its published port
    // with br_netfilter on, a frame DNAT'ed back to the port it came from needs hairpin mode
    // on that bridge port (what Docker does without its userland proxy)
    const port = (
      await sb.sh(
        `ip -j link show master br-front | node -e 'const l=JSON.parse(require("fs").readFileSync(0));const w=l.find(x=>x.ifalias&&x.ifalias.includes("web"));console.log(w?w.ifname:"")'`,
      )
    ).stdout.trim();
    const hp = await sb.exec('bridge', ['-d', 'link', 'show', 'dev', port]);
    expect(hp.stdout).toMatch(/hairpin on/); // netkeeper sets it on ports a published port targets
    expect(await tcp(sb, 'web', HOST, 8080)).toMatchObject({ ok: true, server: 'web' });
    expect(await udp(sb, 'web', '172.18.0.1', 5300)).toMatchObject({ ok: true, server: 'web' });
  });

  it('nat: outbound is masqueraded; routed: not masqueraded, and reachable at its own address', async () => {
    expect(await tcp(sb, 'c2', OUT, 80)).toMatchObject({ ok: true, server: 'outside', peer: HOST });
    expect(await udp(sb, 'c2', OUT, 53)).toMatchObject({ ok: true, server: 'outside', peer: HOST });
    expect(await tcp(sb, 'db', OUT, 80)).toMatchObject({ ok: true, server: 'outside', peer: '172.19.0.10' });
    expect(await tcp(outside, undefined, '172.19.0.10', 80)).toMatchObject({ ok: true, server: 'db', peer: OUT });
  });

  it('networks cannot reach each other', async () => {
    const r = await Promise.all([
      tcp(sb, 'c2', '172.19.0.10', 80),
      tcp(sb, 'db', '172.18.0.11', 80),
      udp(sb, 'db', '172.18.0.11', 53),
      tcp(sb, 'd3', '172.18.0.11', 80),
      tcp(sb, 'c2', '172.21.0.11', 80),
    ]);
    expect(r[0].ok).toBe(false);
    expect(r[1].ok).toBe(false);
    expect(r[2].ok).toBe(false);
    expect(r[3].ok).toBe(false);
    expect(r[4].ok).toBe(false);
  });

  it('internal: members reach each other and the host, nothing beyond, and nothing reaches them', async () => {
    const blocked = [tcp(sb, 'i1', OUT, 80), tcp(outside, undefined, '172.20.0.10', 80), tcp(sb, 'c2', '172.20.0.10', 80)];
    expect(await tcp(sb, 'i1', '172.20.0.11', 80)).toMatchObject({ ok: true, server: 'i2' });
    expect(await udp(sb, 'i1', '172.20.0.11', 53)).toMatchObject({ ok: true, server: 'i2' });
    expect(await tcp(sb, 'i1', '172.20.0.1', 7777)).toMatchObject({ ok: true, server: 'host' });
    expect((await blocked[0]).ok).toBe(false);
    expect((await blocked[1]).ok).toBe(false);
    expect((await blocked[2]).ok).toBe(false);
  });

  it('icc: false blocks container-to-container traffic except the linked port, one way', async () => {
    const blocked = [tcp(sb, 'd1', '172.21.0.11', 80), udp(sb, 'd1', '172.21.0.11', 53), tcp(sb, 'd3', '172.21.0.11', 5432), tcp(sb, 'd2', '172.21.0.10', 80)];
    expect(await tcp(sb, 'd1', '172.21.0.11', 5432)).toMatchObject({ ok: true, server: 'd2' });
    expect((await blocked[0]).ok).toBe(false);
    expect((await blocked[1]).ok).toBe(false);
    expect((await blocked[2]).ok).toBe(false);
    expect((await blocked[3]).ok).toBe(false);
    // but the network's containers still reach out and are reached by published ports
    expect(await tcp(sb, 'd1', OUT, 80)).toMatchObject({ ok: true, server: 'outside' });
    expect(await tcp(outside, undefined, HOST, 8082)).toMatchObject({ ok: true, server: 'd1' });
    expect((await sb.exec('cat', ['/proc/sys/net/bridge/bridge-nf-call-iptables'])).stdout.trim()).toBe('1');
    const hosts = await sb.exec('cat', ['/etc/netns/d1/hosts']);
    expect(hosts.stdout).toMatch(/^172\.21\.0\.11\s.*\bdatabase\b/m);
  });

  it('isolated: frames cross the switch although br_netfilter is on and FORWARD drops', async () => {
    expect(await tcp(sb, 'e1', '172.22.0.11', 80)).toMatchObject({ ok: true, server: 'e2', peer: '172.22.0.10' });
    expect(await udp(sb, 'e1', '172.22.0.11', 53)).toMatchObject({ ok: true, server: 'e2' });
    expect((await sb.exec('ip', ['-4', 'addr', 'show', 'dev', 'br-sw'])).stdout).not.toContain('inet ');
  });

  it('router container: masquerade: [eth0] NATs the LAN behind it', async () => {
    expect(await tcp(sb, 'lan1', '172.18.0.11', 80)).toMatchObject({ ok: true, server: 'c2', peer: '172.18.0.20' });
    expect(await tcp(sb, 'lan1', OUT, 80)).toMatchObject({ ok: true, server: 'outside', peer: HOST });
    const save = await sb.exec('ip', ['netns', 'exec', 'r1', 'iptables-save', '-t', 'nat']);
    expect(save.stdout).toContain('-A NK-POSTROUTING -o eth0 -j MASQUERADE');
  });
});

describe('firewall: ownership and drift', () => {
  it('the user’s rules and another tool’s chains survive reconcile', async () => {
    const f = await sb.exec('iptables-save');
    expect(f.stdout).toContain('-A FORWARD -s 10.200.0.0/16 -m comment --comment "user rule" -j ACCEPT');
    expect(f.stdout).toContain('-A POSTROUTING -s 10.201.0.0/16 -j RETURN');
    expect(f.stdout).toContain('-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER');
    expect(f.stdout).toContain(':FORWARD DROP');
    // netkeeper's jump comes first in FORWARD, NK-USER first in its chain
    expect(f.stdout).toMatch(/\n-A FORWARD -m comment --comment netkeeper -j NK-FORWARD\n-A FORWARD -j DOCKER-USER\n/);
    expect(f.stdout).toMatch(/\n-A NK-FORWARD -j NK-USER\n/);
  });

  it('a rule added to NK-USER takes effect and survives reconcile', async () => {
    await sb.exec('iptables', ['-I', 'NK-USER', '-s', OUT, '-p', 'tcp', '--dport', '80', '-j', 'DROP'], { check: true });
    expect((await tcp(outside, undefined, HOST, 8080)).ok).toBe(false);
    expect((await plan()).exitCode).toBe(0);
    await reconcile();
    expect((await tcp(outside, undefined, HOST, 8080)).ok).toBe(false);
    expect((await sb.exec('iptables', ['-S', 'NK-USER'])).stdout).toContain(`-A NK-USER -s ${OUT}/32 -p tcp -m tcp --dport 80 -j DROP`);
    await sb.exec('iptables', ['-F', 'NK-USER'], { check: true });
    expect(await tcp(outside, undefined, HOST, 8080)).toMatchObject({ ok: true, server: 'web' });
  });

  it('a flushed NK-* chain and a removed jump are planned as drift and restored', async () => {
    await sb.exec('iptables', ['-F', 'NK-FORWARD'], { check: true });
    await sb.exec('iptables', ['-t', 'nat', '-D', 'POSTROUTING', '-m', 'comment', '--comment', 'netkeeper', '-j', 'NK-POSTROUTING'], { check: true });
    // with FORWARD policy DROP nothing is forwarded now
    const [dropped, p] = await Promise.all([tcp(outside, undefined, HOST, 8080), plan('--detail')]);
    expect(dropped.ok).toBe(false);
    expect(p.exitCode).toBe(2);
    expect(p.stdout).toContain('chain:host/filter/NK-FORWARD');
    expect(p.stdout).toContain('hook:host/nat/POSTROUTING/NK-POSTROUTING');
    expect(p.stdout).not.toContain('NK-PORTS');
    await reconcile();
    expect(await tcp(outside, undefined, HOST, 8080)).toMatchObject({ ok: true, server: 'web' });
    expect(await tcp(sb, 'c2', OUT, 80)).toMatchObject({ ok: true, peer: HOST });
    expect((await plan()).exitCode).toBe(0);
  });

  it('a pass that changes no rule reads iptables once: its check afterwards reuses that read', async () => {
    const saves = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('{') && /"msg":"exec"/.test(l) && /tables-save/.test(l)).length;
    const p = await sb.netkeeper(['plan', '--dir', dir, '--log-level', 'trace']);
    expect(p.exitCode).toBe(0);
    const once = saves(p.stderr);
    expect(once).toBeGreaterThanOrEqual(2); // the host in both families, and the router container
    await sb.sh('ip -n c2 addr flush dev eth0');
    const r = await sb.netkeeper(['reconcile', '--once', '--dir', dir, '--log-level', 'trace']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(saves(r.stderr)).toBe(once);
    expect(await tcp(sb, 'web', '172.18.0.11', 80)).toMatchObject({ ok: true, server: 'c2' });
    expect((await plan()).exitCode).toBe(0);
  });

  it('moving a port rewrites only its bridge’s DNAT chain', async () => {
    writeConfig('c2');
    const p = await plan('--detail');
    expect(p.exitCode).toBe(2);
    // kernel rows (under each object's header line)
    // (the DNAT chain is listed under both containers, the port's old and new target: once with its rules, once "(listed above)")
    const keys = [
      ...new Set(
        p.stdout
          .split('\n')
          .filter((l) => /^ {3}[~+±-] /.test(l))
          .map((l) => l.trim().split(/\s+/)[1]),
      ),
    ];
    // the one DNAT chain, and hairpin moving from the old target's bridge port to the new one's
    expect(keys.filter((k) => !k.startsWith('link:host/nk'))).toEqual(['chain:host/nat/NK-PORTS-br-front']);
    const hairpin = p.stdout.split('\n').filter((l) => /link:host\/nk/.test(l));
    expect(hairpin.length).toBeGreaterThanOrEqual(1);
    expect(hairpin.every((l) => /~ +link:host\/nk\S+ +hairpin (on → off|off → on)$/.test(l.trim()))).toBe(true);
    await reconcile();
    expect(await udp(outside, undefined, HOST, 5300)).toMatchObject({ ok: true, server: 'c2' });
    expect((await plan()).exitCode).toBe(0);
    writeConfig('web');
    await reconcile();
  });

  it('destroy removes every NK chain and jump and leaves the user’s rules and policy alone', async () => {
    const r = await sb.netkeeper(['destroy', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    for (const [cmd, ns] of [
      ['iptables-save', undefined],
      ['ip6tables-save', undefined],
    ] as const) {
      const s = await sb.exec(cmd);
      expect(s.stdout, `${cmd} ${ns ?? ''}`).not.toMatch(/NK-|netkeeper/);
    }
    const f = await sb.exec('iptables-save');
    expect(f.stdout).toContain('-A FORWARD -s 10.200.0.0/16 -m comment --comment "user rule" -j ACCEPT');
    expect(f.stdout).toContain('-A POSTROUTING -s 10.201.0.0/16 -j RETURN');
    expect(f.stdout).toContain(':DOCKER-USER');
    expect(f.stdout).toContain(':FORWARD DROP');
  });
});
