// Issue 16: what loading N containers' files costs with the config cache
// (src/shell/config-cache.ts), each case in a fresh Node process as a `--once` would be:
//   parse      parseConfig with no cache (the loader before the cache)
//   cold       through the cache, nothing on disk (parses, then writes the cache)
//   disk       the same bytes again: the validated Config from <run dir>/cache
//   add-one    one document added to the file: the other chunks from disk, one parsed
//   memory     the watcher's case: the same bytes a second time in one process
// Reported per case: the load's wall ms and the process's CPU ms during it (medians of R).
// Usage: npm run build && node bench/config-cache.mjs [containers=1000] [rounds=5]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const N = Number(process.argv[2] ?? 1000);
const R = Number(process.argv[3] ?? 5);
const DIST = resolve(import.meta.dirname, '../dist');

if (process.argv[2] === 'child') {
  const [, , , mode, file, run] = process.argv;
  const { readFileSync } = await import('node:fs');
  const { parseConfig } = await import(join(DIST, 'config/index.js'));
  const { ConfigCache } = await import(join(DIST, 'shell/config-cache.js'));
  let text = readFileSync(file, 'utf8');
  if (mode === 'add-one') text += '---\nkind: Container\nname: added\nnetworks:\n  - network: a\n    ip: 10.88.250.250\n';
  const files = [{ path: 'networks.d/bench.yaml', text }];
  const cache = new ConfigCache(run);
  if (mode === 'memory') await cache.parse(files);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = mode === 'parse' ? parseConfig(files) : await cache.parse(files);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  if (!r.ok) throw new Error('the bench config does not validate');
  console.log(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, stats: cache.lastStats }));
  process.exit(0);
}

function ip4(i) {
  const k = Math.floor(i / 2) + 10;
  return `10.${i % 2 === 0 ? 88 : 89}.${Math.floor(k / 256)}.${k % 256}`;
}
const work = mkdtempSync(join(tmpdir(), 'nk-cc-bench-'));
const docs = [
  'kind: Network\nname: a\ninterface: br-a\nsubnets:\n  - subnet: 10.88.0.0/16\n    gateway: 10.88.0.1\n',
  'kind: Network\nname: b\ninterface: br-b\nsubnets:\n  - subnet: 10.89.0.0/16\n    gateway: 10.89.0.1\n',
];
for (let i = 0; i < N; i++)
  docs.push(`kind: Container\nname: c${i}\nnetworks:\n  - network: ${i % 2 === 0 ? 'a' : 'b'}\n    ip: ${ip4(i)}\nports:\n  - "${20000 + i}:80"\n`);
const file = join(work, 'bench.yaml');
writeFileSync(file, docs.join('---\n'));

const child = (mode, run) => {
  const p = spawnSync(process.execPath, [import.meta.filename, 'child', mode, file, run], { encoding: 'utf8' });
  if (p.status !== 0) throw new Error(p.stderr);
  return JSON.parse(p.stdout);
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = {};
try {
  for (let r = 0; r < R; r++) {
    const run = join(work, `run${r}`);
    for (const mode of ['parse', 'cold', 'disk', 'add-one', 'memory']) {
      if (mode === 'cold') rmSync(run, { recursive: true, force: true });
      const x = child(mode, run);
      (out[mode] ??= []).push(x);
    }
  }
  for (const [mode, xs] of Object.entries(out))
    console.log(
      JSON.stringify({
        containers: N,
        mode,
        ms: Math.round(median(xs.map((x) => x.ms))),
        cpuMs: Math.round(median(xs.map((x) => x.cpuMs))),
        config: xs[0].stats?.config,
        parsed: xs[0].stats?.parsed,
        hits: xs[0].stats?.hits,
      }),
    );
  console.log(
    JSON.stringify({
      load: loadavg()
        .map((l) => l.toFixed(1))
        .join(' '),
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
