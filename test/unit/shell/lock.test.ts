import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { acquireLock, groupMembers, LockAbortedError, LockTimeoutError, readHolder, runDir, withLock } from '../../../src/shell/lock.js';

// These tests use real time on purpose: the lock is flock(2) taken through flock(1)
// child processes, held and dropped by other real processes (killed with SIGKILL,
// leaving orphans), which no fake clock can stand for. They assert on events and
// order (the holder said "released", the orphan still runs) and on lower bounds
// (it did wait), never on how fast a loaded machine is: no wall-clock upper bounds.
let dir: string;
let holderScript: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nk-lock-'));
  // the holder runs in another process: give it lock.ts (and proc.ts, which it imports) compiled to plain JS
  for (const name of ['lock', 'proc']) {
    const src = await readFile(new URL(`../../../src/shell/${name}.ts`, import.meta.url), 'utf8');
    const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    await writeFile(join(dir, `${name}.js`), js);
  }
  await writeFile(join(dir, 'package.json'), '{"type":"module"}');
  holderScript = join(dir, 'holder.mjs');
  await writeFile(
    holderScript,
    `import { acquireLock } from './lock.js';
     import { spawn } from 'node:child_process';
     const [lockDir, holdMs, childS] = process.argv.slice(2);
     const lock = await acquireLock({ dir: lockDir, what: 'test holder', timeoutMs: 10000 });
     // a child like the ip batch a pass runs: it outlives us if we are killed
     const sleeper = childS ? spawn('sleep', [childS], { stdio: 'ignore' }) : undefined;
     process.stdout.write('locked ' + (sleeper?.pid ?? '') + '\\n');
     setTimeout(async () => { await lock.release(); process.stdout.write('released\\n'); }, Number(holdMs));
    `,
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Holder = ChildProcess & { said: string[]; sleeper?: number };

/** Start a process that takes the lock in `lockDir` and holds it `holdMs`; resolves once it holds it. */
async function startHolder(lockDir: string, holdMs: number, opts: { childS?: number; ownGroup?: boolean } = {}): Promise<Holder> {
  const args = [holderScript, lockDir, String(holdMs), ...(opts.childS ? [String(opts.childS)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], detached: opts.ownGroup ?? false }) as Holder;
  child.said = [];
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      child.said.push(...d.trim().split('\n'));
      const m = /locked (\d*)/.exec(d);
      if (m) {
        if (m[1]) child.sleeper = Number(m[1]);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`holder exited early (${code})`)));
  });
  return child;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode ? r() : c.on('exit', () => r())));

describe('lock', () => {
  it('is free: taken at once, and records who holds it', async () => {
    const d = join(dir, 'free');
    const lock = await acquireLock({ dir: d, what: 'reconcile --once', timeoutMs: 1000 });
    expect(lock.waitedMs).toBeGreaterThanOrEqual(0);
    expect(await readHolder(d)).toMatchObject({ pid: process.pid, what: 'reconcile --once' });
    await lock.release();
    expect(await readHolder(d)).toBeUndefined();
  });

  it('a live holder in another process makes the second wait until it releases', async () => {
    const d = join(dir, 'live');
    const child = await startHolder(d, 1500);
    const t0 = Date.now();
    const lock = await acquireLock({ dir: d, what: 'second', timeoutMs: 10_000 });
    expect(Date.now() - t0).toBeGreaterThan(1000);
    // taken because the holder released it, not after some other wait
    expect(child.said).toContain('released');
    await lock.release();
    await exited(child);
  });

  it('gives up after the timeout with an error naming the holder', async () => {
    const d = join(dir, 'timeout');
    const child = await startHolder(d, 60_000);
    const t0 = Date.now();
    const err = await acquireLock({ dir: d, what: 'second', timeoutMs: 700 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as Error).message).toMatch(new RegExp(`pid ${child.pid} \\(test holder, since .*\\) holds ${d}/lock; gave up waiting after 0.7 s`));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(650);
    child.kill('SIGKILL');
    await exited(child);
  });

  it('a holder killed with SIGKILL does not block: the lock is taken over at once', async () => {
    const d = join(dir, 'killed');
    const child = await startHolder(d, 60_000);
    // while it lives, the lock is held
    await expect(acquireLock({ dir: d, what: 'probe', timeoutMs: 300 })).rejects.toBeInstanceOf(LockTimeoutError);
    child.kill('SIGKILL');
    await exited(child);
    // its record is still in the file (it never released), but the kernel dropped its flock
    expect((await readHolder(d))?.pid).toBe(child.pid);
    // the holder would have held it 60 s: getting it within the timeout means it was taken over
    const lock = await acquireLock({ dir: d, what: 'after kill', timeoutMs: 5000 });
    expect((await readHolder(d))?.what).toBe('after kill');
    await lock.release();
  });

  it('after a killed holder that led its process group, waits (bounded) for the processes it left running', async () => {
    const d = join(dir, 'orphans');
    const child = await startHolder(d, 60_000, { childS: 1.5, ownGroup: true });
    const t0 = Date.now();
    expect((await readHolder(d))?.leader).toBe(true);
    process.kill(child.pid!, 'SIGKILL'); // the holder alone: its `sleep` runs on
    await exited(child);
    expect((await groupMembers(child.pid!)).length).toBe(1);
    const lock = await acquireLock({ dir: d, what: 'after kill', timeoutMs: 5000 });
    expect(Date.now() - t0).toBeGreaterThan(1200);
    expect(await groupMembers(child.pid!)).toEqual([]);
    await lock.release();
    // bounded: with orphanWaitMs 300 it goes on although the orphan still runs
    const c2 = await startHolder(d, 60_000, { childS: 5, ownGroup: true });
    process.kill(c2.pid!, 'SIGKILL');
    await exited(c2);
    const l2 = await acquireLock({ dir: d, what: 'impatient', timeoutMs: 5000, orphanWaitMs: 300 });
    expect(alive(c2.sleeper!)).toBe(true); // it went on while the orphan still ran
    await l2.release();
    for (const pid of await groupMembers(c2.pid!)) process.kill(pid, 'SIGKILL');
  });

  it('a holder that did not lead its group, or released cleanly, leaves nothing to wait for', async () => {
    const d = join(dir, 'noorphans');
    const child = await startHolder(d, 60_000, { childS: 30 });
    expect((await readHolder(d))?.leader).toBeUndefined();
    child.kill('SIGKILL');
    await exited(child);
    const lock = await acquireLock({ dir: d, what: 'x', timeoutMs: 5000, orphanWaitMs: 60_000 });
    expect(alive(child.sleeper!)).toBe(true); // not waited for
    process.kill(child.sleeper!, 'SIGKILL');
    await lock.release();
    expect(await readHolder(d)).toBeUndefined();
  });

  it('two holders in one process exclude each other too (one lock per open file)', async () => {
    const d = join(dir, 'same');
    const order: string[] = [];
    let started!: () => void;
    const aHolds = new Promise<void>((r) => (started = r));
    const a = withLock({ dir: d, what: 'a', timeoutMs: 5000 }, async () => {
      order.push('a start');
      started();
      // a real sleep: b's flock(1) must get the chance to run (and be refused) meanwhile
      await new Promise((r) => setTimeout(r, 300));
      order.push('a end');
    });
    await aHolds;
    const b = withLock({ dir: d, what: 'b', timeoutMs: 5000 }, async () => {
      order.push('b start');
      order.push('b end');
    });
    await Promise.all([a, b]);
    expect(order).toEqual(['a start', 'a end', 'b start', 'b end']);
  });

  it('processes started while holding it do not inherit it (the descriptor is close-on-exec)', async () => {
    const d = join(dir, 'cloexec');
    const lock = await acquireLock({ dir: d, what: 'holder', timeoutMs: 1000 });
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    await lock.release();
    const again = await acquireLock({ dir: d, what: 'again', timeoutMs: 500 });
    await again.release();
    sleeper.kill('SIGKILL');
    await exited(sleeper);
  });

  it('a wait can be aborted (SIGTERM while waiting)', async () => {
    const d = join(dir, 'abort');
    const held = await acquireLock({ dir: d, what: 'holder', timeoutMs: 1000 });
    const ac = new AbortController();
    const p = acquireLock({ dir: d, what: 'waiter', timeoutMs: 30_000, signal: ac.signal });
    // a real delay: the waiter's flock(1) has started and waits when the abort comes
    setTimeout(() => ac.abort(), 200);
    // aborted, not timed out (the timeout is 30 s)
    await expect(p).rejects.toBeInstanceOf(LockAbortedError);
    await held.release();
  });

  it('the run dir comes from NETKEEPER_RUN_DIR, else /run/netkeeper', () => {
    expect(runDir({ NETKEEPER_RUN_DIR: '/tmp/x' })).toBe('/tmp/x');
    expect(runDir({})).toBe('/run/netkeeper');
  });
});
