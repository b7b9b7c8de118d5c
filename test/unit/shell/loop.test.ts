import { describe, expect, it } from 'vitest';
import { Loop, type Trigger, type Verdict } from '../../../src/shell/loop.js';
import { FakeTimers, settle } from './fake-timers.js';

interface Call {
  trigger: Trigger;
  triggers: Trigger[];
  at: number;
  finish: (v: Verdict | Error) => void;
}

/** A loop whose passes stay running until the test finishes them (or end at once with `auto`). */
function setup(opts: { auto?: Verdict | (() => Verdict); intervalMs?: number } = {}) {
  const timers = new FakeTimers();
  const calls: Call[] = [];
  let running = 0;
  let maxRunning = 0;
  const errors: unknown[] = [];
  const loop = new Loop({
    timers,
    intervalMs: opts.intervalMs ?? 30_000,
    onError: (e) => errors.push(e),
    pass: (trigger, triggers) =>
      new Promise<Verdict>((resolve, reject) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        const finish = (v: Verdict | Error) => {
          running--;
          if (v instanceof Error) reject(v);
          else resolve(v);
        };
        calls.push({ trigger, triggers: [...triggers].sort(), at: timers.now(), finish });
        if (opts.auto) finish(typeof opts.auto === 'function' ? opts.auto() : opts.auto);
      }),
  });
  return { timers, calls, loop, errors, maxRunning: () => maxRunning };
}

describe('Loop scheduling', () => {
  it('runs a first pass at start, then a resync every interval after the end of each pass', async () => {
    const { timers, calls, loop } = setup({ auto: 'ok', intervalMs: 1000 });
    loop.start();
    await settle();
    expect(calls.map((c) => c.trigger)).toEqual(['start']);
    await timers.advance(999);
    expect(calls).toHaveLength(1);
    await timers.advance(1);
    expect(calls.map((c) => [c.trigger, c.at])).toEqual([
      ['start', 0],
      ['resync', 1000],
    ]);
    await timers.advance(3000);
    expect(calls.map((c) => c.at)).toEqual([0, 1000, 2000, 3000, 4000]);
    await loop.stop();
  });

  it('debounces a burst of file events into one pass 300 ms after the last event', async () => {
    const { timers, calls, loop } = setup({ auto: 'ok' });
    loop.start();
    await settle();
    for (let i = 0; i < 5; i++) {
      loop.fileChanged();
      await timers.advance(100);
    }
    // last event at 400 (time 500 now): nothing yet
    expect(calls.map((c) => c.trigger)).toEqual(['start']);
    await timers.advance(200);
    expect(calls.map((c) => [c.trigger, c.at])).toEqual([
      ['start', 0],
      ['change', 700],
    ]);
    await loop.stop();
  });

  it('does not let an endless stream of file events hold the pass back more than maxWait (2 s)', async () => {
    const { timers, calls, loop } = setup({ auto: 'ok' });
    loop.start();
    await settle();
    for (let i = 0; i < 30; i++) {
      loop.fileChanged();
      await timers.advance(100);
    }
    const changes = calls.filter((c) => c.trigger === 'change').map((c) => c.at);
    expect(changes).toEqual([2000]);
    await loop.stop();
  });

  it('never runs two passes at once; changes during a pass give exactly one more pass', async () => {
    const { timers, calls, loop, maxRunning } = setup();
    loop.start();
    await settle();
    expect(calls).toHaveLength(1);
    // many changes and a SIGHUP while the first pass runs
    for (let i = 0; i < 4; i++) {
      loop.fileChanged();
      await timers.advance(400);
    }
    loop.runNow('signal');
    await timers.advance(5000);
    expect(calls).toHaveLength(1);
    expect(loop.busy).toBe(true);
    calls[0].finish('ok');
    await settle();
    expect(calls).toHaveLength(2);
    expect(calls[1].trigger).toBe('change');
    expect(calls[1].triggers).toEqual(['change', 'signal']);
    calls[1].finish('ok');
    await settle();
    expect(calls).toHaveLength(2); // nothing more was asked for
    expect(maxRunning()).toBe(1);
    await loop.stop();
  });

  it('SIGHUP runs a pass at once when idle', async () => {
    const { timers, calls, loop } = setup({ auto: 'ok' });
    loop.start();
    await timers.advance(5000);
    loop.runNow();
    await settle();
    expect(calls.map((c) => [c.trigger, c.at])).toEqual([
      ['start', 0],
      ['signal', 5000],
    ]);
    await loop.stop();
  });

  it('retries a failed pass with backoff 1 s doubling to 60 s, and resets after success', async () => {
    let verdict: Verdict = 'retry';
    const { timers, calls, loop } = setup({ auto: () => verdict, intervalMs: 3_600_000 });
    loop.start();
    await timers.advance(200_000);
    const at = calls.map((c) => c.at);
    // 0, +1, +2, +4, +8, +16, +32, +60, +60 ...
    expect(at.slice(0, 10)).toEqual([0, 1000, 3000, 7000, 15000, 31000, 63000, 123000, 183000]);
    expect(calls.slice(1).every((c) => c.trigger === 'retry')).toBe(true);
    verdict = 'ok';
    await timers.advance(60_000);
    const n = calls.length;
    expect(loop.nextBackoffMs).toBe(1000);
    await timers.advance(600_000);
    expect(calls).toHaveLength(n); // in sync: no more retries (resync is an hour away)
    verdict = 'retry';
    loop.fileChanged();
    await timers.advance(300);
    await timers.advance(1000);
    expect(calls.slice(n).map((c) => c.trigger)).toEqual(['change', 'retry']);
    await loop.stop();
  });

  it('a pass that throws counts as a failure to retry', async () => {
    let fail = true;
    const timers = new FakeTimers();
    const seen: Trigger[] = [];
    const errors: unknown[] = [];
    const loop = new Loop({
      timers,
      intervalMs: 3_600_000,
      onError: (e) => errors.push(e),
      pass: async (t) => {
        seen.push(t);
        if (fail) throw new Error('ip: command not found');
        return 'ok';
      },
    });
    loop.start();
    await timers.advance(1000);
    fail = false;
    await timers.advance(10_000);
    expect(seen).toEqual(['start', 'retry', 'retry']);
    expect((errors[0] as Error).message).toContain('ip:');
    await loop.stop();
  });

  it('a pass that needs a file change is not retried; only the resync and a file change run it again', async () => {
    const { timers, calls, loop } = setup({ auto: 'wait', intervalMs: 30_000 });
    loop.start();
    await timers.advance(29_999);
    expect(calls).toHaveLength(1);
    await timers.advance(1);
    expect(calls.map((c) => c.trigger)).toEqual(['start', 'resync']);
    loop.fileChanged();
    await timers.advance(300);
    expect(calls.map((c) => c.trigger)).toEqual(['start', 'resync', 'change']);
    await loop.stop();
  });

  it('stop() waits for the running pass, then nothing else runs and no timer is left', async () => {
    const { timers, calls, loop } = setup({ intervalMs: 1000 });
    loop.start();
    await settle();
    loop.fileChanged();
    let stopped = false;
    const s = loop.stop().then(() => (stopped = true));
    await timers.advance(5000);
    expect(stopped).toBe(false);
    calls[0].finish('retry');
    await s;
    expect(stopped).toBe(true);
    await timers.advance(100_000);
    expect(calls).toHaveLength(1);
    expect(timers.pending()).toEqual([]);
  });
});

describe('Loop: kernel events', () => {
  it('an event gets a pass of its own after a short quiet time, not the file debounce', async () => {
    const { timers, calls, loop } = setup({ auto: 'ok', intervalMs: 300_000 });
    loop.start();
    await settle();
    loop.kernelChanged();
    await timers.advance(49);
    expect(calls).toHaveLength(1);
    await timers.advance(1);
    expect(calls.map((c) => [c.trigger, c.at])).toEqual([
      ['start', 0],
      ['event', 50],
    ]);
    await loop.stop();
  });

  it('a burst of events is one pass, held back at most 250 ms', async () => {
    const { timers, calls, loop } = setup({ auto: 'ok', intervalMs: 300_000 });
    loop.start();
    await settle();
    for (let i = 0; i < 20; i++) {
      loop.kernelChanged();
      await timers.advance(20);
    }
    expect(calls.map((c) => [c.trigger, c.at])).toEqual([
      ['start', 0],
      ['event', 250],
    ]);
    await timers.advance(1000);
    expect(calls).toHaveLength(3); // the events after the first pass started: one more
    await loop.stop();
  });

  it('events during a pass coalesce into one more pass after it; a file change outranks them', async () => {
    const { timers, calls, loop } = setup({ intervalMs: 300_000 });
    loop.start();
    await settle();
    loop.kernelChanged();
    loop.fileChanged();
    await timers.advance(400);
    calls[0].finish('ok');
    await settle();
    expect(calls.map((c) => [c.trigger, c.triggers])).toEqual([
      ['start', ['start']],
      ['change', ['change', 'event']],
    ]);
    calls[1].finish('ok');
    await loop.stop();
  });
});
