// One process reads every namespace: a long-lived python3 child (the script in
// nl-reader-py.ts, on Debian's python3-pyroute2) enters each namespace in turn with
// setns(2) and dumps links, addresses, netkeeper's routes, permanent neighbours and
// forwarding over netlink, answering one JSON line per namespace path it is sent. Its
// answer for a namespace is the same text `ip -j -d -N -batch` prints for NS_BATCH (the
// fields the parsers read), so everything after it — parseNsBatch, reuse, the verify
// pass — is unchanged. Started lazily, once per runner (so once per CLI process, or per
// watcher), and unref'd between reads so it never keeps Node alive; when python3 or
// pyroute2 is missing, or the child dies, reads return undefined and the caller uses
// the `nsenter … ip -batch` workers instead.

import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MARK } from '../../model/marks.js';
import { NETNS_DIR } from '../../model/netns-path.js';
import type { Runner } from '../runner.js';
import { NL_READER_PY } from './nl-reader-py.js';

export type ReaderKind = 'netlink' | 'ip';

/** What one namespace read gave: the batch text, or why the namespace could not be entered. */
export type NsRead = { batch: string } | { error: string } | { fail: string };

/** NETKEEPER_READER=ip forces the per-namespace `ip` workers; anything else: netlink when available. */
export function readerFromEnv(env: NodeJS.ProcessEnv = process.env): ReaderKind {
  return env.NETKEEPER_READER === 'ip' ? 'ip' : 'netlink';
}

/** The interpreter: NETKEEPER_PYTHON, else Debian's /usr/bin/python3 (where python3-pyroute2 installs), else python3 on PATH. */
export function pythonFor(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NETKEEPER_PYTHON) return env.NETKEEPER_PYTHON;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

interface Pending {
  resolve: (line: string | undefined) => void;
}

class NetlinkReader {
  private buf = '';
  private queue: Pending[] = [];
  dead = false;
  private busy = 0;
  readonly ready: Promise<boolean>;
  /** it said it was ready (python3 and pyroute2 are there) */
  started = false;
  /** why it is not available (python3 or pyroute2 missing, died) */
  why = '';

  get pid(): number | undefined {
    return this.child.pid;
  }

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString();
    });
    child.stdin.on('error', () => undefined);
    let readyResolve!: (ok: boolean) => void;
    this.ready = new Promise((r) => (readyResolve = r));
    let first = true;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        if (first) {
          first = false;
          let ok = false;
          try {
            const v = JSON.parse(line) as { ready?: boolean; error?: string };
            ok = v.ready === true;
            if (!ok) this.why = v.error ?? 'not ready';
          } catch {
            this.why = `unexpected first line: ${line.slice(0, 200)}`;
          }
          this.started = ok;
          readyResolve(ok);
          this.idle();
          continue;
        }
        this.queue.shift()?.resolve(line);
      }
    });
    const gone = (what: string) => {
      if (this.dead) return;
      this.dead = true;
      if (!this.why) this.why = `${what}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-1)[0]}` : ''}`;
      readyResolve(false);
      for (const p of this.queue.splice(0)) p.resolve(undefined);
    };
    child.on('error', (e) => gone(`cannot start: ${e.message}`));
    child.on('exit', (code, sig) => gone(`exited (${sig ?? code})`));
  }

  /** Nothing pending: let Node exit without waiting for the child (it exits when its stdin closes). */
  private idle(): void {
    if (this.busy > 0) return;
    this.child.unref();
    (this.child.stdout as unknown as { unref?: () => void }).unref?.();
    (this.child.stderr as unknown as { unref?: () => void }).unref?.();
    (this.child.stdin as unknown as { unref?: () => void }).unref?.();
  }

  private active(): void {
    this.child.ref();
    (this.child.stdout as unknown as { ref?: () => void }).ref?.();
    (this.child.stdin as unknown as { ref?: () => void }).ref?.();
  }

  /** Read every path; undefined when the reader is not (or no longer) available. */
  async read(paths: readonly string[]): Promise<Map<string, NsRead> | undefined> {
    if (!(await this.ready) || this.dead) return undefined;
    if (paths.length === 0) return new Map();
    this.busy++;
    this.active();
    try {
      const lines = paths.map(() => new Promise<string | undefined>((resolve) => this.queue.push({ resolve })));
      this.child.stdin.write(paths.map((p) => `${p}\n`).join(''));
      const got = await Promise.all(lines);
      const out = new Map<string, NsRead>();
      for (let i = 0; i < paths.length; i++) {
        const line = got[i];
        if (line === undefined) return undefined;
        const v = JSON.parse(line) as { path?: string; batch?: string; error?: string; fail?: string };
        if (v.path !== paths[i]) throw new Error(`netlink reader: answer for ${v.path} where ${paths[i]} was asked`);
        out.set(paths[i], v.batch !== undefined ? { batch: v.batch } : v.error !== undefined ? { error: v.error } : { fail: v.fail ?? 'no answer' });
      }
      return out;
    } finally {
      this.busy--;
      this.idle();
    }
  }
}

/**
 * Readers per runner: one to start with (a python3 + pyroute2 start costs ~0.1-0.3 s
 * of CPU), a second one for a read of at least SECOND_READER_AT namespaces, so each
 * dumps its share on its own core.
 */
class ReaderPool {
  private readonly readers: NetlinkReader[];

  constructor(
    private readonly start: () => NetlinkReader,
    private readonly max: number,
  ) {
    this.readers = [start()];
  }

  /** Start the readers a read of this many namespaces will use, before it is asked. */
  grow(namespaces: number): void {
    while (namespaces >= SECOND_READER_AT && this.readers.length < this.max) this.readers.push(this.start());
  }

  /** pids of the reader processes (for tests) */
  pids(): number[] {
    return this.readers.map((r) => r.pid).filter((p): p is number => p !== undefined);
  }

  /** A reader died after it had started (not: never started): the next pass starts a new pool. */
  get broken(): boolean {
    return this.readers.some((r) => r.dead && r.started);
  }

  /** Read every path; undefined when no reader is available. A share whose reader died comes back as `fail` (read with ip). */
  async read(paths: readonly string[]): Promise<Map<string, NsRead> | undefined> {
    this.grow(paths.length);
    const shares: string[][] = this.readers.map(() => []);
    paths.forEach((p, i) => shares[i % shares.length].push(p));
    const got = await Promise.all(this.readers.map((r, i) => (shares[i].length ? r.read(shares[i]) : Promise.resolve(new Map<string, NsRead>()))));
    if (got.every((g) => g === undefined)) return undefined;
    const out = new Map<string, NsRead>();
    got.forEach((g, i) => {
      for (const p of shares[i]) out.set(p, g?.get(p) ?? { fail: `netlink reader unavailable: ${this.readers[i].why}` });
    });
    // in the order asked
    return new Map(paths.map((p) => [p, out.get(p)!]));
  }
}

/** At most this many readers per runner (and not more than CPUs). */
export const READERS = 2;
/** A read of this many namespaces or more starts the second reader. */
export const SECOND_READER_AT = 100;

const pools = new WeakMap<NonNullable<Runner['spawnLong']>, ReaderPool>();

/** The readers of this runner (started on first use), or undefined when the runner cannot start processes that live on (fake kernels). */
export function netlinkReader(runner: Runner, env: NodeJS.ProcessEnv = process.env): ReaderPool | undefined {
  const spawnLong = runner.spawnLong;
  if (!spawnLong) return undefined;
  let pool = pools.get(spawnLong);
  if (!pool || pool.broken) {
    const max = Math.max(1, Math.min(READERS, availableParallelism()));
    pool = new ReaderPool(() => new NetlinkReader(spawnLong(pythonFor(env), ['-c', NL_READER_PY, String(MARK.routeProto)])), max);
    pools.set(spawnLong, pool);
  }
  return pool;
}

/**
 * Start this runner's readers now (cli.ts, for the commands that observe): their
 * start-up (python3 + pyroute2, ~0.2 s of CPU each) overlaps Node loading the
 * command. Only processes are started; nothing is read until a pass asks.
 */
export function startReaders(runner: Runner, env: NodeJS.ProcessEnv = process.env): void {
  if (readerFromEnv(env) !== 'netlink') return;
  let namespaces = 0;
  try {
    namespaces = readdirSync(NETNS_DIR).length;
  } catch {
    // no /run/netns: one reader
  }
  netlinkReader(runner, env)?.grow(namespaces);
}

export type { NetlinkReader, ReaderPool };
