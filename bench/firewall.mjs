// Issue 3 benchmark: published ports at scale, in private sandboxes (bench/sandbox.mjs).
//
// N containers (default 200) on 4 nat networks, P published ports each (default 5:
// three tcp, two udp; host ports 20000+), all on 0.0.0.0 — 1000 DNAT rules. Per run
// and per iptables backend (nft, legacy):
//  1. converge: `netkeeper reconcile --once` from nothing, with `--log-level trace`,
//     whose `exec` lines carry the argv and wall time of every process netkeeper
//     started: the firewall's share is the iptables-restore processes (writes) and
//     iptables-save processes (reads) among them.
//  2. the per-rule way, in a fresh sandbox: the very rules netkeeper installed
//     (read back with iptables-save: every NK-* chain, every rule in it, every
//     commented jump), installed with one `iptables` process per rule — `-N` per
//     chain, `-A` per rule, as Docker does — from one bash script (no node overhead).
//  3. no-op: `reconcile --once` again: asserts from the trace that no
//     iptables-restore ran (no chain rewritten).
//  4. one port changed (c0's first tcp port, host 20000 → 29999): `plan --json`
//     must change exactly one chain key (the NK-PORTS-<bridge> chain of c0's
//     network) and nothing else; then `reconcile --once` applies it, timed, with
//     exactly one iptables-restore.
// Prints medians over the runs and the ratios. Usage:
//   npm run build && node bench/firewall.mjs [containers=200] [portsEach=5] [runs=5] [backends=nft,legacy]
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox, timed } from './sandbox.mjs';

const N = Number(process.argv[2] ?? 200);
const P = Number(process.argv[3] ?? 5);
const RUNS = Number(process.argv[4] ?? 5);
const BACKENDS = (process.argv[5] ?? 'nft,legacy').split(',');
const NETS = 4;
const CLI = resolve('dist/cli.js');
const BASE_PORT = 20000;
const MOVED_TO = 29999;
const CPORTS = ['80/tcp', '443/tcp', '53/udp', '8080/tcp', '5353/udp'];

/**
 * A command inside the sandbox; stdin closed unless input is given (sandbox.mjs's run()
 * always writes to stdin, and a command that exits without reading it gets EPIPE thrown
 * unhandled).
 */
function run(sb, cmd, args = [], input) {
  return new Promise((res, rej) => {
    const p = spawn('nsenter', ['-t', String(sb.pid), '-n', '-m', '--', cmd, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (input !== undefined) {
      p.stdin.on('error', () => {});
      p.stdin.end(input);
    }
    let stdout = '',
      stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', rej);
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

const netOf = (i) => Math.floor((i * NETS) / N);
const bridgeOf = (n) => `br-fw${n}`;
const ipOf = (i) => `10.90.${netOf(i)}.${10 + (i - Math.ceil((netOf(i) * N) / NETS))}`;

async function writeDir(dir, moved) {
  await mkdir(dir, { recursive: true });
  const docs = [];
  for (let n = 0; n < NETS; n++) docs.push(`kind: Network\nname: fw${n}\ninterface: ${bridgeOf(n)}\nsubnets:\n  - subnet: 10.90.${n}.0/24\n`);
  for (let i = 0; i < N; i++) {
    const ports = [];
    for (let k = 0; k < P; k++) {
      const [cport, proto] = CPORTS[k % CPORTS.length].split('/');
      const host = moved && i === 0 && k === 0 ? MOVED_TO : BASE_PORT + i * P + k;
      ports.push(`"${host}:${cport}${proto === 'udp' ? '/udp' : ''}"`);
    }
    docs.push(`kind: Container\nname: c${i}\nnetworks:\n  - network: fw${netOf(i)}\n    ip: ${ipOf(i)}\nports: [${ports.join(', ')}]\n`);
  }
  await writeFile(join(dir, 'bench.yaml'), docs.join('---\n'));
}

/** PATH holding iptables{,-save,-restore} and ip6tables… of one backend, inside the sandbox. */
async function useBackend(sb, backend) {
  const bin = `/run/netkeeper/${backend}-bin`;
  const r = await run(sb, 'sh', [
    '-c',
    `set -e; mkdir -p ${bin}; for t in iptables ip6tables; do for s in '' -save -restore; do ln -sf /usr/sbin/$t-${backend}$s ${bin}/$t$s; done; done; PATH=${bin}:$PATH iptables --version`,
  ]);
  if (r.code !== 0 || !r.stdout.includes(backend === 'nft' ? 'nf_tables' : 'legacy')) throw new Error(`backend ${backend}: ${r.stdout}${r.stderr}`);
  return `PATH=${bin}:/usr/sbin:/usr/bin:/sbin:/bin`;
}

/** `netkeeper ARGS` in the sandbox with trace logs: wall time, exit code, stdout and every process it ran. */
async function netkeeper(sb, path, dir, ...args) {
  const t = await timed(() => run(sb, 'env', [path, process.execPath, CLI, ...args, '--dir', dir, '--log-level', 'trace']));
  const execs = [];
  for (const line of t.r.stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const j = JSON.parse(line);
    if (j.msg === 'exec') execs.push({ argv: j.argv, ms: j.ms });
    else if (j.level >= 40) console.error(`  netkeeper ${args[0]}: ${j.msg}`);
  }
  return { ms: t.ms, code: t.r.code, stdout: t.r.stdout, stderr: t.r.stderr, execs };
}

const isRestore = (e) => e.argv.some((a) => /(^|\/)ip6?tables-restore$/.test(a));
const isSave = (e) => e.argv.some((a) => /(^|\/)ip6?tables-save$/.test(a));
const sum = (xs) => xs.reduce((a, x) => a + x, 0);
function fwShare(execs) {
  const w = execs.filter(isRestore);
  const r = execs.filter(isSave);
  return { processes: execs.length, restores: w.length, restoreMs: sum(w.map((e) => e.ms)), saves: r.length, saveMs: sum(r.map((e) => e.ms)) };
}

function expectOk(res, what, codes = [0]) {
  if (!codes.includes(res.code)) throw new Error(`${what}: exit ${res.code}\n${res.stderr.slice(-3000)}`);
}

/** netkeeper's rules as the kernel has them: per table, NK-* chains with their rules, and the commented jumps. */
async function ownedRules(sb, path) {
  const r = await run(sb, 'env', [path, 'iptables-save']);
  if (r.code !== 0) throw new Error(`iptables-save: ${r.stderr}`);
  const tables = [];
  let t;
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('*')) tables.push((t = { table: line.slice(1), chains: [], rules: [], hooks: [] }));
    else if (line.startsWith(':NK-')) t.chains.push(line.slice(1).split(' ')[0]);
    else if (line.startsWith('-A NK-')) t.rules.push(line.slice(3));
    else if (line.startsWith('-A ') && / --comment "?netkeeper"? /.test(line)) t.hooks.push(line.slice(3));
  }
  return tables.filter((x) => x.chains.length > 0);
}

const q = (w) => (/^[A-Za-z0-9_@%+=:,./!-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** The same rules, one iptables process each (chains first, then their rules, then the jumps). */
function perRuleScript(tables) {
  const lines = ['set -e'];
  for (const t of tables) for (const c of t.chains) lines.push(`iptables -w -t ${t.table} -N ${c}`);
  for (const t of tables) for (const r of t.rules) lines.push(`iptables -w -t ${t.table} -A ${r.split(' ').map(q).join(' ')}`);
  for (const t of tables) for (const h of t.hooks) lines.push(`iptables -w -t ${t.table} -A ${h.split(' ').map(q).join(' ')}`);
  return { script: lines.join('\n') + '\n', processes: lines.length - 1 };
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const r0 = (x) => Math.round(x);

async function runOnce(backend, dirs, sizes) {
  const out = {};
  // ---- netkeeper: converge, no-op, one port moved
  let sb = await startSandbox();
  try {
    const path = await useBackend(sb, backend);
    const conv = await netkeeper(sb, path, dirs.base, 'reconcile', '--once');
    expectOk(conv, 'converge');
    out.converge = { ms: conv.ms, ...fwShare(conv.execs) };
    const tables = await ownedRules(sb, path);
    sizes.tables = tables.map((t) => ({ table: t.table, chains: t.chains.length, rules: t.rules.length, jumps: t.hooks.length }));
    sizes.dnat = sum(tables.map((t) => t.rules.filter((r) => r.includes('-j DNAT')).length));
    out.tables = tables;

    const noop = await netkeeper(sb, path, dirs.base, 'reconcile', '--once');
    expectOk(noop, 'no-op');
    out.noop = { ms: noop.ms, ...fwShare(noop.execs) };
    if (out.noop.restores !== 0) throw new Error(`no-op pass ran ${out.noop.restores} iptables-restore`);

    const plan = await netkeeper(sb, path, dirs.moved, 'plan', '--json');
    expectOk(plan, 'plan --json (one port moved)', [2]);
    const pj = JSON.parse(plan.stdout);
    const keys = pj.changes.map((c) => `${c.action} ${c.key}`);
    const want = [`update chain:host/nat/NK-PORTS-${bridgeOf(0)}`];
    if (JSON.stringify(keys) !== JSON.stringify(want))
      throw new Error(`one port moved: plan changes ${JSON.stringify(keys)}, expected ${JSON.stringify(want)}`);
    const batches = pj.commands.iptables.flat();
    const declared = batches.flatMap((b) =>
      b.text
        .split('\n')
        .filter((l) => l.startsWith(':'))
        .map((l) => `${b.table} ${l.slice(1).split(' ')[0]}`),
    );
    sizes.changeKeys = keys;
    sizes.changeRestore = { batches: batches.length, declared, lines: sum(batches.map((b) => b.text.split('\n').length - 1)) };

    const change = await netkeeper(sb, path, dirs.moved, 'reconcile', '--once');
    expectOk(change, 'reconcile (one port moved)');
    out.change = { ms: change.ms, ...fwShare(change.execs) };
    if (out.change.restores !== 1) throw new Error(`one port moved: ${out.change.restores} iptables-restore, expected 1`);
  } finally {
    await sb.stop();
  }
  // ---- the per-rule way, in a fresh sandbox
  sb = await startSandbox();
  try {
    const path = await useBackend(sb, backend);
    const { script, processes } = perRuleScript(out.tables);
    // written to a file first (a 1000-line script is near the kernel's limit for one argument)
    const w = await run(sb, 'sh', ['-c', 'cat > /run/netkeeper/per-rule.sh'], script);
    if (w.code !== 0) throw new Error(`writing the per-rule script: ${w.stderr}`);
    const t = await timed(() => run(sb, 'env', [path, 'bash', '/run/netkeeper/per-rule.sh']));
    if (t.r.code !== 0) throw new Error(`per-rule script: ${t.r.stderr.slice(0, 2000)}`);
    out.perRule = { ms: t.ms, processes };
    // the same rule set read back equals netkeeper's
    const again = await ownedRules(sb, path);
    const canon = (ts) => JSON.stringify([...ts].sort((a, b) => a.table.localeCompare(b.table)));
    if (canon(again) !== canon(out.tables))
      throw new Error(`per-rule script did not produce the same rules:\n${canon(again).slice(0, 1500)}\n${canon(out.tables).slice(0, 1500)}`);
  } finally {
    await sb.stop();
  }
  delete out.tables;
  return out;
}

const work = await mkdtemp(join(tmpdir(), 'nk-fwbench-'));
const dirs = { base: join(work, 'base'), moved: join(work, 'moved') };
await writeDir(dirs.base, false);
await writeDir(dirs.moved, true);
const results = {};
const sizes = {};
const started = performance.now();
try {
  for (const backend of BACKENDS) {
    const runs = [];
    for (let r = 0; r < RUNS; r++) {
      const x = await runOnce(backend, dirs, sizes);
      console.error(
        `${backend} run ${r + 1}/${RUNS}: converge ${r0(x.converge.ms)} ms (restore ${r0(x.converge.restoreMs)} ms in ${x.converge.restores}), per-rule ${r0(x.perRule.ms)} ms in ${x.perRule.processes}, no-op ${r0(x.noop.ms)} ms, one port ${r0(x.change.ms)} ms`,
      );
      runs.push(x);
    }
    const med = (f) => r0(median(runs.map(f)));
    results[backend] = {
      converge: {
        ms: med((x) => x.converge.ms),
        processes: med((x) => x.converge.processes),
        restores: med((x) => x.converge.restores),
        restoreMs: med((x) => x.converge.restoreMs),
        saves: med((x) => x.converge.saves),
        saveMs: med((x) => x.converge.saveMs),
      },
      perRule: { ms: med((x) => x.perRule.ms), processes: runs[0].perRule.processes },
      noop: {
        ms: med((x) => x.noop.ms),
        processes: med((x) => x.noop.processes),
        restores: med((x) => x.noop.restores),
        saves: med((x) => x.noop.saves),
        saveMs: med((x) => x.noop.saveMs),
      },
      change: {
        ms: med((x) => x.change.ms),
        processes: med((x) => x.change.processes),
        restores: med((x) => x.change.restores),
        restoreMs: med((x) => x.change.restoreMs),
        saves: med((x) => x.change.saves),
        saveMs: med((x) => x.change.saveMs),
      },
      samples: runs,
    };
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const totalS = Math.round((performance.now() - started) / 1000);
console.log(
  JSON.stringify(
    {
      containers: N,
      portsEach: P,
      networks: NETS,
      runs: RUNS,
      sizes,
      medians: Object.fromEntries(Object.entries(results).map(([b, v]) => [b, { ...v, samples: undefined }])),
      totalSeconds: totalS,
    },
    null,
    1,
  ),
);
console.log('');
console.log(`${N} containers, ${N * P} published ports (${sizes.dnat} DNAT rules) on ${NETS} networks; medians of ${RUNS} runs; ${totalS} s in all`);
for (const [b, v] of Object.entries(results)) {
  const c = v.converge;
  console.log(
    `[${b}] converge: reconcile --once ${c.ms} ms, ${c.processes} processes; firewall writes: ${c.restores} iptables-restore in ${c.restoreMs} ms (reads: ${c.saves} iptables-save in ${c.saveMs} ms)`,
  );
  console.log(
    `[${b}] per-rule: ${v.perRule.processes} iptables processes in ${v.perRule.ms} ms → restore is ${(v.perRule.ms / c.restoreMs).toFixed(0)}× faster (${(v.perRule.ms / (c.restoreMs + c.saveMs)).toFixed(0)}× counting netkeeper's reads too)`,
  );
  console.log(
    `[${b}] no-op: reconcile --once ${v.noop.ms} ms, ${v.noop.processes} processes, ${v.noop.restores} iptables-restore (chains rewritten: none), ${v.noop.saves} iptables-save in ${v.noop.saveMs} ms`,
  );
  console.log(
    `[${b}] one port moved: plan ${sizes.changeKeys.join(', ')}; restore declares ${sizes.changeRestore.declared.join(', ')} (${sizes.changeRestore.lines} lines); reconcile --once ${v.change.ms} ms, ${v.change.processes} processes, ${v.change.restores} iptables-restore in ${v.change.restoreMs} ms`,
  );
}
