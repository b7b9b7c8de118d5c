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
//
// One thing the kernel does not do for us: a holder killed with SIGKILL loses the
// lock at once, but the ip/iptables processes it started keep running for a
// moment as orphans. A holder that leads its own process group (systemd, setsid,
// a shell job) says so in the file; whoever takes the lock next and finds such a
// record of a dead holder (a clean release empties the file) first waits, briefly
// and bounded, until no process of that group is left.

import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from './log.js';
import { procStatField } from './proc.js';

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
  /** the holder leads its process group (pgid = pid): its children share that group */
  leader?: boolean;
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
  /** longest wait for processes left by a holder that was killed (default 10 s) */
  orphanWaitMs?: number;
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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Live processes (not zombies) of process group `pgid`. */
export async function groupMembers(pgid: number): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d)).map(Number);
  const out: number[] = [];
  await Promise.all(
    pids.map(async (pid) => {
      const [state, pgrp] = await Promise.all([procStatField(pid, 3), procStatField(pid, 5)]);
      if (pgrp === String(pgid) && state !== 'Z' && state !== undefined) out.push(pid);
    }),
  );
  return out;
}

/** The holder before us died holding the lock: let what it started finish (bounded). */
async function waitForOrphans(prev: Holder, maxMs: number, log?: Logger): Promise<void> {
  if (!prev.leader || prev.pid === process.pid || alive(prev.pid)) return;
  const t0 = performance.now();
  let members = await groupMembers(prev.pid);
  if (members.length === 0) return;
  log?.info({ holder: prev, processes: members }, 'the last holder of the lock was killed; waiting for the processes it started');
  while (members.length && performance.now() - t0 < maxMs) {
    await new Promise((r) => setTimeout(r, 50));
    members = await groupMembers(prev.pid);
  }
  if (members.length) log?.warn({ holder: prev, processes: members }, 'processes of a killed netkeeper are still running; going on');
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
    const prev = await readHolder(dir);
    if (prev) await waitForOrphans(prev, opts.orphanWaitMs ?? 10_000, opts.log);
    const leader = (await procStatField('self', 5)) === String(process.pid);
    const holder: Holder = { pid: process.pid, what: opts.what, since: new Date().toISOString(), ...(leader ? { leader } : {}) };
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

/** The exit code of a command that gave up waiting for the lock (EXIT.lockBusy in commands/common.ts). */
export const LOCK_BUSY_EXIT = 4;

/**
 * A command under the lock: on timeout, say who holds it and return exit code 4 (LOCK_BUSY_EXIT)
 * (SPEC §3 "One writer": the second waits, bounded, then a clear error).
 */
export async function underLock(opts: LockOptions & { err: (text: string) => void }, fn: () => Promise<number>): Promise<number> {
  try {
    return await withLock(opts, fn);
  } catch (e) {
    if (e instanceof LockTimeoutError) {
      opts.err(`error: ${e.message}\nnothing was applied\n`);
      return LOCK_BUSY_EXIT;
    }
    throw e;
  }
}
