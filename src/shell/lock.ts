// One writer at a time: `reconcile --once`, each watcher pass and `destroy`
// hold an exclusive flock(2) on <run dir>/lock while they observe and apply.
//
// Node has no flock, so the lock is taken by flock(1) (util-linux) on a file
// descriptor this process opened and hands to it as fd 3: flock(2) locks belong
// to the open file description, which flock(1) shares with us. flock(1) exits
// as soon as it has the lock, and the lock stays with our descriptor until we
// close it — or until the kernel closes it because we died. A holder killed
// with SIGKILL therefore never blocks anyone: no pid files, no stale-lock
// guessing, no pid reuse. The descriptor is close-on-exec (libuv opens every
// file with O_CLOEXEC), so the ip/iptables processes we start do not hold it.
//
// The file's content (who holds it, since when) is only information for the
// message a waiter prints; the file itself is never removed (removing a lock
// file while others wait on it would split the lock in two).

import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from './log.js';

export const DEFAULT_RUN_DIR = '/run/netkeeper';

/** Where the lock and the watcher's state file live: $NETKEEPER_RUN_DIR or /run/netkeeper. */
export function runDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NETKEEPER_RUN_DIR || DEFAULT_RUN_DIR;
}

export interface Holder {
  pid: number;
  /** what holds it: "reconcile --once", "watch pass 12", "destroy" */
  what: string;
  /** ISO time it was taken */
  since: string;
}

export interface LockOptions {
  /** directory of the lock file (default runDir()) */
  dir?: string;
  /** give up after this long (default 60 s) */
  timeoutMs?: number;
  /** recorded in the lock file for whoever waits */
  what: string;
  log?: Logger;
  /** abort the wait (SIGTERM while waiting) */
  signal?: AbortSignal;
}

export interface Lock {
  path: string;
  /** how long we waited for it */
  waitedMs: number;
  release(): Promise<void>;
}

export class LockTimeoutError extends Error {
  constructor(
    readonly path: string,
    readonly timeoutMs: number,
    readonly holder: Holder | undefined,
  ) {
    const who = holder ? `pid ${holder.pid} (${holder.what}, since ${holder.since})` : 'another netkeeper';
    super(`${who} holds ${path}; gave up waiting after ${fmtSeconds(timeoutMs)} (--lock-timeout)`);
    this.name = 'LockTimeoutError';
  }
}

function fmtSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

const BUSY = 75; // flock -E: exit code when the lock is held by someone else

/** Run flock(1) on `fd`; resolves with its exit code (BUSY when it did not get the lock). */
function flock(fd: number, args: string[], signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['-x', '-E', String(BUSY), ...args, '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new Error(`cannot run flock(1) (util-linux): ${e.message}`));
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(new LockAbortedError());
      if (code === 0 || code === BUSY) return resolve(code);
      reject(new Error(`flock ${args.join(' ')} failed (${sig ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

export class LockAbortedError extends Error {
  constructor() {
    super('stopped while waiting for the lock');
    this.name = 'LockAbortedError';
  }
}

export async function readHolder(dir: string = runDir()): Promise<Holder | undefined> {
  try {
    const h = JSON.parse(await readFile(join(dir, 'lock'), 'utf8')) as Holder;
    return typeof h?.pid === 'number' ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Take the lock, waiting at most `timeoutMs`. Throws LockTimeoutError, or LockAbortedError on abort. */
export async function acquireLock(opts: LockOptions): Promise<Lock> {
  const dir = opts.dir ?? runDir();
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const path = join(dir, 'lock');
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const fh: FileHandle = await open(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  const t0 = performance.now();
  try {
    let code = await flock(fh.fd, ['-n'], opts.signal);
    if (code === BUSY) {
      const holder = await readHolder(dir);
      opts.log?.info({ lock: path, holder, timeoutS: timeoutMs / 1000 }, 'waiting for the lock');
      code = await flock(fh.fd, ['-w', (timeoutMs / 1000).toFixed(3)], opts.signal);
      if (code === BUSY) throw new LockTimeoutError(path, timeoutMs, (await readHolder(dir)) ?? holder);
    }
    const holder: Holder = { pid: process.pid, what: opts.what, since: new Date().toISOString() };
    await fh.truncate(0);
    await fh.write(JSON.stringify(holder) + '\n', 0);
  } catch (e) {
    await fh.close();
    throw e;
  }
  const waitedMs = Math.round(performance.now() - t0);
  if (waitedMs > 1000) opts.log?.info({ lock: path, waitedMs }, 'got the lock');
  let released = false;
  return {
    path,
    waitedMs,
    async release() {
      if (released) return;
      released = true;
      await fh.truncate(0).catch(() => undefined);
      await fh.close(); // closing our descriptor is what releases the flock
    },
  };
}

/** Run `fn` holding the lock. */
export async function withLock<T>(opts: LockOptions, fn: (lock: Lock) => Promise<T>): Promise<T> {
  const lock = await acquireLock(opts);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}

/**
 * A command under the lock: on timeout, say who holds it and return exit code 1
 * (SPEC §3 "One writer": the second waits, bounded, then a clear error).
 */
export async function underLock(
  opts: LockOptions & { err: (text: string) => void },
  fn: () => Promise<number>,
): Promise<number> {
  try {
    return await withLock(opts, fn);
  } catch (e) {
    if (e instanceof LockTimeoutError) {
      opts.err(`error: ${e.message}\nnothing was applied\n`);
      return 1;
    }
    throw e;
  }
}
