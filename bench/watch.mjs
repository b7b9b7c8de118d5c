// Watch-mode benchmark (issue 5), in a private sandbox (bench/sandbox.mjs):
//  1. latency: a file edit → the change seen in the kernel. The running watcher
//     (`netkeeper reconcile --dir D`) serves N containers; each of E edits moves
//     container c0 to a new fixed address; the clock starts just before the file
//     is written and stops when `ip monitor address` inside c0 prints the new
//     address. Includes the 300 ms debounce. Median and worst over E edits.
//  2. memory: the watcher's RSS (VmRSS of its pid) over P resync passes at a small
//     --interval (an hour at the default 30 s is 120 resyncs), sampled every P/10
//     passes, plus one pass of real work every 10 passes (a container arrives or
//     leaves); growth after warm-up.
//     At each sample, a preloaded probe (bench/watch-probe.cjs) also runs a full GC
//     and reports the live heap: RSS moves with V8's and malloc's sizing, a leak
//     shows as live heap that keeps growing.
// Usage: npm run build && node bench/watch.mjs [edits=50] [passes=500] [containers=10]
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox } from './sandbox.mjs';

const EDITS = Number(process.argv[2] ?? 50);
const PASSES = Number(process.argv[3] ?? 500);
const N = Number(process.argv[4] ?? 10);
const CLI = resolve('dist/cli.js');

const probes = [];
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const pct = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor((a.length * p) / 100))];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** a background process inside the sandbox; lines of stdout/stderr go to onLine */
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

async function waitFor(pred, what, timeoutMs = 30_000) {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const container = (name, ip) => `kind: Container\nname: ${name}\nnetworks:\n  - network: bench\n${ip ? `    ip: ${ip}\n` : ''}`;

async function setup(work) {
  const dir = join(work, 'networks.d');
  await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
  await writeFile(join(dir, 'network.yaml'), 'kind: Network\nname: bench\ninterface: br-bench\nsubnets:\n  - subnet: 10.90.0.0/24\n');
  await writeFile(join(dir, 'c0.yaml'), container('c0', '10.90.0.100'));
  for (let i = 1; i < N; i++) await writeFile(join(dir, `c${i}.yaml`), container(`c${i}`));
  return dir;
}

const PROBE = resolve('bench/watch-probe.cjs');

function startWatcher(sb, dir, runDir, interval, passes, probe = false) {
  const lines = [];
  const node = probe ? [process.execPath, '--expose-gc', '-r', PROBE] : [process.execPath];
  const p = bg(sb, ['env', `NETKEEPER_RUN_DIR=${runDir}`, ...node, CLI, 'reconcile', '--dir', dir, '--interval', String(interval)], (l, t) => {
    if (!l.startsWith('{')) return;
    const j = JSON.parse(l);
    if (j.memprobe) return void probes.push(j);
    if (j.msg === 'pass done') passes.push({ ...j, at: t });
    lines.push(j);
  });
  return { p, lines };
}

async function stopWatcher(w) {
  w.p.kill('SIGTERM');
  await new Promise((r) => (w.p.exitCode !== null ? r() : w.p.on('exit', r)));
}

async function latency(sb, work) {
  const dir = await setup(work);
  const passes = [];
  const w = startWatcher(sb, dir, join(work, 'run-lat'), 3600, passes);
  await waitFor(() => passes.length >= 1, 'the first pass');
  if (passes[0].result !== 'applied') throw new Error(`first pass: ${JSON.stringify(passes[0])}`);
  const seen = []; // [address, time]
  const mon = bg(sb, ['ip', '-n', 'c0', '-o', 'monitor', 'address'], (l, t) => {
    const m = /inet (10\.90\.0\.\d+)\/24/.exec(l);
    if (m && !l.startsWith('Deleted')) seen.push([m[1], t]);
  });
  await sleep(300);
  const ms = [];
  const passMs = [];
  for (let k = 0; k < EDITS; k++) {
    const ip = `10.90.0.${101 + (k % 100)}`;
    const donePasses = passes.length;
    const t0 = performance.now();
    await writeFile(join(dir, 'c0.yaml'), container('c0', ip));
    await waitFor(() => seen.some(([a, t]) => a === ip && t >= t0), `address ${ip}`);
    ms.push(seen.find(([a, t]) => a === ip && t >= t0)[1] - t0);
    await waitFor(() => passes.length > donePasses, 'the pass to end');
    passMs.push(passes.at(-1).ms);
    await sleep(50);
  }
  mon.kill('SIGKILL');
  await stopWatcher(w);
  await rm(dir, { recursive: true, force: true });
  return { ms, passMs };
}

async function rss(pid) {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(s)[1]) / 1024;
}

async function memory(sb, work) {
  const dir = await setup(work);
  const passes = [];
  const w = startWatcher(sb, dir, join(work, 'run-mem'), 0.02, passes, true);
  const samples = [];
  const every = Math.max(1, Math.floor(PASSES / 10));
  let next = every;
  let edit = 0;
  const t0 = performance.now();
  while (passes.length < PASSES) {
    await sleep(10);
    // one pass in ten has real work: a container arrives, or leaves again
    if (passes.length >= edit * 10 + 5) {
      edit++;
      if (edit % 2) await writeFile(join(dir, 'extra.yaml'), container('extra'));
      else await rm(join(dir, 'extra.yaml'), { force: true });
    }
    if (passes.length >= next) {
      const sample = { passes: passes.length, rssMb: await rss(w.p.pid) };
      const before = probes.length;
      w.p.kill('SIGUSR2');
      await waitFor(() => probes.length > before, 'the memory probe');
      samples.push({ ...sample, heapMb: probes.at(-1).heapUsedMb });
      next += every;
    }
  }
  const wall = performance.now() - t0;
  const failed = passes.filter((p) => !['in-sync', 'applied'].includes(p.result)).length;
  const applied = passes.filter((p) => p.result === 'applied').length;
  await stopWatcher(w);
  await rm(dir, { recursive: true, force: true });
  const odd = passes.filter((p) => !['in-sync', 'applied'].includes(p.result)).slice(0, 3);
  if (odd.length) console.log('  passes not in sync, e.g.:', JSON.stringify(odd));
  const warnings = w.lines.filter((l) => l.level >= 40).slice(0, 3);
  if (warnings.length) console.log('  warnings, e.g.:', JSON.stringify(warnings).slice(0, 2000));
  return { samples, wall, failed, applied, passMs: passes.map((p) => p.ms) };
}

const work = await mkdtemp(join(tmpdir(), 'nk-bench-watch-'));
const sb = await startSandbox();
try {
  const lat = await latency(sb, work);
  console.log(`edit → kernel latency over ${EDITS} edits (${N} containers; includes the 300 ms debounce):`);
  console.log(
    `  median ${median(lat.ms).toFixed(0)} ms, p90 ${pct(lat.ms, 90).toFixed(0)} ms, worst ${Math.max(...lat.ms).toFixed(0)} ms, best ${Math.min(...lat.ms).toFixed(0)} ms`,
  );
  console.log(`  pass duration (read files, observe, apply, verify): median ${median(lat.passMs)} ms, worst ${Math.max(...lat.passMs)} ms`);
  const mem = await memory(sb, work);
  console.log(
    `watcher RSS over ${PASSES} passes at --interval 0.02 (${mem.applied} with changes, ${mem.failed} not in sync; ${(mem.wall / 1000).toFixed(1)} s):`,
  );
  console.log('  RSS:       ' + mem.samples.map((s) => `${s.passes}: ${s.rssMb.toFixed(0)}`).join(', ') + ' MB');
  console.log('  live heap: ' + mem.samples.map((s) => `${s.passes}: ${s.heapMb.toFixed(1)}`).join(', ') + ' MB (after a full GC)');
  const warm = mem.samples.slice(1);
  const sign = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
  console.log(
    `  after warm-up (pass ${warm[0].passes} → ${warm.at(-1).passes}): RSS ${sign(warm.at(-1).rssMb - warm[0].rssMb)} MB (max ${Math.max(...warm.map((s) => s.rssMb)).toFixed(0)}), ` +
      `live heap ${sign(warm.at(-1).heapMb - warm[0].heapMb)} MB; pass median ${median(mem.passMs)} ms`,
  );
} finally {
  await sb.stop();
  await rm(work, { recursive: true, force: true });
}
