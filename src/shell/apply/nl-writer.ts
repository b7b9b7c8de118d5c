// One process writes every namespace: a long-lived python3 child (nl-writer-py.ts, the
// netlink reader's code plus the writes) enters each namespace in turn with setns(2),
// sends the netlink requests `ip` would send for its lines (nl-ops.ts) and reads the
// namespace back in the reader's format. It replaces one `nsenter ip -force -batch`
// per namespace (~6 ms of CPU each, the process start) by ~1.5-2.5 ms in a process that
// is already running. Two writers at most per runner (one per core) for big applies.
// NETKEEPER_WRITER=ip forces the `nsenter ip -batch` workers; a runner that cannot keep
// a process (fake kernels) or a python3 without pyroute2 uses them too.

import { availableParallelism } from 'node:os';
import { MARK } from '../../model/marks.js';
import type { Runner } from '../runner.js';
import { pythonFor } from '../observe/nl-reader.js';
import { NL_WRITER_PY } from './nl-writer-py.js';
import { LineChild } from '../line-child.js';
import type { NlOp } from './nl-ops.js';

export type WriterKind = 'netlink' | 'ip';

/** NETKEEPER_WRITER=ip forces the per-namespace `nsenter ip -batch` workers; anything else: netlink when available. */
export function writerFromEnv(env: NodeJS.ProcessEnv = process.env): WriterKind {
  return env.NETKEEPER_WRITER === 'ip' ? 'ip' : 'netlink';
}

export interface NsWrite {
  path: string;
  ops: NlOp[];
  read: boolean;
}

/**
 * What the writer did in one namespace: the failed lines (1-based, ip's error text) and
 * the read-back; or `error`: the namespace could not be entered (nothing was done); or
 * `fail`: the writer broke while on it (what it did is unknown).
 */
export type NsWritten = { errors: [number, string][]; batch?: string } | { error: string } | { fail: string };

/** One writer process: a namespace's operations in, its failed lines and read-back out. */
class NetlinkWriter extends LineChild {
  /** Write every namespace given, in order; undefined when the writer is not available (nothing sent: the caller uses ip). */
  async write(items: readonly NsWrite[], tick?: (n: number) => void): Promise<NsWritten[] | undefined> {
    const got = await this.ask(
      items.map((w) => JSON.stringify(w)),
      () => tick?.(1),
    );
    if (!got) return undefined;
    return items.map((w, i): NsWritten => {
      const line = got[i];
      if (line === undefined) return { fail: `netlink writer ${this.why || 'gone'}` };
      const v = JSON.parse(line) as { path?: string; errors?: [number, string][]; batch?: string; error?: string; fail?: string };
      if (v.path !== w.path) throw new Error(`netlink writer: answer for ${v.path} where ${w.path} was asked`);
      if (v.error !== undefined) return { error: v.error };
      if (v.errors === undefined) return { fail: v.fail ?? 'no answer' };
      return v.batch !== undefined ? { errors: v.errors, batch: v.batch } : { errors: v.errors };
    });
  }
}

/** At most this many writers per runner (and not more than CPUs). */
export const WRITERS = 2;
/** An apply with this many namespaces or more starts the second writer. */
export const SECOND_WRITER_AT = 64;

class WriterPool {
  private readonly writers: NetlinkWriter[] = [];
  /** writers started since the last take() (processes the apply report counts) */
  private fresh = 0;

  constructor(
    private readonly start: () => NetlinkWriter,
    private readonly max: number,
  ) {}

  /** A writer died after it had started: the next apply starts a new pool. */
  get broken(): boolean {
    return this.writers.some((w) => w.dead && w.started);
  }

  /** Start writers for an apply of `namespaces` namespaces (before it needs them: python starts while the host batch runs). */
  warm(namespaces: number): void {
    const want = namespaces <= 0 ? 0 : namespaces >= SECOND_WRITER_AT ? this.max : 1;
    while (this.writers.length < want) {
      this.writers.push(this.start());
      this.fresh++;
    }
  }

  /** Processes started since the last call. */
  takeStarted(): number {
    const n = this.fresh;
    this.fresh = 0;
    return n;
  }

  /** Write every namespace (shared among the writers); undefined for those whose writer never started (nothing done there: use ip). */
  async write(items: readonly NsWrite[], tick?: (n: number) => void): Promise<(NsWritten | undefined)[]> {
    this.warm(items.length);
    const shares: number[][] = this.writers.map(() => []);
    items.forEach((_, i) => shares[i % shares.length].push(i));
    const got = await Promise.all(
      this.writers.map((w, k) =>
        w.write(
          shares[k].map((i) => items[i]),
          tick,
        ),
      ),
    );
    const out = new Array<NsWritten | undefined>(items.length);
    got.forEach((g, k) => shares[k].forEach((i, j) => (out[i] = g?.[j])));
    return out;
  }
}

const pools = new WeakMap<NonNullable<Runner['spawnLong']>, WriterPool>();

/** The writers of this runner (started on first use), or undefined: NETKEEPER_WRITER=ip, or a runner that cannot keep a process. */
export function netlinkWriter(runner: Runner, env: NodeJS.ProcessEnv = process.env): WriterPool | undefined {
  const spawnLong = runner.spawnLong;
  if (!spawnLong || writerFromEnv(env) === 'ip') return undefined;
  let pool = pools.get(spawnLong);
  if (!pool || pool.broken) {
    const max = Math.max(1, Math.min(WRITERS, availableParallelism()));
    pool = new WriterPool(() => new NetlinkWriter(spawnLong(pythonFor(env), ['-c', NL_WRITER_PY, String(MARK.routeProto)])), max);
    pools.set(spawnLong, pool);
  }
  return pool;
}

export type { NetlinkWriter, WriterPool };
