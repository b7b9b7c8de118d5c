// Issue 4 benchmark: one overlay network over three hosts × N containers (default 100),
// in a private sandbox (bench/sandbox.mjs) holding three nested "machines" (own
// network, mount and UTS namespaces; own /run/netns, /etc/netns, /run/netkeeper),
// joined by an underlay bridge (MTU 1500). One directory, one reconciler per host.
//  1. converge: `netkeeper reconcile --once --host H` on each host in turn, from
//     nothing: wall time, and the FDB/neighbour entries the host then holds.
//  2. no-op: `reconcile --once` again on each host (must plan nothing).
//  3. move: one container of node-a moves to node-b (only its `host:` changes).
//     `plan --json` on each host: the FDB/neighbour changes, and all changes;
//     then `reconcile --once` on each host, timed; the moved container is pinged
//     from the two other hosts; a second plan on every host is empty.
// Usage: npm run build && node bench/overlay.mjs [containersPerHost=100] [runs=1]
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runner, startSandbox, timed, waitReady } from './sandbox.mjs';

const N = Number(process.argv[2] ?? 100);
const RUNS = Number(process.argv[3] ?? 1);
const CLI = resolve('dist/cli.js');
const HOSTS = ['node-a', 'node-b', 'node-c'];
const ADDR = (i) => `192.168.60.${i + 1}`;
const MOVER = 'c0050';
if (N <= 50) throw new Error('containersPerHost must be over 50 (the moved container is c0050, on node-a)');

function holderScript(name) {
  return [
    'set -e',
    'mkdir -p /run/netns /etc/netns /run/netkeeper /run/lock',
    'for d in /run/netns /etc/netns /run/netkeeper /run/lock; do mount -t tmpfs -o mode=755 tmpfs $d; done',
    'mount -t sysfs sysfs /sys 2>/dev/null || true',
    `hostname ${name}`,
    'ip link set lo up',
    'echo ready',
    'exec sleep infinity',
  ].join('\n');
}

/** a nested machine inside the sandbox */
async function startHost(sb, name) {
  const p = spawn(
    'nsenter',
    [
      '-t',
      String(sb.pid),
      '-n',
      '-m',
      '--',
      'unshare',
      '--net',
      '--mount',
      '--uts',
      '--propagation',
      'private',
      '--fork',
      '--kill-child',
      '--',
      'sh',
      '-c',
      holderScript(name),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await waitReady(p, `host ${name}`);
  // nsenter execs unshare, and unshare(2) moved that process itself into the new namespaces
  return { name, pid: p.pid, proc: p, run: runner(['nsenter', '-t', String(p.pid), '-n', '-m', '-u', '--']) };
}

async function writeDir(dir, moved) {
  const docs = [];
  HOSTS.forEach((h, i) => docs.push(`kind: Host\nname: ${h}\naddress: ${ADDR(i)}\n`));
  docs.push('kind: Network\nname: ov\ndriver: overlay\nvni: 4242\nsubnets:\n  - subnet: 10.60.0.0/22\n');
  for (let i = 0; i < N * HOSTS.length; i++) {
    const name = `c${String(i).padStart(4, '0')}`;
    const host = moved && name === MOVER ? 'node-b' : HOSTS[Math.floor(i / N)];
    docs.push(`kind: Container\nname: ${name}\nhost: ${host}\nnetworks:\n  - network: ov\n`);
  }
  await writeFile(join(dir, 'cluster.yaml'), docs.join('---\n'));
}

const nk = (h, dir, ...args) => timed(() => h.run(process.execPath, [CLI, ...args, '--dir', dir, '--host', h.name, '--log-level', 'warn']));

async function entries(h) {
  const f = await h.run('bridge', ['-j', 'fdb', 'show', 'dev', 'vx-ov']);
  const n = await h.run('ip', ['-j', 'neigh', 'show', 'nud', 'permanent', 'dev', 'vx-ov']);
  const fdb = JSON.parse(f.stdout || '[]');
  return {
    vxlanFdb: fdb.filter((e) => e.dst && e.mac !== '00:00:00:00:00:00').length,
    flood: fdb.filter((e) => e.mac === '00:00:00:00:00:00').length,
    bridgeFdb: fdb.filter((e) => !e.dst && e.state === 'static').length,
    neigh: JSON.parse(n.stdout || '[]').length,
  };
}

async function addrOf(h, ns) {
  const r = await h.run('ip', ['-n', ns, '-j', '-4', 'addr', 'show', 'eth0']);
  return JSON.parse(r.stdout)[0].addr_info[0].local;
}

async function ping(h, ns, ip) {
  for (let i = 0; i < 3; i++) if ((await h.run('ip', ['netns', 'exec', ns, 'ping', '-c1', '-W1', ip])).code === 0) return true;
  return false;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function oneRun() {
  const dir = await mkdtemp(join(tmpdir(), 'nk-bench-overlay-'));
  const sb = await startSandbox();
  const hosts = [];
  const out = { converge: {}, noop: {}, entries: {}, move: {}, moveMs: {}, pings: {} };
  try {
    for (const name of HOSTS) hosts.push(await startHost(sb, name));
    // underlay: a bridge in the sandbox, a veth to each host's eth0
    const ul = ['ip link add ul type bridge', 'ip link set ul up'];
    hosts.forEach((h, i) => ul.push(`ip link add ul${i} type veth peer name eth0 netns ${h.pid}`, `ip link set ul${i} master ul up`));
    const r = await sb.run('sh', ['-c', ul.join(' && ')]);
    if (r.code !== 0) throw new Error(r.stderr);
    for (const [i, h] of hosts.entries()) {
      await h.run('ip', ['addr', 'add', `${ADDR(i)}/24`, 'dev', 'eth0']);
      await h.run('ip', ['link', 'set', 'eth0', 'up']);
    }
    await writeDir(dir, false);

    for (const h of hosts) {
      const t = await nk(h, dir, 'reconcile', '--once');
      if (t.r.code !== 0) throw new Error(`${h.name}: reconcile failed\n${t.r.stdout.slice(-2000)}\n${t.r.stderr.slice(-2000)}`);
      out.converge[h.name] = t.ms;
      out.entries[h.name] = await entries(h);
    }
    for (const h of hosts) {
      const t = await nk(h, dir, 'reconcile', '--once');
      if (t.r.code !== 0 || !/In sync/.test(t.r.stdout)) throw new Error(`${h.name}: second pass not empty: ${t.r.stdout.slice(0, 500)}`);
      out.noop[h.name] = t.ms;
    }
    // where a no-op pass spends its time: the processes it starts (trace log `exec` lines)
    const tr = await timed(() => hosts[0].run(process.execPath, [CLI, 'reconcile', '--once', '--dir', dir, '--host', hosts[0].name, '--log-level', 'trace']));
    const execs = tr.r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((j) => j.msg === 'exec');
    out.noopProcs = {
      n: execs.length,
      ms: Math.round(execs.reduce((x, e) => x + (e.ms ?? 0), 0)),
      wall: Math.round(tr.ms),
      list: execs.map((e) => `${e.argv.slice(0, 4).join(' ')} ${Math.round(e.ms)} ms`),
    };
    // cross-host sanity: c0000 (node-a) → c0150 (node-b), c0250 (node-c)
    const [a, b, c] = hosts;
    out.pings.before = [
      await ping(a, 'c0000', await addrOf(b, `c${String(N + N / 2).padStart(4, '0')}`)),
      await ping(a, 'c0000', await addrOf(c, `c${String(2 * N + N / 2).padStart(4, '0')}`)),
    ];

    // move one container from node-a to node-b
    const moverIp = await addrOf(a, MOVER);
    await writeDir(dir, true);
    for (const h of hosts) {
      const p = await nk(h, dir, 'plan', '--json');
      const changes = JSON.parse(p.r.stdout).changes;
      const l2 = changes.filter((x) => x.key.startsWith('fdb:') || x.key.startsWith('neigh:'));
      out.move[h.name] = { l2: l2.length, all: changes.length, keys: l2.map((x) => `${x.action} ${x.key}`) };
    }
    for (const h of [a, b, c]) {
      const t = await nk(h, dir, 'reconcile', '--once');
      if (t.r.code !== 0) throw new Error(`${h.name}: reconcile after move failed\n${t.r.stderr.slice(-2000)}`);
      out.moveMs[h.name] = t.ms;
    }
    out.pings.after = [
      await ping(b, MOVER, await addrOf(a, 'c0000')),
      await ping(c, `c${String(2 * N).padStart(4, '0')}`, moverIp),
      await ping(a, 'c0001', moverIp),
    ];
    out.emptyAfter = [];
    for (const h of hosts) out.emptyAfter.push((await nk(h, dir, 'plan')).r.code === 0);
    out.moverIp = moverIp;
  } finally {
    for (const h of hosts) h.proc.kill('SIGKILL');
    await sb.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}

const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await oneRun());
const last = runs[runs.length - 1];
console.log(`overlay benchmark: ${HOSTS.length} hosts × ${N} containers on one overlay (VNI 4242), ${RUNS} run(s); medians`);
console.log('\nhost    converge   no-op pass  entries (vxlan fdb / bridge fdb / neigh / flood)');
for (const h of HOSTS) {
  const e = last.entries[h];
  console.log(
    `${h}  ${fmt(median(runs.map((r) => r.converge[h]))).padStart(8)}  ${fmt(median(runs.map((r) => r.noop[h]))).padStart(10)}  ${e.vxlanFdb} / ${e.bridgeFdb} / ${e.neigh} / ${e.flood}`,
  );
}
console.log(`\nno-op pass on node-a: ${last.noopProcs.n} processes, ${last.noopProcs.ms} ms summed (some in parallel), ${last.noopProcs.wall} ms wall`);
for (const l of last.noopProcs.list) console.log(`          ${l}`);
console.log(`\nmove ${MOVER} (${last.moverIp}) node-a → node-b: changes planned per host`);
console.log('host    fdb+neigh  all changes  reconcile');
for (const h of HOSTS) {
  const m = last.move[h];
  console.log(`${h}  ${String(m.l2).padStart(9)}  ${String(m.all).padStart(11)}  ${fmt(median(runs.map((r) => r.moveMs[h]))).padStart(9)}`);
  for (const k of m.keys) console.log(`          ${k}`);
}
console.log(
  `\ncross-host pings before move: ${last.pings.before.join(', ')}; to/from the moved container after: ${last.pings.after.join(', ')}; plans empty after: ${last.emptyAfter.join(', ')}`,
);
const ok = runs.every((r) => [...r.pings.before, ...r.pings.after, ...r.emptyAfter].every(Boolean));
if (!ok) {
  console.error('FAILED: a ping or an empty-plan check failed');
  process.exit(1);
}
