// The namespace readers started before a pass asks (nl-reader.ts startReaders / grow,
// called by cli.ts): processes only, as many as the read will use; none with NETKEEPER_READER=ip.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { netlinkReader, SECOND_READER_AT, startReaders } from '../../../../src/shell/observe/nl-reader.js';
import type { Runner } from '../../../../src/shell/runner.js';

const started: ChildProcessWithoutNullStreams[] = [];
/** A runner whose long-lived processes are `sleep` (never ready: nothing is read), counted. */
function sleepers(): Runner & { spawned: string[][] } {
  const spawned: string[][] = [];
  return {
    spawned,
    run: () => Promise.reject(new Error('no commands here')),
    spawnLong(cmd, args) {
      spawned.push([cmd, ...args.slice(0, 1)]);
      const c = spawn('sleep', ['30'], { stdio: ['pipe', 'pipe', 'pipe'] });
      started.push(c);
      return c;
    },
  };
}

afterEach(() => {
  for (const c of started.splice(0)) c.kill('SIGKILL');
});

describe('readers started ahead of the read', () => {
  it('starts one reader, and the second one for a read of SECOND_READER_AT namespaces or more, once per runner', () => {
    const r = sleepers();
    const pool = netlinkReader(r, {})!;
    pool.grow(SECOND_READER_AT - 1);
    expect(r.spawned).toHaveLength(1);
    pool.grow(SECOND_READER_AT);
    pool.grow(SECOND_READER_AT * 10);
    expect(r.spawned).toHaveLength(Math.min(2, availableParallelism()));
    expect(netlinkReader(r, {})).toBe(pool);
  });

  it('starts nothing with NETKEEPER_READER=ip', () => {
    const r = sleepers();
    startReaders(r, { NETKEEPER_READER: 'ip' });
    expect(r.spawned).toEqual([]);
    startReaders(r, {});
    expect(r.spawned.length).toBeGreaterThanOrEqual(1);
  });
});
