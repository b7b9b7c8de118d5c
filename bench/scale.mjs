// Issue 16 benchmark: how passes scale with the host. N containers over two bridges
// (half on each), each publishing one port, in a private sandbox (bench/sandbox.mjs).
// Per size and round, each beside the per-process floor measured in the same run:
//   converge        `reconcile --once` from nothing   | floor: the same kernel work as hand-written
//                                                       iproute2 batches (one host batch, one
//                                                       `nsenter ip -batch` per namespace), the same
//                                                       /etc/netns files, one iptables-restore
//   no-op           `reconcile --once` again           | floor: one `nsenter ip -j -batch` per namespace
//   no-op (ip)      the same with NETKEEPER_READER=ip (the per-namespace ip workers, as before issue 16)
//   add one         one container more, `--once`       | floor: by hand (netns, veth, address, route, DNAT)
//   remove one      that container gone, `--once`      | floor: by hand (netns del, veth del, DNAT del)
//   move one port   c0's host port changed, `--once`   | floor: one `iptables -t nat -R`
// and for each: wall time, processes started and peak RSS.
//
// Processes started: every program any descendant executed, counted by the kernel —
// `perf stat -e sched:sched_process_exec` follows all descendants (inherit), whoever
// their parent is (nsenter's ip, a shell worker's children, the netlink reader), and
// counts neither threads nor forks that do not exec. The count includes the command itself.
// Peak RSS: GNU time's %M (ru_maxrss of the largest single process of the tree).
// Watcher resync and drift-to-healed latency: see bench/events.mjs (issue 16 items 1/3).
// Each sandbox starts once the kernel has finished tearing down the last one's namespaces
// (settleKernel in sandbox.mjs): at 1000 that takes 1-2 minutes of a kworker holding the
// RTNL lock, and the step measured next (netkeeper's converge, right after the floor's
// sandbox) paid for it.
//
// Usage: npm run build && node bench/scale.mjs [sizes=200,1000,2000] [rounds=3]
//   NK_BENCH_SKIP_IP_CONVERGE=1 skips the converge with the ip reader (a third sandbox per round).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { settleKernel, startSandbox } from './sandbox.mjs';

const SIZES = (process.argv[2] ?? '200,1000,2000').split(',').map(Number);
const ROUNDS = Number(process.argv[3] ?? 3);
const CLI = resolve('dist/cli.js');
const work = await mkdtemp(join(tmpdir(), 'nk-scale-'));

const net = (i) => (i % 2 === 0 ? 'a' : 'b');
function ip4(i) {
  const k = Math.floor(i / 2) + 10;
  return `10.${i % 2 === 0 ? 88 : 89}.${Math.floor(k / 256)}.${k % 256}`;
}
const port = (i) => 20000 + i;

async function writeConfig(dir, n, { extra = false, moved = false } = {}) {
  const docs = [
    'kind: Network\nname: a\ninterface: br-a\nsubnets:\n  - subnet: 10.88.0.0/16\n    gateway: 10.88.0.1\n',
    'kind: Network\nname: b\ninterface: br-b\nsubnets:\n  - subnet: 10.89.0.0/16\n    gateway: 10.89.0.1\n',
  ];
  const count = extra ? n + 1 : n;
  for (let i = 0; i < count; i++) {
    const p = i === 0 && moved ? 29999 : port(i);
    docs.push(`kind: Container\nname: c${i}\nnetworks:\n  - network: ${net(i)}\n    ip: ${ip4(i)}\nports:\n  - "${p}:80"\n`);
  }
  await writeFile(join(dir, 'bench.yaml'), docs.join('---\n'));
}

/** Run argv inside the sandbox under perf (exec count) and GNU time (peak RSS). */
function measured(sb, argv, { env = {}, input } = {}) {
  const tag = Math.random().toString(36).slice(2);
  const perfOut = join(work, `perf-${tag}`);
  const timeOut = join(work, `time-${tag}`);
  const full = [
    'nsenter',
    '-t',
    String(sb.pid),
    '-n',
    '-m',
    '--',
    'perf',
    'stat',
    '-x,',
    '-o',
    perfOut,
    '-e',
    'sched:sched_process_exec',
    '-e',
    'task-clock',
    '--',
    '/usr/bin/time',
    '-f',
    '%M',
    '-o',
    timeOut,
    ...argv,
  ];
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const p = spawn(full[0], full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.stdin.on('error', () => {});
    p.stdin.end(input ?? '');
    p.on('close', async (code) => {
      const ms = performance.now() - t0;
      try {
        const perf = await readFile(perfOut, 'utf8');
        if (process.env.NK_BENCH_DEBUG) process.stderr.write(`${argv.join(' ').slice(0, 80)}: ${perf}\n`);
        const execs = Number(/^(\d+),[^\n]*sched_process_exec/m.exec(perf)?.[1] ?? NaN) - 1; // less GNU time itself
        // task-clock: CPU time of every descendant (perf follows them; GNU time's %U %S misses the readers, which outlive node by a moment)
        const cpuMs = Math.round(Number(/^([\d.]+),[^\n]*task-clock/m.exec(perf)?.[1] ?? NaN));
        const rssKb = Number((await readFile(timeOut, 'utf8')).trim().split('\n').pop().split(' ')[0]);
        res({ code, ms, execs, rssMb: Math.round(rssKb / 1024), cpuMs, stdout, stderr });
      } catch (e) {
        rej(new Error(`${argv.join(' ')}: ${e.message}\n${stderr.slice(0, 2000)}`));
      }
    });
  });
}

async function netkeeper(sb, dir, env = {}) {
  const r = await measured(sb, ['node', CLI, 'reconcile', '--once', '--dir', dir, '--log-level', 'warn'], { env });
  if (r.code !== 0) throw new Error(`netkeeper exit ${r.code}: ${r.stderr.slice(0, 2000)}`);
  return r;
}

async function sh(sb, script, input) {
  // the script on stdin: a big one is longer than one argument may be (E2BIG)
  const r = await measured(sb, ['sh', '-s'], { input: script });
  if (r.code !== 0) throw new Error(`floor failed (${r.code}): ${r.stderr.slice(0, 2000)}\n${script.slice(0, 500)}`);
  return r;
}

const mac = (ip) =>
  '02:42:' +
  ip
    .split('.')
    .map((x) => Number(x).toString(16).padStart(2, '0'))
    .join(':');
const nsLines = (i) => [
  'link set dev lo up',
  'link set dev eth0 addrgenmode none',
  `link set dev eth0 address ${mac(ip4(i))} up`,
  `addr add ${ip4(i)}/16 dev eth0`,
  `route add default via ${ip4(i).replace(/\.\d+\.\d+$/, '.0.1')} dev eth0`,
];
const dnat = (i, p = port(i)) => `-A NKB-PORTS -p tcp -m tcp --dport ${p} -j DNAT --to-destination ${ip4(i)}:80`;

async function floors(sb, n) {
  const host = [];
  for (const [b, sub] of [
    ['br-a', '10.88.0.1/16'],
    ['br-b', '10.89.0.1/16'],
  ])
    host.push(`link add name ${b} type bridge`, `addr add ${sub} dev ${b}`, `link set dev ${b} up`);
  for (let i = 0; i < n; i++) host.push(`netns add c${i}`);
  for (let i = 0; i < n; i++)
    host.push(
      `link add name nkb${i} type veth peer name eth0 netns /run/netns/c${i}`,
      `link set dev nkb${i} addrgenmode none`,
      `link set dev nkb${i} master br-${net(i)} up`,
    );
  // the per-namespace batch files are written before the clock starts
  const prep = ['mkdir -p /tmp/nkb'];
  for (let i = 0; i < n; i++) prep.push(`cat > /tmp/nkb/ns${i} <<'EOF'\n${nsLines(i).join('\n')}\nEOF`);
  prep.push(`cat > /tmp/nkb/nat <<'EOF'\n*nat\n:NKB-PORTS - [0:0]\n${Array.from({ length: n }, (_, i) => dnat(i)).join('\n')}\nCOMMIT\nEOF`);
  await sh(sb, prep.join('\n'));
  const converge = await sh(
    sb,
    [
      'set -e',
      "ip -batch - <<'EOF'",
      ...host,
      'EOF',
      `for i in $(seq 0 ${n - 1}); do`,
      '  nsenter --net=/run/netns/c$i ip -batch /tmp/nkb/ns$i',
      '  mkdir -p /etc/netns/c$i && printf "127.0.0.1 localhost\\n" > /etc/netns/c$i/hosts && printf "nameserver 8.8.8.8\\n" > /etc/netns/c$i/resolv.conf && echo c$i > /etc/netns/c$i/hostname',
      'done',
      'iptables-restore --noflush /tmp/nkb/nat',
    ].join('\n'),
  );
  const read = await sh(
    sb,
    `for i in $(seq 0 ${n - 1}); do printf "link show\\naddr show\\nroute show table all\\nneigh show nud permanent\\n" | nsenter --net=/run/netns/c$i ip -j -d -N -batch - >/dev/null; done`,
  );
  const x = n; // the added container
  const add = await sh(
    sb,
    [
      'set -e',
      `ip netns add c${x}`,
      `ip link add name nkb${x} type veth peer name eth0 netns /run/netns/c${x}`,
      `ip link set dev nkb${x} master br-${net(x)} up`,
      `nsenter --net=/run/netns/c${x} ip -batch - <<'EOF'\n${nsLines(x).join('\n')}\nEOF`,
      `iptables -t nat ${dnat(x)}`,
    ].join('\n'),
  );
  const remove = await sh(sb, ['set -e', `ip link del nkb${x}`, `ip netns del c${x}`, `iptables -t nat ${dnat(x).replace('-A', '-D')}`].join('\n'));
  const move = await sh(sb, `iptables -t nat -R NKB-PORTS 1 ${dnat(0, 29999).replace('-A NKB-PORTS ', '')}`);
  await sh(sb, 'rm -rf /tmp/nkb');
  return { converge, noop: read, noopIp: read, add, remove, move };
}

async function ours(sb, dir, n) {
  await writeConfig(dir, n);
  const converge = await netkeeper(sb, dir);
  const noop = await netkeeper(sb, dir);
  const noopIp = await netkeeper(sb, dir, { NETKEEPER_READER: 'ip' });
  await writeConfig(dir, n, { extra: true });
  const add = await netkeeper(sb, dir);
  await writeConfig(dir, n);
  const remove = await netkeeper(sb, dir);
  await writeConfig(dir, n, { moved: true });
  const move = await netkeeper(sb, dir);
  return { converge, noop, noopIp, add, remove, move };
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const results = [];
try {
  for (const n of SIZES) {
    const samples = { floor: [], ours: [], convergeIp: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const dir = await mkdtemp(join(work, 'd-'));
      // each measurement starts on a kernel that is not still tearing down the last one's namespaces
      const settled = [await settleKernel()];
      let sb = await startSandbox();
      try {
        samples.floor.push(await floors(sb, n));
      } finally {
        await sb.stop();
      }
      settled.push(await settleKernel());
      sb = await startSandbox();
      try {
        samples.ours.push(await ours(sb, dir, n));
      } finally {
        await sb.stop();
      }
      if (!process.env.NK_BENCH_SKIP_IP_CONVERGE) {
        settled.push(await settleKernel());
        sb = await startSandbox();
        try {
          await writeConfig(dir, n);
          samples.convergeIp.push(await netkeeper(sb, dir, { NETKEEPER_READER: 'ip' }));
        } finally {
          await sb.stop();
        }
      }
      process.stderr.write(
        `scale: ${n} containers, round ${r + 1}/${ROUNDS} done (waited ${settled.map((ms) => (ms / 1000).toFixed(1)).join(', ')} s for namespace teardown)\n`,
      );
    }
    const row = { containers: n, rounds: ROUNDS };
    for (const what of ['converge', 'noop', 'noopIp', 'add', 'remove', 'move']) {
      const o = samples.ours.map((s) => s[what]);
      const f = samples.floor.map((s) => s[what]);
      const m = {
        ms: median(o.map((x) => x.ms)),
        cpuMs: median(o.map((x) => x.cpuMs)),
        execs: median(o.map((x) => x.execs)),
        rssMb: median(o.map((x) => x.rssMb)),
      };
      const fm = { ms: median(f.map((x) => x.ms)), cpuMs: median(f.map((x) => x.cpuMs)), execs: median(f.map((x) => x.execs)) };
      row[what] = {
        netkeeper: m,
        floor: fm,
        ratio: +(m.ms / fm.ms).toFixed(2),
        cpuRatio: +(m.cpuMs / fm.cpuMs).toFixed(2),
        samplesMs: o.map((x) => Math.round(x.ms)),
      };
    }
    if (samples.convergeIp.length) {
      const c = samples.convergeIp;
      row.convergeIp = {
        ms: median(c.map((x) => x.ms)),
        execs: median(c.map((x) => x.execs)),
        rssMb: median(c.map((x) => x.rssMb)),
        samplesMs: c.map((x) => Math.round(x.ms)),
      };
    }
    results.push(row);
    console.log(JSON.stringify(row));
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const f = (x) => `${Math.round(x.ms)} ms, ${x.cpuMs} ms CPU, ${x.execs} proc${x.rssMb !== undefined ? `, ${x.rssMb} MB` : ''}`;
console.log('\n| containers | what | netkeeper (wall, CPU, processes, peak RSS) | floor (wall, CPU, processes) | ratio wall / CPU |\n|---|---|---|---|---|');
for (const row of results) {
  for (const what of ['converge', 'noop', 'noopIp', 'add', 'remove', 'move']) {
    const c = row[what];
    console.log(`| ${row.containers} | ${what} | ${f(c.netkeeper)} | ${f(c.floor)} | ${c.ratio}× / ${c.cpuRatio}× |`);
  }
  if (row.convergeIp) {
    const c = row.convergeIp;
    const fl = row.converge.floor;
    console.log(`| ${row.containers} | converge (ip reader) | ${f(c)} | ${f(fl)} | ${(c.ms / fl.ms).toFixed(2)}× / ${(c.cpuMs / fl.cpuMs).toFixed(2)}× |`);
  }
}
