// `netkeeper explain` against real traffic (issue 12 item 1): one sandbox with a
// nat, a routed, an icc:false (with links), an internal and an isolated network, a
// NAT router container with a LAN behind it, a point-to-point Link, 0.0.0.0 and
// 127.0.0.1 published ports (tcp and udp), a user rule in NK-USER, FORWARD policy
// DROP, and an "outside" machine on the host's ext0. For every (FROM, TO, PORT)
// tuple the verdict of explain must equal what a real probe sees (TCP connect, UDP
// exchange, ping; 1 s timeouts, all probes of a batch in parallel). Destinations
// beyond this host are not observed: explain says unknown, and that is asserted.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, createSandbox, type Background, type Machine, type Sandbox } from '../helpers/sandbox.js';
import { explain, exposure, formatExplanation, formatExposure, parseQuery, type World } from '../../src/explain/index.js';
import { observeWorld } from '../../src/shell/explain-reads.js';
import { runnerFs } from '../../src/shell/host-fs.js';
import { validator } from '../helpers/output-schemas.js';

const CONFIG = `
kind: Network
name: front
interface: br-front
subnets: [{subnet: 172.30.2.0/24}]
---
kind: Network
name: back
interface: br-back
gatewayMode: routed
subnets: [{subnet: 172.30.3.0/24}]
---
kind: Network
name: sec
interface: br-sec
icc: false
subnets: [{subnet: 172.30.4.0/24}]
---
kind: Network
name: int
interface: br-int
internal: true
subnets: [{subnet: 172.30.5.0/24}]
---
kind: Network
name: sw
interface: br-sw
gatewayMode: isolated
subnets: [{subnet: 172.30.9.0/24}]
---
kind: Network
name: home
interface: br-home
gatewayMode: isolated
subnets: [{subnet: 192.168.50.0/24, gateway: 192.168.50.1}]
---
kind: Container
name: web
networks: [{network: front, ip: 172.30.2.10}]
ports: ["8080:80", "127.0.0.1:8081:81", "5353:53/udp"]
---
kind: Container
name: web2
networks: [{network: front, ip: 172.30.2.11}]
---
kind: Container
name: api
networks: [{network: back, ip: 172.30.3.10}]
---
kind: Container
name: app
networks: [{network: sec, ip: 172.30.4.10}]
links: [{container: db, ports: ["5432/tcp"]}]
---
kind: Container
name: db
networks: [{network: sec, ip: 172.30.4.11}]
---
kind: Container
name: other
networks: [{network: sec, ip: 172.30.4.12}]
---
kind: Container
name: i1
networks: [{network: int, ip: 172.30.5.10}]
---
kind: Container
name: i2
networks: [{network: int, ip: 172.30.5.11}]
---
kind: Container
name: s1
networks: [{network: sw, ip: 172.30.9.10}]
---
kind: Container
name: s2
networks: [{network: sw, ip: 172.30.9.11}]
---
kind: Container
name: gw
networks: [{network: front, ifname: wan0, ip: 172.30.2.20}, {network: home, ifname: lan0, ip: 192.168.50.1}]
forwarding: true
masquerade: [wan0]
---
kind: Container
name: laptop
networks: [{network: home, ip: 192.168.50.20}]
---
kind: Container
name: pa
networks: [{network: front, ip: 172.30.2.30}]
---
kind: Container
name: pb
mode: none
---
kind: Link
name: pa-pb
endpoints:
  - {container: pa, ifname: p2p0, ip: 10.1.1.1/32}
  - {container: pb, ifname: p2p0, ip: 10.1.1.2/32}
`;

type Verdict = 'reachable' | 'unreachable' | 'unknown';
/** [FROM, TO (as explain takes it), the probe's namespace and target when they differ from FROM/TO] */
interface Tuple {
  from: string;
  to: string;
  /** what explain must say when it is not a probe's verdict (beyond this host) */
  expect?: Verdict;
}

let sb: Sandbox;
let outside: Machine;
let dir: string;
let servers: Background[] = [];

const IP: Record<string, string> = {
  web: '172.30.2.10',
  web2: '172.30.2.11',
  api: '172.30.3.10',
  app: '172.30.4.10',
  db: '172.30.4.11',
  other: '172.30.4.12',
  i1: '172.30.5.10',
  i2: '172.30.5.11',
  s1: '172.30.9.10',
  s2: '172.30.9.11',
  gw: '172.30.2.20',
  laptop: '192.168.50.20',
  pa: '172.30.2.30',
  pb: '10.1.1.2',
};
const OUT = '10.99.0.2';
const HOST_EXT = '10.99.0.1';

// every container listens on tcp 80, 81, 5432 and udp 53; the host on tcp 2222; the outside machine on tcp 80
const CONTAINERS = Object.keys(IP);

const TUPLES: Tuple[] = [
  // nat network: icc, ports, hairpin, host
  { from: 'web', to: 'web2' },
  { from: 'web', to: 'web2:80' },
  { from: 'web2', to: 'web:81' },
  { from: 'web', to: 'host' },
  { from: 'web', to: 'host:2222' },
  { from: 'web', to: 'host:8080' }, // hairpin to its own published port
  { from: 'web2', to: 'host:8080' },
  { from: 'web2', to: `${HOST_EXT}:8080` },
  { from: 'web2', to: 'host:5353/udp' },
  { from: 'host', to: 'web' },
  { from: 'host', to: 'web:80' },
  { from: 'host', to: '127.0.0.1:8080' },
  { from: 'host', to: '127.0.0.1:8081' },
  { from: 'host', to: `${HOST_EXT}:8080` },
  // between networks
  { from: 'web', to: 'api' },
  { from: 'api', to: 'web' },
  { from: 'api', to: 'web:80' },
  { from: 'web', to: 'i1' },
  { from: 'i1', to: 'web' },
  { from: 'web', to: 'app:80' },
  { from: 'api', to: 'host:8080' },
  // routed network
  { from: 'host', to: 'api:80' },
  { from: 'api', to: 'host' },
  // icc: false with a link
  { from: 'app', to: 'db:5432' },
  { from: 'app', to: 'db:80' },
  { from: 'app', to: 'db' },
  { from: 'db', to: 'app:5432' },
  { from: 'other', to: 'db:5432' },
  { from: 'app', to: 'host:2222' },
  // internal network
  { from: 'i1', to: 'i2' },
  { from: 'i1', to: 'i2:80' },
  { from: 'i1', to: 'host' },
  { from: 'i1', to: 'host:8080' },
  // isolated switch
  { from: 's1', to: 's2' },
  { from: 's1', to: 's2:80' },
  { from: 's1', to: 'web' },
  { from: 'host', to: 's1' },
  // the NAT router and its LAN
  { from: 'laptop', to: 'web' },
  { from: 'laptop', to: 'web:80' },
  { from: 'laptop', to: 'gw' },
  { from: 'web', to: 'laptop' },
  { from: 'laptop', to: '172.30.2.1:2222' },
  // the point-to-point Link
  { from: 'pa', to: 'pb:80' },
  { from: 'pb', to: 'pa' },
  { from: 'pb', to: 'web' },
  { from: 'web', to: 'pb' },
  // another machine
  { from: OUT, to: `${HOST_EXT}:8080` },
  { from: OUT, to: `${HOST_EXT}:5353/udp` },
  { from: OUT, to: `${HOST_EXT}:8081` },
  { from: OUT, to: HOST_EXT },
  { from: OUT, to: `${HOST_EXT}:2222` },
  { from: OUT, to: 'api' },
  { from: OUT, to: 'api:80' },
  { from: OUT, to: 'api:81' }, // dropped by the user's NK-USER rule
  { from: OUT, to: 'web' },
  { from: OUT, to: 'web:80' },
  { from: OUT, to: 'i1' },
  { from: OUT, to: 's1' },
  { from: OUT, to: 'laptop' },
  // beyond this host: not observed
  { from: 'web', to: `${OUT}:80`, expect: 'unknown' },
  { from: 'host', to: OUT, expect: 'unknown' },
  // a user's rule with a match explain does not evaluate: unknown, never a guess
  { from: 'api', to: 'web2', expect: 'unknown' },
];

function split(to: string): { target: string; port?: number; proto: 'tcp' | 'udp' | 'icmp' } {
  const m = /^(.+?)(?::(\d+))?(?:\/(tcp|udp))?$/.exec(to)!;
  const port = m[2] ? Number(m[2]) : undefined;
  return { target: m[1], ...(port ? { port } : {}), proto: (m[3] as 'udp' | undefined) ?? (port ? 'tcp' : 'icmp') };
}

/** The probe for a tuple: the namespace file to send from and the address to send to. */
function probeOf(t: Tuple): { ns: string; proto: string; ip: string; port: number } {
  const { target, port, proto } = split(t.to);
  const ns = t.from === OUT ? `/proc/${outside.pid}/ns/net` : t.from === 'host' ? 'host' : `/run/netns/${t.from}`;
  let ip = IP[target] ?? target;
  if (target === 'host') ip = t.from === 'host' ? '127.0.0.1' : t.from === OUT ? HOST_EXT : gatewayOf(t.from);
  return { ns, proto, ip, port: port ?? 0 };
}
function gatewayOf(c: string): string {
  const ip = IP[c];
  return ip.replace(/\.\d+$/, '.1');
}

/** explain in this process over one observation of the sandbox (the command does the same per call) */
function explainVerdict(world: World, t: Tuple): { verdict: Verdict; text: string } {
  const [from, to] = [t.from, t.to];
  const q = parseQuery(from, to);
  if (!q.ok) return { verdict: 'unknown', text: q.error };
  const e = explain(q.value, world);
  return { verdict: e.verdict, text: formatExplanation(e) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nk-explain-'));
  writeFileSync(join(dir, 'nk.yaml'), CONFIG);
  sb = await createSandbox();
  outside = await sb.addHost('outside');
  await sb.connect(sb, outside, { aIf: 'ext0', bIf: 'eth0', aIp: `${HOST_EXT}/24`, bIp: `${OUT}/24` });
  await outside.exec('ip', ['route', 'add', '172.30.0.0/16', 'via', HOST_EXT], { check: true });
  await outside.exec('ip', ['route', 'add', '192.168.50.0/24', 'via', HOST_EXT], { check: true });
  await sb.exec('iptables', ['-P', 'FORWARD', 'DROP'], { check: true });
  const r = await sb.netkeeper(['reconcile', '--once', '--dir', dir]);
  expect(r.exitCode, r.stderr).toBe(0);
  // the user's own rule, evaluated before netkeeper's
  await sb.exec('iptables', ['-A', 'NK-USER', '-s', OUT, '-d', IP.api, '-p', 'tcp', '--dport', '81', '-j', 'DROP'], { check: true });
  await sb.exec('iptables', ['-A', 'NK-USER', '-s', IP.api, '-d', IP.web2, '-m', 'mark', '--mark', '0x1', '-j', 'DROP'], { check: true });
  await sb.exec('ip', ['-n', 'pb', 'route', 'add', 'default', 'via', '10.1.1.1', 'dev', 'p2p0'], { check: true });
  const specs = [
    ...CONTAINERS.flatMap((c) => [`/run/netns/${c},tcp,80`, `/run/netns/${c},tcp,81`, `/run/netns/${c},tcp,5432`, `/run/netns/${c},udp,53`]),
    'host,tcp,2222',
    `/proc/${outside.pid}/ns/net,tcp,80`,
  ];
  servers = [await sb.spawn('python3', [`${REPO_ROOT}test/helpers/netprobe.py`, 'serve', ...specs], { readyLine: 'ready' })];
}, 180_000);

afterAll(async () => {
  for (const s of servers) await s.kill();
  await sb?.destroy();
});

describe('explain agrees with real traffic', () => {
  it(`has at least 40 tuples`, () => expect(TUPLES.length).toBeGreaterThanOrEqual(40));

  it('every tuple: the verdict equals what a probe sees', async () => {
    const probed = TUPLES.filter((t) => !t.expect);
    const r = await sb.exec('python3', [`${REPO_ROOT}test/helpers/netprobe.py`, 'probe'], {
      input: JSON.stringify(probed.map(probeOf)),
      timeoutMs: 30_000,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout) as boolean[];
    const want = new Map<Tuple, Verdict>(probed.map((t, i) => [t, seen[i] ? 'reachable' : 'unreachable']));
    for (const t of TUPLES) if (t.expect) want.set(t, t.expect);
    const world = await observeWorld(sb.runner, runnerFs(sb.runner), dir);
    const mismatches: string[] = [];
    for (const t of TUPLES) {
      const got = explainVerdict(world, t);
      if (got.verdict !== want.get(t)) mismatches.push(`explain ${t.from} ${t.to}: explain says ${got.verdict}, the probe ${want.get(t)}\n${got.text}`);
    }
    expect(mismatches.join('\n')).toBe('');
    // the unknown names the rule it could not evaluate
    expect(explainVerdict(world, { from: 'api', to: 'web2' }).text).toContain('unknown: cannot evaluate -m mark');
  }, 300_000);
});

describe('the command', () => {
  it('prints each hop with its rule and declaration, then the verdict; --json gives the same', async () => {
    const t = await sb.netkeeper(['explain', OUT, `${HOST_EXT}:8080`, '--dir', dir]);
    expect(t.exitCode, t.stderr).toBe(0);
    expect(t.stdout).toContain('-j DNAT --to-destination 172.30.2.10:80');
    expect(t.stdout).toMatch(/declared by Container web port 8080:80\/tcp at .*nk\.yaml:\d+/);
    expect(t.stdout).toMatch(/verdict: reachable/);
    const j = await sb.netkeeper(['explain', 'app', 'db:80', '--json', '--dir', dir]);
    expect(j.exitCode, j.stderr).toBe(0);
    const o = JSON.parse(j.stdout) as { formatVersion: number; verdict: string; hops: { rule?: string }[] };
    expect(o).toMatchObject({ formatVersion: 1, verdict: 'unreachable' });
    expect(validator('explain-output')(o)).toEqual([]);
    expect(o.hops.some((h) => h.rule === '-A NK-FORWARD -i br-sec -o br-sec -j DROP')).toBe(true);
    const usage = await sb.netkeeper(['explain', 'web', 'db:99999', '--dir', dir]);
    expect(usage).toMatchObject({ exitCode: 1, stderr: 'error: port 99999 is out of range (1-65535)\n' });
  }, 60_000);
});

describe('exposure', () => {
  it('agrees with probes from the outside machine: published ports and container addresses', async () => {
    // the host gets a public-looking address and its way to the world through ext0
    await sb.exec('ip', ['addr', 'add', '11.0.0.1/32', 'dev', 'ext0'], { check: true });
    await sb.exec('ip', ['route', 'add', 'default', 'via', OUT], { check: true });
    const world = await observeWorld(sb.runner, runnerFs(sb.runner), dir);
    const e = exposure(world);
    const text = formatExposure(e);
    const ports = e.rows.filter((r) => r.kind === 'port');
    expect(ports.map((r) => r.what).sort(), text).toEqual(['0.0.0.0:5353/udp → web:53', '0.0.0.0:8080/tcp → web:80', '127.0.0.1:8081/tcp → web:81']);
    const addrs = e.rows.filter((r) => r.kind === 'address').map((r) => r.address!.ip);
    // the same questions, asked of the real network from the outside machine
    const asks = [
      ...ports.map((r) => ({ ns: `/proc/${outside.pid}/ns/net`, proto: r.port!.proto, ip: HOST_EXT, port: r.port!.port })),
      ...CONTAINERS.map((c) => ({ ns: `/proc/${outside.pid}/ns/net`, proto: 'icmp', ip: IP[c], port: 0 })),
    ];
    const r = await sb.exec('python3', [`${REPO_ROOT}test/helpers/netprobe.py`, 'probe'], { input: JSON.stringify(asks), timeoutMs: 30_000 });
    const seen = JSON.parse(r.stdout) as boolean[];
    ports.forEach((row, i) =>
      expect(
        row.reach.some((x) => x.startsWith('other machines')),
        `${row.what}: ${text}`,
      ).toBe(seen[i]),
    );
    const reached = CONTAINERS.filter((_, i) => seen[ports.length + i]).map((c) => IP[c]);
    expect(addrs.sort(), text).toEqual(reached.sort());
    expect(e.warnings, text).toEqual([
      '8080/tcp (web) is published on 0.0.0.0 and other machines reach it; this host has public-looking address 11.0.0.1: publish on a specific address if that is not meant',
      '5353/udp (web) is published on 0.0.0.0 and other machines reach it; this host has public-looking address 11.0.0.1: publish on a specific address if that is not meant',
      "api 172.30.3.10 is reachable from other machines at its own address through ext0, the host's way to the world: a routed network open to the world",
    ]);
    // the words
    expect(ports.find((x) => x.port!.port === 8081)!.reach).toEqual(['loopback only']);
    expect(ports.find((x) => x.port!.port === 8080)!.reach.join('; ')).toMatch(
      /^this host; containers on .*front.*; other machines \(arriving on ext0, to any host address\)$/,
    );
  }, 120_000);

  it('the command prints the table', async () => {
    const t = await sb.netkeeper(['exposure', '--dir', dir]);
    if (process.env.NK_CAPTURE)
      writeFileSync(
        process.env.NK_CAPTURE,
        `${t.stdout}\n---\n${(await sb.netkeeper(['explain', OUT, `${HOST_EXT}:8080`, '--dir', dir])).stdout}\n---\n${(await sb.netkeeper(['explain', 'app', 'db:80', '--dir', dir])).stdout}\n---\n${(await sb.netkeeper(['explain', 'laptop', 'web:80', '--dir', dir])).stdout}`,
      );
    expect(t.exitCode, t.stderr).toBe(0);
    expect(t.stdout).toContain('127.0.0.1:8081/tcp → web:81');
  }, 60_000);
});
