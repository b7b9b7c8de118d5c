// Event-driven watch mode (issue 16 items 1 and 3), in a private sandbox
// (bench/sandbox.mjs), one per size. N containers over two networks, one watcher:
//  1. resync: the duration and the watcher's CPU of a no-change resync pass, R of
//     them at --interval 3, with kernel events and the rolling audit (--audit 300:
//     every namespace read within 5 min, N*3/300 namespaces per resync), beside the
//     same watcher with --audit 3 (every namespace read on every resync: what each
//     resync cost before) in the same sandbox;
//  2. drift → healed: alternately `ip addr flush` and `ip link del eth0` inside a
//     container, clock stopped when `ip monitor address` inside it prints the
//     address back; H rounds (the resync is 300 s away, so only an event heals it);
//  3. one container added / removed, one port moved, C rounds: file written →
//     kernel changed (the watcher's debug line 'applied', same clock), the pass's
//     duration, the watcher's CPU, the programs it ran (perf) and the processes
//     started on the machine meanwhile;
//  4. the watcher's peak RSS (VmHWM, the converge included) and its RSS at the end.
// Prints a table (medians) at the end, with the load average before and after.
// Usage: npm run build && node bench/events.mjs [sizes=200 (e.g. 200,1000,2000)] [resyncs=5] [heals=5] [changes=1]
// (NK_BENCH_CLI=other/dist/cli.js: another build; NK_BENCH_LOG=FILE: the watchers' debug logs appended to FILE)
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { appendFileSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox } from './sandbox.mjs';

const SIZES = String(process.argv[2] ?? '200')
  .split(',')
  .map(Number);
const RESYNCS = Number(process.argv[3] ?? 5);
const HEALS = Number(process.argv[4] ?? 5);
const CHANGES = Number(process.argv[5] ?? 1);
let N = SIZES[0];
// NK_BENCH_CLI: another build's dist/cli.js (a before/after in the same hour)
const CLI = resolve(process.env.NK_BENCH_CLI ?? 'dist/cli.js');
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function bg(sb, argv, onLine) {
  const p = spawn('nsenter', ['-t', String(sb.pid), '-n', '-m', '--', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const s of [p.stdout, p.stderr]) {
    let buf = '';
    s.setEncoding('utf8').on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i), performance.now());
        buf = buf.slice(i + 1);
      }
    });
  }
  return p;
}

async function waitFor(pred, what, timeoutMs = 1_800_000) {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** processes forked on the whole machine so far (the sandbox's and everyone else's: a quiet machine makes it exact) */
async function forks() {
  const s = await readFile('/proc/stat', 'utf8');
  return Number(/^processes (\d+)/m.exec(s)[1]);
}

const net = (i) => (i % 2 ? 'back' : 'front');
const container = (i, port) => `kind: Container\nname: c${i}\nnetworks:\n  - network: ${net(i)}\n${port ? `ports:\n  - ${port}:80\n` : ''}`;

async function setup(work) {
  const dir = join(work, 'networks.d');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'front.yaml'), 'kind: Network\nname: front\ninterface: br-front\nsubnets:\n  - subnet: 10.80.0.0/16\n');
  await writeFile(join(dir, 'back.yaml'), 'kind: Network\nname: back\ninterface: br-back\nsubnets:\n  - subnet: 10.81.0.0/16\n');
  for (let i = 0; i < N; i++) await writeFile(join(dir, `c${i}.yaml`), container(i, i === 0 ? 8080 : undefined));
  return dir;
}

/** CPU seconds of `pid` and the children it reaped (utime, stime, cutime, cstime; 100 ticks a second). */
function cpuSync(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return NaN;
  }
}
const cpu = async (pid) => cpuSync(pid);

function startWatcher(sb, dir, runDir, audit) {
  const passes = [];
  const applied = [];
  const w = { passes, applied };
  w.p = bg(
    sb,
    [
      'env',
      `NETKEEPER_RUN_DIR=${runDir}`,
      process.execPath,
      CLI,
      'reconcile',
      '--dir',
      dir,
      '--interval',
      '3',
      '--audit',
      String(audit),
      '--log-level',
      'debug',
    ],
    (l, t) => {
      if (!l.startsWith('{')) return;
      if (process.env.NK_BENCH_LOG) appendFileSync(process.env.NK_BENCH_LOG, `${l}\n`); // the watcher's debug log (stage timings)
      const j = JSON.parse(l);
      // the watcher's CPU at the end of each pass: the difference between two passes is the later pass's (the watcher is idle between)
      if (j.msg === 'pass done') passes.push({ ...j, at: t, cpu: cpuSync(w.p.pid) });
      else if (j.msg === 'applied') applied.push({ pass: j.pass, time: j.time });
      else if (j.level >= 40) console.log('  watcher:', l.slice(0, 300));
    },
  );
  return w;
}

async function stop(w) {
  w.p.kill('SIGTERM');
  await new Promise((r) => (w.p.exitCode !== null ? r() : w.p.on('exit', r)));
}

/** the next R no-change resync passes: [ms, cpu s] each */
async function resyncs(w) {
  const from = w.passes.length;
  const done = () =>
    w.passes
      .slice(from)
      .map((p, i, a) => ({ ...p, cpuUsed: p.cpu - (i > 0 ? a[i - 1].cpu : (w.passes[from - 1]?.cpu ?? NaN)) }))
      .filter((p) => p.trigger === 'resync' && p.result === 'in-sync');
  await waitFor(() => done().length >= RESYNCS, 'resyncs');
  return done().slice(0, RESYNCS);
}

async function heals(sb) {
  const out = { flush: [], veth: [] };
  for (let k = 0; k < HEALS; k++) {
    const c = `c${(k * 37) % N}`;
    const kind = k % 2 ? 'veth' : 'flush';
    const addr = (await sb.run('ip', ['-n', c, '-br', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout.trim().split(/\s+/)[2];
    let back;
    const mon = bg(sb, ['ip', '-n', c, '-o', 'monitor', 'address'], (l, t) => {
      if (!l.startsWith('Deleted') && l.includes(`inet ${addr}`)) back ??= t;
    });
    await sleep(200);
    const t0 = performance.now();
    await sb.run('ip', kind === 'flush' ? ['-n', c, 'addr', 'flush', 'dev', 'eth0'] : ['-n', c, 'link', 'del', 'eth0']);
    await waitFor(() => back !== undefined, `${addr} back in ${c}`, 120_000);
    out[kind].push(back - t0);
    mon.kill('SIGKILL');
    await sleep(1500); // the heal's own echo settles
  }
  return out;
}

async function change(w, what, fn) {
  await sleep(1500);
  const from = w.passes.length;
  const f0 = await forks();
  const c0 = await cpu(w.p.pid);
  // programs the watcher and its descendants exec meanwhile (perf follows children it forks from now on)
  const perf = spawn('perf', ['stat', '-x,', '-e', 'sched:sched_process_exec', '-p', String(w.p.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let perfOut = '';
  perf.stderr.setEncoding('utf8').on('data', (d) => (perfOut += d));
  await sleep(300);
  const t0 = Date.now();
  await fn();
  await waitFor(() => w.passes.slice(from).some((p) => p.trigger === 'change'), what);
  const f1 = await forks();
  const c1 = await cpu(w.p.pid);
  perf.kill('SIGINT');
  await new Promise((r) => perf.on('exit', r));
  const execs = Number(/^(\d+),/m.exec(perfOut)?.[1] ?? NaN);
  const p = w.passes.slice(from).find((x) => x.trigger === 'change');
  const ap = w.applied.find((a) => a.pass === p.pass);
  return { what, ms: p.ms, edit: ap ? ap.time - t0 : NaN, result: p.result, processes: f1 - f0, execs, cpu: c1 - c0, changes: p.changes };
}

/** Bytes of the hosts files on disk: each container's own (a link counts nothing) and the shared ones. */
async function hostsBytes(sb) {
  const r = await sb.run('sh', ['-c', "find /etc/netns -type f \\( -name hosts -o -path '*/.hosts/*' \\) -exec cat {} + | wc -c"]);
  return Number(r.stdout.trim());
}

const rss = async (pid) => {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
  return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
};

const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const med = (xs) => (xs.length ? median(xs) : NaN);

async function runSize(n) {
  N = n;
  const work = await mkdtemp(join(tmpdir(), 'nk-bench-events-'));
  const sb = await startSandbox();
  try {
    const dir = await setup(work);
    const t0 = performance.now();
    const w = startWatcher(sb, dir, join(work, 'run'), 300);
    await waitFor(() => w.passes.length >= 1, 'the first pass');
    console.log(
      `\n${N} containers over two networks: first pass ${w.passes[0].result} in ${((performance.now() - t0) / 1000).toFixed(1)} s (load ${loadavg()[0].toFixed(1)})`,
    );
    console.log(`hosts files on disk: ${await hostsBytes(sb)} bytes`);
    const ev = await resyncs(w);
    const healed = await heals(sb);
    const changes = [];
    for (let r = 0; r < CHANGES; r++) {
      changes.push(
        await change(w, 'one container added', () => writeFile(join(dir, `c${N}.yaml`), container(N))),
        await change(w, 'one container removed', () => rm(join(dir, `c${N}.yaml`))),
        await change(w, 'one port moved', () => writeFile(join(dir, 'c0.yaml'), container(0, r % 2 ? 8080 : 8081))),
      );
    }
    const mem = await rss(w.p.pid);
    await stop(w);
    const b = startWatcher(sb, dir, join(work, 'run-b'), 3);
    await waitFor(() => b.passes.length >= 1, 'the baseline first pass');
    const base = await resyncs(b);
    await stop(b);
    const ms = (xs) => xs.map((p) => p.ms);
    const cpus = (xs) => xs.map((p) => p.cpuUsed);
    console.log(
      `no-change resync (median of ${RESYNCS}): ${median(ms(ev))} ms, CPU ${f2(med(cpus(ev)))} s with events + audit; ${median(ms(base))} ms, CPU ${f2(med(cpus(base)))} s reading every namespace (baseline, same run): ${(median(ms(base)) / median(ms(ev))).toFixed(1)}x`,
    );
    console.log(`  all: events ${ms(ev).join(', ')} ms; baseline ${ms(base).join(', ')} ms`);
    for (const [kind, xs] of Object.entries(healed))
      if (xs.length)
        console.log(
          `drift → healed (${kind === 'flush' ? 'flushed address' : 'deleted veth'}, resync 300 s away): median ${f0(median(xs))} ms, worst ${f0(Math.max(...xs))} ms (${xs.map(f0).join(', ')})`,
        );
    console.log(`  baseline: healed only by the next resync: on average interval/2 + ${median(ms(base))} ms (30 s default interval: ~15 s)`);
    for (const c of changes)
      console.log(
        `${c.what}: file written → kernel changed ${f0(c.edit)} ms; watcher pass ${c.ms} ms (${c.result}), watcher CPU ${c.cpu.toFixed(2)} s, ${c.execs} programs run by the watcher, ${c.processes} processes started on the machine meanwhile; changes ${JSON.stringify(c.changes)}`,
      );
    console.log(`watcher RSS: peak ${f0(mem.peak)} MB (the converge included), ${f0(mem.now)} MB at the end`);
    const by = (what) => changes.filter((c) => c.what === what).map((c) => c.edit);
    return {
      n: N,
      resync: median(ms(ev)),
      resyncCpu: med(cpus(ev)),
      base: median(ms(base)),
      baseCpu: med(cpus(base)),
      flush: med(healed.flush),
      veth: med(healed.veth),
      add: med(by('one container added')),
      remove: med(by('one container removed')),
      move: med(by('one port moved')),
      peak: mem.peak,
    };
  } finally {
    await sb.stop();
    await rm(work, { recursive: true, force: true });
  }
}

const load0 = loadavg();
const rows = [];
for (const n of SIZES) rows.push(await runSize(n));
const load1 = loadavg();
console.log(
  `\nload average: ${load0.map((x) => x.toFixed(1)).join(' ')} at the start, ${load1.map((x) => x.toFixed(1)).join(' ')} at the end (2 cores: above 2, the milliseconds are a loaded machine's)`,
);
console.log(`medians: ${RESYNCS} resyncs, ${HEALS} heals (alternately a flushed address and a deleted veth), ${CHANGES} round(s) of changes`);
console.log(
  '| containers | no-change resync: events + audit / every namespace (CPU) | drift → healed: flushed address, deleted veth | file → kernel: add one, remove one, move one port | watcher peak RSS |',
);
console.log('|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.n} | ${f0(r.resync)} ms (${f2(r.resyncCpu)} s) / ${f0(r.base)} ms (${f2(r.baseCpu)} s) = **${(r.base / r.resync).toFixed(1)}×** less | ${f0(r.flush)} ms, ${f0(r.veth)} ms | ${f0(r.add)} ms, ${f0(r.remove)} ms, ${f0(r.move)} ms | ${f0(r.peak)} MB |`,
  );
