// Issue 2 benchmark: N containers on one bridge converged from nothing, and a
// no-op pass at that size, each against a baseline measured in the same run:
//  - converge baseline: the same kernel work as hand-written iproute2 batches
//    (one host `ip -batch`, then one `nsenter ip -batch` per namespace, as a
//    shell loop would run them) plus the same /etc/netns files;
//  - no-op baseline: reading each namespace once (one `nsenter ip -j -batch` each).
// Usage: node bench/converge.mjs [N=200] [runs=3]
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox, timed } from './sandbox.mjs';

const N = Number(process.argv[2] ?? 200);
const RUNS = Number(process.argv[3] ?? 3);
const CLI = resolve('dist/cli.js');

function ip4(i) {
  const n = 10 + i; // 10.88.0.10 …
  return `10.88.${Math.floor(n / 256)}.${n % 256}`;
}
const mac = (ip) =>
  '02:42:' +
  ip
    .split('.')
    .map((x) => Number(x).toString(16).padStart(2, '0'))
    .join(':');

async function writeDir() {
  const dir = await mkdtemp(join(tmpdir(), 'nk-bench-'));
  const docs = [`kind: Network\nname: bench\ninterface: br-bench\nsubnets:\n  - subnet: 10.88.0.0/16\n    gateway: 10.88.0.1\n`];
  for (let i = 0; i < N; i++) docs.push(`kind: Container\nname: c${i}\nnetworks:\n  - network: bench\n    ip: ${ip4(i)}\n`);
  await writeFile(join(dir, 'bench.yaml'), docs.join('---\n'));
  await writeFile(join(dir, 'settings.yaml'), 'kind: Settings\niptables: false\n');
  return dir;
}

async function baselineConverge(sb) {
  const host = ['link add name br-bench mtu 1500 type bridge', 'addr add 10.88.0.1/16 dev br-bench', 'link set dev br-bench up'];
  for (let i = 0; i < N; i++) host.push(`netns add c${i}`);
  for (let i = 0; i < N; i++) {
    host.push(`link add name nkb${i} mtu 1500 type veth peer name eth0 netns /run/netns/c${i} mtu 1500`);
    host.push(`link set dev nkb${i} addrgenmode none`, `link set dev nkb${i} master br-bench up`);
  }
  const perNs = (i) =>
    [
      `link set dev lo up`,
      `link set dev eth0 addrgenmode none`,
      `link set dev eth0 address ${mac(ip4(i))} up`,
      `addr add ${ip4(i)}/16 dev eth0`,
      `route add default via 10.88.0.1 dev eth0`,
    ].join('\n') + '\n';
  const script = [
    'set -e',
    'ip -batch - <<"EOF"',
    ...host,
    'EOF',
    `for i in $(seq 0 ${N - 1}); do`,
    '  nsenter --net=/run/netns/c$i ip -batch /tmp/nkb/ns$i',
    '  mkdir -p /etc/netns/c$i && printf "127.0.0.1 localhost\\n" > /etc/netns/c$i/hosts && printf "nameserver 8.8.8.8\\n" > /etc/netns/c$i/resolv.conf && echo c$i > /etc/netns/c$i/hostname',
    'done',
  ].join('\n');
  // the per-namespace batch files are written before the clock starts
  await sb.run('sh', ['-c', 'mkdir -p /tmp/nkb']);
  for (let i = 0; i < N; i++) await sb.run('sh', ['-c', `cat > /tmp/nkb/ns${i}`], perNs(i));
  const t = await timed(() => sb.run('bash', ['-c', script]));
  if (t.r.code !== 0) throw new Error(`baseline failed: ${t.r.stderr}`);
  await sb.run('rm', ['-rf', '/tmp/nkb']);
  return t.ms;
}

async function baselineRead(sb) {
  const script = `for i in $(seq 0 ${N - 1}); do printf "link show\\naddr show\\nroute show\\n" | nsenter --net=/run/netns/c$i ip -j -d -batch - >/dev/null; done`;
  const t = await timed(() => sb.run('bash', ['-c', script]));
  return t.ms;
}

async function netkeeper(sb, dir, ...args) {
  const t = await timed(() => sb.run('node', [CLI, ...args, '--dir', dir, '--log-level', 'warn']));
  if (t.r.code !== 0) throw new Error(`netkeeper ${args.join(' ')} exit ${t.r.code}: ${t.r.stderr.slice(0, 2000)}`);
  return t.ms;
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

const dir = await writeDir();
const rows = { baselineConverge: [], netkeeperConverge: [], baselineRead: [], netkeeperNoop: [], nodeStart: [] };
try {
  for (let r = 0; r < RUNS; r++) {
    let sb = await startSandbox();
    try {
      rows.baselineConverge.push(await baselineConverge(sb));
      rows.baselineRead.push(await baselineRead(sb));
      rows.nodeStart.push((await timed(() => sb.run('node', ['-e', '0']))).ms);
    } finally {
      await sb.stop();
    }
    sb = await startSandbox();
    try {
      rows.netkeeperConverge.push(await netkeeper(sb, dir, 'reconcile', '--once'));
      rows.netkeeperNoop.push(await netkeeper(sb, dir, 'reconcile', '--once'));
    } finally {
      await sb.stop();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, Math.round(median(v))]));
console.log(JSON.stringify({ containers: N, runs: RUNS, medianMs: m, samples: rows }, null, 1));
console.log(
  `converge: netkeeper ${m.netkeeperConverge} ms vs hand-written batches ${m.baselineConverge} ms → ${(m.netkeeperConverge / m.baselineConverge).toFixed(2)}×`,
);
console.log(
  `no-op:    netkeeper ${m.netkeeperNoop} ms vs reading each namespace once ${m.baselineRead} ms → ${(m.netkeeperNoop / m.baselineRead).toFixed(2)}× (node start alone: ${m.nodeStart} ms)`,
);
