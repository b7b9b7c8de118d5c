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

import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MARK } from '../../model/marks.js';
import { NETNS_DIR } from '../../model/netns-path.js';
import type { Runner } from '../runner.js';
import { NL_READER_PY } from './nl-reader-py.js';
import { LineChild } from '../line-child.js';

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

/** One reader process: namespace paths in, one JSON answer per path out. */
class NetlinkReader extends LineChild {
  /** Read every path; undefined when the reader is not (or no longer) available. */
  async read(paths: readonly string[]): Promise<Map<string, NsRead> | undefined> {
    const got = await this.ask(paths);
    if (!got) return undefined;
    const out = new Map<string, NsRead>();
    for (let i = 0; i < paths.length; i++) {
      const line = got[i];
      if (line === undefined) return undefined;
      const v = JSON.parse(line) as { path?: string; batch?: string; error?: string; fail?: string };
      if (v.path !== paths[i]) throw new Error(`netlink reader: answer for ${v.path} where ${paths[i]} was asked`);
      out.set(paths[i], v.batch !== undefined ? { batch: v.batch } : v.error !== undefined ? { error: v.error } : { fail: v.fail ?? 'no answer' });
    }
    return out;
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
