import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { acquireLock, groupMembers, LockAbortedError, LockTimeoutError, readHolder, runDir, withLock } from '../../../src/shell/lock.js';

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
     if (childS) spawn('sleep', [childS], { stdio: 'ignore' });
     process.stdout.write('locked\\n');
     setTimeout(async () => { await lock.release(); process.stdout.write('released\\n'); }, Number(holdMs));
    `,
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Start a process that takes the lock in `lockDir` and holds it `holdMs`; resolves once it holds it. */
async function startHolder(lockDir: string, holdMs: number, opts: { childS?: number; ownGroup?: boolean } = {}): Promise<ChildProcess> {
  const args = [holderScript, lockDir, String(holdMs), ...(opts.childS ? [String(opts.childS)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], detached: opts.ownGroup ?? false });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => d.includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`holder exited early (${code})`)));
  });
  return child;
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode ? r() : c.on('exit', () => r())));

describe('lock', () => {
  it('is free: taken at once, and records who holds it', async () => {
    const d = join(dir, 'free');
    const lock = await acquireLock({ dir: d, what: 'reconcile --once', timeoutMs: 1000 });
    expect(lock.waitedMs).toBeLessThan(500);
    expect(await readHolder(d)).toMatchObject({ pid: process.pid, what: 'reconcile --once' });
    await lock.release();
    expect(await readHolder(d)).toBeUndefined();
  });

  it('a live holder in another process makes the second wait until it releases', async () => {
    const d = join(dir, 'live');
    const child = await startHolder(d, 1500);
    const t0 = Date.now();
    const lock = await acquireLock({ dir: d, what: 'second', timeoutMs: 10_000 });
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThan(1000);
    expect(waited).toBeLessThan(5000);
    await lock.release();
    await exited(child);
  });

  it('gives up after the timeout with an error naming the holder', async () => {
    const d = join(dir, 'timeout');
    const child = await startHolder(d, 60_000);
    const t0 = Date.now();
    const err = await acquireLock({ dir: d, what: 'second', timeoutMs: 700 }).catch((e: unknown) => e);
    const waited = Date.now() - t0;
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as Error).message).toMatch(new RegExp(`pid ${child.pid} \\(test holder, since .*\\) holds ${d}/lock; gave up waiting after 0.7 s`));
    expect(waited).toBeGreaterThanOrEqual(650);
    expect(waited).toBeLessThan(3000);
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
    const t0 = Date.now();
    const lock = await acquireLock({ dir: d, what: 'after kill', timeoutMs: 5000 });
    expect(Date.now() - t0).toBeLessThan(500);
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
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThan(1200);
    expect(waited).toBeLessThan(4000);
    expect(await groupMembers(child.pid!)).toEqual([]);
    await lock.release();
    // bounded: with orphanWaitMs 300 it goes on although the orphan still runs
    const c2 = await startHolder(d, 60_000, { childS: 5, ownGroup: true });
    process.kill(c2.pid!, 'SIGKILL');
    await exited(c2);
    const t1 = Date.now();
    const l2 = await acquireLock({ dir: d, what: 'impatient', timeoutMs: 5000, orphanWaitMs: 300 });
    expect(Date.now() - t1).toBeLessThan(1500);
    await l2.release();
    for (const pid of await groupMembers(c2.pid!)) process.kill(pid, 'SIGKILL');
  });

  it('a holder that did not lead its group, or released cleanly, leaves nothing to wait for', async () => {
    const d = join(dir, 'noorphans');
    const child = await startHolder(d, 60_000, { childS: 3 });
    expect((await readHolder(d))?.leader).toBeUndefined();
    child.kill('SIGKILL');
    await exited(child);
    const t0 = Date.now();
    const lock = await acquireLock({ dir: d, what: 'x', timeoutMs: 5000 });
    expect(Date.now() - t0).toBeLessThan(500);
    await lock.release();
    expect(await readHolder(d)).toBeUndefined();
  });

  it('two holders in one process exclude each other too (one lock per open file)', async () => {
    const d = join(dir, 'same');
    const order: string[] = [];
    const a = withLock({ dir: d, what: 'a', timeoutMs: 5000 }, async () => {
      order.push('a start');
      await new Promise((r) => setTimeout(r, 300));
      order.push('a end');
    });
    await new Promise((r) => setTimeout(r, 50));
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
    setTimeout(() => ac.abort(), 200);
    const t0 = Date.now();
    await expect(p).rejects.toBeInstanceOf(LockAbortedError);
    expect(Date.now() - t0).toBeLessThan(2000);
    await held.release();
  });

  it('the run dir comes from NETKEEPER_RUN_DIR, else /run/netkeeper', () => {
    expect(runDir({ NETKEEPER_RUN_DIR: '/tmp/x' })).toBe('/tmp/x');
    expect(runDir({})).toBe('/run/netkeeper');
  });
});
