import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { formatWatcherState, readLiveState, writeState, type WatcherState } from '../../../src/shell/state-file.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nk-watch-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('watcher state file', () => {
  const state = (pid: number, pidStart?: string): WatcherState => ({
    pid,
    pidStart,
    startedAt: '2025-01-01T00:00:00.000Z',
    dir: '/etc/netkeeper/networks.d',
    intervalS: 30,
    last: {
      id: 7,
      trigger: 'change',
      startedAt: '2025-01-01T00:10:00.000Z',
      ms: 420,
      result: 'applied',
      counts: { create: 3, update: 1, replace: 0, delete: 0 },
      keys: ['+netns:web'],
      failed: 0,
      pending: 0,
      errors: [],
      usedLastGood: false,
    },
  });

  it('is shown while its pid lives, and ignored once it died or the pid was reused', async () => {
    const d = join(dir, 'run');
    await writeState(d, state(process.pid));
    expect((await readLiveState(d))?.last?.id).toBe(7);
    await writeState(d, state(process.pid, 'not-my-start-time'));
    expect(await readLiveState(d)).toBeUndefined();
    const child = spawn('true');
    await new Promise((r) => child.on('exit', r));
    await writeState(d, state(child.pid!));
    expect(await readLiveState(d)).toBeUndefined();
  });

  it('reads as one line about the watcher and one about its last pass', () => {
    const text = formatWatcherState(state(123), new Date('2025-01-01T00:10:30.000Z'));
    expect(text).toContain('watcher: pid 123, watching /etc/netkeeper/networks.d');
    expect(text).toContain('last pass: #7 (change) at 2025-01-01T00:10:00.000Z (30 s ago), 420 ms: applied: 3 created, 1 updated, 0 replaced, 0 deleted');
  });
});
