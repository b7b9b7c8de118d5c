// Issue 15 benchmark: one real host fed the membership of a simulated fleet through etcd.
// In a private sandbox (bench/sandbox.mjs): etcd on the sandbox's loopback, the
// membership of H simulated hosts × 20 containers on one overlay written into it
// (hosts/<name> and claims/ov/<address>, as real hosts write them), and one real
// host (the sandbox itself, its own 20 containers) running the watcher with
// --store. Measures: the first pass (converge), a no-op pass (SIGHUP), the
// watcher's peak RSS and CPU time, the kernel entries it programmed, and how long
// one new remote container takes to reach its neighbour table (the put's commit →
// the `pass done` line of the pass that applied it; log timestamps, one clock).
// Routed mode (third argument `routed`, Network `fabric: routed`): the simulated
// hosts write hosts/<name> and one subnets/ov/<subnet> each (their containers are
// invisible to other hosts: no per-container keys); the change is a new host's
// subnet (put in etcd → its route in the kernel).
// Usage: npm run build && node bench/fleet.mjs [hosts=100,1000] [perHost=20] [l2|routed]
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox } from './sandbox.mjs';

const SIZES = (process.argv[2] ?? '100,1000').split(',').map(Number);
const PER = Number(process.argv[3] ?? 20);
const MODE = process.argv[4] ?? 'l2';
const ROUTED = MODE === 'routed';
const CLI = resolve('dist/cli.js');
const ETCD3 = resolve('node_modules/etcd3/lib/index.js');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** the i-th address of 10.64.0.0/12 (the local host takes the first 256) */
const addr = (i) => `10.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
const mac = (i) => `02:43:${[(i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
const hostAddr = (h) => `172.${16 + (h >> 16)}.${(h >> 8) & 255}.${h & 255 || 1}`;
/** routed: the h-th /24 of 10.64.0.0/10 (16,384 of them) */
const hostSubnet = (h) => `10.${64 + (h >> 8)}.${h & 255}.0/24`;

async function fill(sb, hosts) {
  // one node process inside the sandbox writes the membership in batches
  const script = `
    const { Etcd3 } = require(${JSON.stringify(ETCD3)});
    const c = new Etcd3({ hosts: 'http://127.0.0.1:23790' });
    (async () => {
      const ops = [];
      for (let h = 1; h <= ${hosts}; h++) {
        ops.push(['/bench/hosts/sim' + h, JSON.stringify({ address: (${hostAddr.toString()})(h), vteps: [{ network: 'ov', vni: 4400 }] })]);
        if (${ROUTED}) {
          const mac = (${mac.toString()})(h);
          ops.push(['/bench/subnets/ov/' + (${hostSubnet.toString()})(h).replace('/', '-'), JSON.stringify({ host: 'sim' + h, vtepMac: mac })]);
          continue;
        }
        for (let k = 0; k < ${PER}; k++) {
          const i = 256 + (h - 1) * ${PER} + k;
          ops.push(['/bench/claims/ov/' + (${addr.toString()})(i), JSON.stringify({ host: 'sim' + h, container: 'sim' + h + '-' + k, mac: (${mac.toString()})(i) })]);
        }
      }
      for (let i = 0; i < ops.length; i += 100) {
        const t = c.if('/bench/none', 'Create', '==', 0);
        await t.then(...ops.slice(i, i + 100).map(([k, v]) => c.put(k).value(v))).commit();
      }
      c.close();
      console.log(ops.length);
    })();
  `;
  const r = await sb.run(process.execPath, ['-e', script]);
  if (r.code !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

/** user + system CPU time of a process so far, ms (100 ticks a second) */
async function cpuMs(pid) {
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).replace(/^.*\) /, '').split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

async function entries(sb) {
  const f = await sb.run('sh', ['-c', 'bridge fdb show dev vx-ov | wc -l; ip neigh show dev vx-ov | wc -l; ip route show dev vx-ov proto 77 | wc -l']);
  const [fdb, neigh, routes] = f.stdout.trim().split('\n').map(Number);
  return ROUTED ? { fdb, neigh, routes } : { fdb, neigh };
}

async function oneSize(hosts) {
  const dir = await mkdtemp(join(tmpdir(), 'nk-bench-fleet-'));
  const sb = await startSandbox();
  const procs = [];
  try {
    await sb.run('sh', ['-c', 'ip link add ul0 type dummy && ip addr add 172.31.255.254/8 dev ul0 && ip link set ul0 up']);
    const etcd = spawn(
      'nsenter',
      [
        '-t',
        String(sb.pid),
        '-n',
        '-m',
        '--',
        'etcd',
        '--data-dir',
        join(dir, 'etcd'),
        '--listen-client-urls',
        'http://127.0.0.1:23790',
        '--advertise-client-urls',
        'http://127.0.0.1:23790',
        '--listen-peer-urls',
        'http://127.0.0.1:23800',
        '--initial-advertise-peer-urls',
        'http://127.0.0.1:23800',
        '--initial-cluster',
        'default=http://127.0.0.1:23800',
        '--log-level',
        'warn',
        '--quota-backend-bytes',
        String(4 * 1024 ** 3),
      ],
      { stdio: 'ignore' },
    );
    procs.push(etcd);
    for (let i = 0; ; i++) {
      if ((await sb.run('etcdctl', ['--endpoints=127.0.0.1:23790', 'endpoint', 'health'])).code === 0) break;
      if (i > 100) throw new Error('etcd did not start');
      await sleep(200);
    }
    const t0 = performance.now();
    const keys = await fill(sb, hosts);
    const fillMs = performance.now() - t0;
    const docs = [
      ROUTED
        ? 'kind: Network\nname: ov\ndriver: overlay\nvni: 4400\nfabric: routed\nhostSubnetSize: 24\nsubnets:\n  - subnet: 10.64.0.0/10\n'
        : 'kind: Network\nname: ov\ndriver: overlay\nvni: 4400\nsubnets:\n  - subnet: 10.64.0.0/12\n    ipRange: 10.64.0.0/24\n',
      'kind: Host\nname: real\naddress: 172.31.255.254\n',
      'kind: Settings\nstore:\n  etcd:\n    endpoints: ["http://127.0.0.1:23790"]\n    prefix: /bench\n    ttl: 30\n',
      ...Array.from({ length: PER }, (_, k) => `kind: Container\nname: local${k}\nnetworks:\n  - network: ov\n`),
    ];
    await writeFile(join(dir, 'fleet.yaml'), docs.join('---\n'));
    const w = spawn(
      'nsenter',
      [
        '-t',
        String(sb.pid),
        '-n',
        '-m',
        '--',
        process.execPath,
        CLI,
        'reconcile',
        '--dir',
        dir,
        '--host',
        'real',
        '--interval',
        '3600',
        '--log-level',
        process.env.NK_BENCH_LOG ?? 'info',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    procs.push(w);
    let log = '';
    w.stderr.on('data', (d) => (log += d));
    const passes = () =>
      log
        .split('\n')
        .filter((l) => l.includes('"pass done"'))
        .map((l) => JSON.parse(l));
    const waitPasses = async (n, ms) => {
      const t = Date.now();
      while (passes().length < n) {
        if (Date.now() - t > ms) throw new Error(`no pass ${n} within ${ms} ms:\n${log.slice(-2000)}`);
        await sleep(50);
      }
      return passes()[n - 1];
    };
    const waitFor = async (f, ms, what) => {
      const t = Date.now();
      for (;;) {
        const v = f();
        if (v) return v;
        if (Date.now() - t > ms) throw new Error(`no ${what} within ${ms} ms:\n${log.slice(-2000)}`);
        await sleep(50);
      }
    };
    /** put one key from a client inside the sandbox; the wall-clock time (ms) it was committed */
    const put = async (key, value) => {
      const script = `const { Etcd3 } = require(${JSON.stringify(ETCD3)}); const c = new Etcd3({ hosts: 'http://127.0.0.1:23790' });
        c.put(${JSON.stringify(key)}).value(${JSON.stringify(value)}).exec().then(() => { console.log(Date.now()); c.close(); });`;
      const r = await sb.run(process.execPath, ['-e', script]);
      if (r.code !== 0) throw new Error(r.stderr);
      return Number(r.stdout.trim());
    };
    const first = await waitPasses(1, 900_000);
    const kernel = await entries(sb);
    // nsenter (no pid namespace) execs node: w.pid is the watcher itself
    // the first pass's own netlink events may run one more pass: let the watcher settle, then a full pass (SIGHUP)
    await sleep(3000);
    const before = passes().length;
    const cpu0 = await cpuMs(w.pid);
    w.kill('SIGHUP');
    const noop = await waitFor(
      () =>
        passes()
          .slice(before)
          .find((p) => p.trigger === 'signal'),
      300_000,
      'the SIGHUP pass',
    );
    const noopCpuMs = (await cpuMs(w.pid)) - cpu0;
    // one membership change: a new remote container (l2), a new host's subnet (routed). Measured from the
    // put's commit (the client's clock) to the `pass done` line of the pass that applied the entry (the
    // watcher's clock; one machine): no polling or process start-up in the figure
    let changeMs;
    let cpu1 = 0;
    if (ROUTED) {
      const h = hosts + 1;
      // the new host registers first (a pass that changes nothing: it holds no subnet yet); timed: its subnet
      const n0 = passes().length;
      await put(`/bench/hosts/sim${h}`, JSON.stringify({ address: hostAddr(h), vteps: [] }));
      await waitFor(() => passes().length > n0, 300_000, 'the pass after the host put');
      await sleep(1000);
      cpu1 = await cpuMs(w.pid);
      const t1 = await put(`/bench/subnets/ov/${hostSubnet(h).replace('/', '-')}`, JSON.stringify({ host: `sim${h}`, vtepMac: mac(h) }));
      const done = await waitFor(() => passes().find((p) => p.keys?.includes(`+route:host/${hostSubnet(h)}`)), 300_000, 'the route');
      changeMs = done.time - t1;
    } else {
      const i = 256 + hosts * PER + 7;
      cpu1 = await cpuMs(w.pid);
      const t1 = await put(`/bench/claims/ov/${addr(i)}`, JSON.stringify({ host: 'sim1', container: 'newcomer', mac: mac(i) }));
      const done = await waitFor(() => passes().find((p) => p.keys?.includes(`+neigh:host/vx-ov/${addr(i)}`)), 300_000, 'the neighbour entry');
      changeMs = done.time - t1;
    }
    if (process.env.NK_BENCH_LOG)
      console.error(
        log
          .split('\n')
          .filter((l) => /observed and planned|pass done|files read|store/.test(l))
          .join('\n'),
      );
    const status = await readFile(`/proc/${w.pid}/status`, 'utf8').catch(() => '');
    const hwm = /VmHWM:\s+(\d+)/.exec(status)?.[1];
    const changeCpuMs = (await cpuMs(w.pid)) - cpu1;
    const cpu = /^(?:\S+\s+){13}(\d+)\s+(\d+)/.exec((await readFile(`/proc/${w.pid}/stat`, 'utf8').catch(() => '')).replace(/^.*\) /, 'x x '));
    return {
      mode: MODE,
      hosts,
      remoteContainers: hosts * PER,
      watcherCpuS: cpu ? +((Number(cpu[1]) + Number(cpu[2])) / 100).toFixed(1) : undefined,
      keys,
      fillS: +(fillMs / 1000).toFixed(1),
      firstPassMs: first.ms,
      noopPassMs: noop.ms,
      noopCpuMs,
      changeCpuMs,
      changeMs: Math.round(changeMs),
      rssMB: hwm ? Math.round(Number(hwm) / 1024) : undefined,
      ...kernel,
    };
  } finally {
    for (const p of procs.reverse()) p.kill('SIGKILL');
    await sb.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const h of SIZES) {
  const r = await oneSize(h);
  results.push(r);
  console.log(JSON.stringify(r));
}
console.table(results);
