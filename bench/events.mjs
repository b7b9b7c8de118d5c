// Event-driven watch mode (issue 16 items 1 and 3), in a private sandbox
// (bench/sandbox.mjs). N containers over two networks, one watcher:
//  1. resync: the duration of a no-change resync pass ('pass done' ms), R of them at
//     --interval 3, with kernel events and the rolling audit (--audit 300: every
//     namespace read within 5 min, N*3/300 namespaces per resync), beside the same
//     watcher with --audit 3 (every namespace read on every resync: what each resync
//     cost before) in the same run;
//  2. drift → healed: `ip addr flush` inside a container, clock stopped when
//     `ip monitor address` inside it prints the address back; H rounds (the resync is
//     300 s away, so only an event can heal it);
//  3. one container added / removed, one port moved: the watcher's pass after the
//     file change ('pass done' ms) and the processes started meanwhile (all
//     descendants of the sandbox, counted from /proc's fork counter).
// Usage: npm run build && node bench/events.mjs [containers=200] [resyncs=5] [heals=5]
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox } from './sandbox.mjs';

const N = Number(process.argv[2] ?? 200);
const RESYNCS = Number(process.argv[3] ?? 5);
const HEALS = Number(process.argv[4] ?? 5);
const CLI = resolve('dist/cli.js');
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

function startWatcher(sb, dir, runDir, audit) {
  const passes = [];
  const p = bg(
    sb,
    ['env', `NETKEEPER_RUN_DIR=${runDir}`, process.execPath, CLI, 'reconcile', '--dir', dir, '--interval', '3', '--audit', String(audit)],
    (l, t) => {
      if (!l.startsWith('{')) return;
      const j = JSON.parse(l);
      if (j.msg === 'pass done') passes.push({ ...j, at: t });
      else if (j.level >= 40) console.log('  watcher:', l.slice(0, 300));
    },
  );
  return { p, passes };
}

async function stop(w) {
  w.p.kill('SIGTERM');
  await new Promise((r) => (w.p.exitCode !== null ? r() : w.p.on('exit', r)));
}

async function resyncs(w) {
  const from = w.passes.length;
  await waitFor(() => w.passes.slice(from).filter((p) => p.trigger === 'resync').length >= RESYNCS, 'resyncs');
  return w.passes
    .slice(from)
    .filter((p) => p.trigger === 'resync')
    .map((p) => p.ms);
}

async function heals(sb) {
  const out = [];
  for (let k = 0; k < HEALS; k++) {
    const c = `c${(k * 37) % N}`;
    const addr = (await sb.run('ip', ['-n', c, '-br', '-4', 'addr', 'show', 'dev', 'eth0'])).stdout.trim().split(/\s+/)[2];
    let back;
    const mon = bg(sb, ['ip', '-n', c, '-o', 'monitor', 'address'], (l, t) => {
      if (!l.startsWith('Deleted') && l.includes(`inet ${addr}`)) back ??= t;
    });
    await sleep(200);
    const t0 = performance.now();
    await sb.run('ip', ['-n', c, 'addr', 'flush', 'dev', 'eth0']);
    await waitFor(() => back !== undefined, `${addr} back in ${c}`, 60_000);
    out.push(back - t0);
    mon.kill('SIGKILL');
    await sleep(1500); // the heal's own echo settles
  }
  return out;
}

/** CPU seconds of the watcher and the children it reaped (utime, stime, cutime, cstime; 100 ticks a second). */
async function cpu(pid) {
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
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
  await fn();
  await waitFor(() => w.passes.slice(from).some((p) => p.trigger === 'change'), what);
  const f1 = await forks();
  const c1 = await cpu(w.p.pid);
  perf.kill('SIGINT');
  await new Promise((r) => perf.on('exit', r));
  const execs = Number(/^(\d+),/m.exec(perfOut)?.[1] ?? NaN);
  const p = w.passes.slice(from).find((x) => x.trigger === 'change');
  return { what, ms: p.ms, result: p.result, processes: f1 - f0, execs, cpu: c1 - c0, changes: p.changes };
}

/** Bytes of the hosts files on disk: each container's own (a link counts nothing) and the shared ones. */
async function hostsBytes(sb) {
  const r = await sb.run('sh', ['-c', "find /etc/netns -type f \\( -name hosts -o -path '*/.hosts/*' \\) -exec cat {} + | wc -c"]);
  return Number(r.stdout.trim());
}

const work = await mkdtemp(join(tmpdir(), 'nk-bench-events-'));
const sb = await startSandbox();
try {
  const dir = await setup(work);
  const t0 = performance.now();
  const w = startWatcher(sb, dir, join(work, 'run'), 300);
  await waitFor(() => w.passes.length >= 1, 'the first pass');
  console.log(`${N} containers over two networks: first pass ${w.passes[0].result} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`hosts files on disk: ${await hostsBytes(sb)} bytes`);
  const ev = await resyncs(w);
  const healed = await heals(sb);
  const changes = [
    await change(w, 'one container added', () => writeFile(join(dir, `c${N}.yaml`), container(N))),
    await change(w, 'one container removed', () => rm(join(dir, `c${N}.yaml`))),
    await change(w, 'one port moved', () => writeFile(join(dir, 'c0.yaml'), container(0, 8081))),
  ];
  await stop(w);
  const b = startWatcher(sb, dir, join(work, 'run-b'), 3);
  await waitFor(() => b.passes.length >= 1, 'the baseline first pass');
  const base = await resyncs(b);
  await stop(b);
  console.log(
    `no-change resync (median of ${RESYNCS}): ${median(ev)} ms with events + audit; ${median(base)} ms reading every namespace (baseline, same run): ${(median(base) / median(ev)).toFixed(1)}x`,
  );
  console.log(`  all: events ${ev.join(', ')} ms; baseline ${base.join(', ')} ms`);
  console.log(
    `drift → healed (flushed address, resync 300 s away): median ${median(healed).toFixed(0)} ms, worst ${Math.max(...healed).toFixed(0)} ms (${healed.map((x) => x.toFixed(0)).join(', ')})`,
  );
  console.log(`  baseline: healed only by the next resync: on average interval/2 + ${median(base)} ms (30 s default interval: ~15 s)`);
  for (const c of changes)
    console.log(
      `${c.what}: watcher pass ${c.ms} ms (${c.result}), watcher CPU ${c.cpu.toFixed(2)} s, ${c.execs} programs run by the watcher, ${c.processes} processes started on the machine meanwhile; changes ${JSON.stringify(c.changes)}`,
    );
} finally {
  await sb.stop();
  await rm(work, { recursive: true, force: true });
}
