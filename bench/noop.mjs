// Issue 16 §2: what a no-op `reconcile --once` costs, for one or more builds side by side
// in the same sandbox state. N containers over two bridges (half on each, one published
// port each, as bench/scale.mjs), converged once; then R rounds of a no-op pass with each
// CLI given, alternating. Per pass: wall time, CPU time of every descendant
// (`perf stat -e task-clock`, which follows the readers, ip, iptables-save too), and
// programs executed (`sched:sched_process_exec`, including node itself).
//
// Usage: npm run build && node bench/noop.mjs [containers=1000] [rounds=2] [cli=dist/cli.js ...]
//   e.g. node bench/noop.mjs 1000 2 /path/to/old/dist/cli.js dist/cli.js   (before / after)
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox } from './sandbox.mjs';

const N = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 2);
const CLIS = (process.argv.length > 4 ? process.argv.slice(4) : ['dist/cli.js']).map((c) => resolve(c));
const work = await mkdtemp(join(tmpdir(), 'nk-noop-'));

function ip4(i) {
  const k = Math.floor(i / 2) + 10;
  return `10.${i % 2 === 0 ? 88 : 89}.${Math.floor(k / 256)}.${k % 256}`;
}
const docs = [
  'kind: Network\nname: a\ninterface: br-a\nsubnets:\n  - subnet: 10.88.0.0/16\n    gateway: 10.88.0.1\n',
  'kind: Network\nname: b\ninterface: br-b\nsubnets:\n  - subnet: 10.89.0.0/16\n    gateway: 10.89.0.1\n',
];
for (let i = 0; i < N; i++)
  docs.push(`kind: Container\nname: c${i}\nnetworks:\n  - network: ${i % 2 === 0 ? 'a' : 'b'}\n    ip: ${ip4(i)}\nports:\n  - "${20000 + i}:80"\n`);
await writeFile(join(work, 'bench.yaml'), docs.join('---\n'));

function pass(sb, cli) {
  const perfOut = join(work, `perf-${Math.random().toString(36).slice(2)}`);
  const argv = ['-t', String(sb.pid), '-n', '-m', '--', 'perf', 'stat', '-x,', '-o', perfOut, '-e', 'sched:sched_process_exec', '-e', 'task-clock', '--'];
  argv.push('node', cli, 'reconcile', '--once', '--dir', work, '--log-level', 'warn');
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const p = spawn('nsenter', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', async (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) return rej(new Error(`${cli}: exit ${code}\n${out.slice(0, 2000)}`));
      const perf = await readFile(perfOut, 'utf8');
      const cpuMs = Math.round(Number(/^([\d.]+),[^\n]*task-clock/m.exec(perf)?.[1]));
      const execs = Number(/^(\d+),[^\n]*sched_process_exec/m.exec(perf)?.[1]);
      res({ ms: Math.round(ms), cpuMs, execs, load: loadavg()[0].toFixed(1), last: out.trim().split('\n').pop() });
    });
  });
}

const sb = await startSandbox();
try {
  process.stderr.write(`noop: converging ${N} containers...\n`);
  await pass(sb, CLIS[CLIS.length - 1]);
  for (let r = 0; r < ROUNDS; r++)
    for (const cli of CLIS) {
      const x = await pass(sb, cli);
      console.log(JSON.stringify({ containers: N, cli, ...x }));
    }
} finally {
  await sb.stop();
  await rm(work, { recursive: true, force: true });
}
