// A private network + mount namespace for benchmarks (like test/helpers/sandbox.ts,
// in plain JS so the benchmark runs with node alone). Everything it makes dies with it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';

export async function startSandbox() {
  const holder = spawn(
    'unshare',
    [
      '--net',
      '--mount',
      '--propagation',
      'private',
      '--fork',
      '--kill-child',
      '--',
      'sh',
      '-c',
      'mkdir -p /run/netns /etc/netns && mount -t tmpfs nk-bench /run/netns && mount -t tmpfs nk-bench /etc/netns && ' +
        'mkdir -p /run/netkeeper && mount -t tmpfs nk-bench /run/netkeeper && ip link set lo up && echo ready && exec sleep infinity',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await waitReady(holder, 'sandbox');
  // unshare(2) moved the holder itself into the new namespaces
  return {
    pid: holder.pid,
    run: runner(['nsenter', '-t', String(holder.pid), '-n', '-m', '--']),
    async stop() {
      holder.kill('SIGKILL');
      if (holder.exitCode === null && holder.signalCode === null) await once(holder, 'exit').catch(() => undefined);
    },
  };
}

/** Resolves once `proc` (a namespace holder) printed "ready". */
export async function waitReady(proc, what) {
  let buf = '';
  proc.stdout.on('data', (d) => (buf += d));
  while (!buf.includes('ready')) {
    if (proc.exitCode !== null) throw new Error(`${what} failed to start`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** run(cmd, args, input) → { code, stdout, stderr }, with `prefix` (an nsenter) in front. */
export function runner(prefix) {
  return (cmd, args = [], input) =>
    new Promise((res) => {
      const p = spawn(prefix[0], [...prefix.slice(1), cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '',
        stderr = '';
      p.stdout.on('data', (d) => (stdout += d));
      p.stderr.on('data', (d) => (stderr += d));
      p.on('close', (code) => res({ code, stdout, stderr }));
      p.stdin.on('error', () => {}); // a command that exits without reading its input
      p.stdin.end(input ?? '');
    });
}

export async function timed(fn) {
  const t0 = performance.now();
  const r = await fn();
  return { ms: performance.now() - t0, r };
}

/**
 * Wait until the kernel has finished tearing down the namespaces of stopped sandboxes:
 * their cleanup runs in a kworker (its name shows "+netns" while it works) that holds the
 * RTNL lock, so a measurement started meanwhile pays for the previous one's 1000
 * namespaces (1-2 minutes at 1000). Quiet for `quietMs` (default 1 s), at most `maxMs`.
 */
export async function settleKernel({ quietMs = 1000, maxMs = 300_000 } = {}) {
  const t0 = Date.now();
  let quietSince = Date.now();
  while (Date.now() - t0 < maxMs) {
    if (await netnsCleanupRunning()) quietSince = Date.now();
    else if (Date.now() - quietSince >= quietMs) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - t0;
}

async function netnsCleanupRunning() {
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (comm.startsWith('kworker') && comm.includes('+netns')) return true;
  }
  return false;
}
