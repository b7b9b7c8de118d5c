// Issue 13 benchmark: what recording the rollback (the before image of what a pass
// changes, src/plan/reverse.ts, written to <run dir>/rollback.json) costs, on
// passes of N containers on one bridge:
//  - converge: from nothing (everything is created: the image holds only absences);
//  - change: every container's address moves (each container's objects changed);
//  - remove: every container goes (deletes: the image holds each namespace's contents).
// Each pass runs with --log-level debug; the pass's own figures are read from its log:
// `rollback recorded` (computing the image + writing the record) against the pass's
// total (`pass done`), so the ratio is measured inside the same pass. The same
// passes with --no-rollback give the end-to-end ratio (noisier on a loaded machine).
// Usage: node bench/rollback.mjs [N=200] [runs=1]
import { mkdtemp, writeFile, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox, timed } from './sandbox.mjs';

const N = Number(process.argv[2] ?? 200);
const RUNS = Number(process.argv[3] ?? 1);
const CLI = resolve('dist/cli.js');

const ip4 = (i, base) => {
  const n = base + i;
  return `10.88.${Math.floor(n / 256)}.${n % 256}`;
};

async function writeDir(root, name, base, count) {
  const dir = join(root, name);
  await mkdir(dir);
  const docs = [`kind: Network\nname: bench\ninterface: br-bench\nsubnets:\n  - subnet: 10.88.0.0/16\n    gateway: 10.88.0.1\n`];
  for (let i = 0; i < count; i++) docs.push(`kind: Container\nname: c${i}\nnetworks:\n  - network: bench\n    ip: ${ip4(i, base)}\n`);
  await writeFile(join(dir, 'bench.yaml'), docs.join('---\n'));
  await writeFile(join(dir, 'settings.yaml'), 'kind: Settings\niptables: false\n');
  return dir;
}

/** One pass: wall ms, and from its debug log the record's ms and the pass's ms. */
async function pass(sb, dir, extra = []) {
  const t = await timed(() => sb.run('node', [CLI, 'reconcile', '--once', '--allow-empty', '--dir', dir, '--log-level', 'debug', ...extra]));
  if (t.r.code !== 0) throw new Error(`exit ${t.r.code}: ${t.r.stderr.slice(-2000)}`);
  const lines = t.r.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  const rec = lines.find((l) => l.msg === 'rollback recorded');
  const done = lines.find((l) => l.msg === 'pass done');
  return { wall: t.ms, recordMs: rec?.ms ?? 0, keys: rec?.keys ?? 0, passMs: done?.ms ?? t.ms };
}

const root = await mkdtemp(join(tmpdir(), 'nk-bench-rb-'));
const A = await writeDir(root, 'a', 10, N);
const B = await writeDir(root, 'b', 10 + N + 10, N); // every address moves
const E = join(root, 'empty');
await mkdir(E);
await writeFile(join(E, 'settings.yaml'), 'kind: Settings\niptables: false\n');
const out = [];
try {
  for (let r = 0; r < RUNS; r++) {
    for (const rollback of [true, false]) {
      const sb = await startSandbox();
      try {
        const extra = rollback ? [] : ['--no-rollback'];
        out.push({ rollback, what: 'converge', ...(await pass(sb, A, extra)) });
        out.push({ rollback, what: 'change', ...(await pass(sb, B, extra)) });
        out.push({ rollback, what: 'remove', ...(await pass(sb, E, extra)) });
      } finally {
        await sb.stop();
      }
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
console.log(JSON.stringify({ containers: N, runs: RUNS, samples: out }, null, 1));
for (const what of ['converge', 'change', 'remove']) {
  const on = out.filter((s) => s.rollback && s.what === what);
  const off = out.filter((s) => !s.rollback && s.what === what);
  const sum = (a, k) => a.reduce((n, s) => n + s[k], 0);
  const rec = sum(on, 'recordMs') / on.length;
  const passMs = sum(on, 'passMs') / on.length;
  console.log(
    `${what.padEnd(8)} ${N} containers: record ${rec.toFixed(0)} ms of a ${passMs.toFixed(0)} ms pass = ${((100 * rec) / passMs).toFixed(1)} % ` +
      `(${Math.round(sum(on, 'keys') / on.length)} keys); wall with/without rollback ${(sum(on, 'wall') / sum(off, 'wall')).toFixed(2)}×`,
  );
}
