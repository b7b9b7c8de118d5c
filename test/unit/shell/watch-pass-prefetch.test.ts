// The watcher starts the host-wide kernel reads of a pass that loads the files before it
// loads them (deps.prefetch), so they run while the files load; the pass gets them as
// PassOptions.prefetch. A pass for kernel events alone loads nothing and starts nothing
// early; a fleet store pass does not read again what it carries from the last pass.
import { describe, expect, it } from 'vitest';
import { WatchPass, type WatchPassDeps } from '../../../src/shell/watch-pass.js';
import { EMPTY_CONFIG, type PassOptions, type PassOutcome } from '../../../src/shell/pass.js';
import type { Trigger } from '../../../src/shell/loop.js';
import type { ObservedHost } from '../../../src/model/observed-host.js';
import type { HostPrefetch } from '../../../src/shell/observe/prefetch.js';
import { WATCH_DEPS } from '../../helpers/watch-pass.js';
import { ReadScope } from '../../../src/shell/read-scope.js';
import { HOST_READ } from '../../../src/observe/batch.js';

function setup(scope?: WatchPassDeps['scope']) {
  const events: string[] = [];
  const given: (HostPrefetch | undefined)[] = [];
  const asked: { host: boolean; firewall: boolean; listeners: boolean }[] = [];
  let n = 0;
  const wp = new WatchPass(
    {
      ...WATCH_DEPS,
      ...(scope ? { scope } : {}),
      loadConfig: async () => {
        events.push('load');
        return { ok: true, config: { ...EMPTY_CONFIG, documentCount: 1 } };
      },
      prefetch: (what) => {
        events.push('prefetch');
        asked.push(what);
        return { tag: ++n } as unknown as HostPrefetch;
      },
      runPass: async (o: PassOptions): Promise<PassOutcome> => {
        events.push('pass');
        given.push(o.prefetch);
        o.onObserved?.({ observed: { tag: 'fw' }, listeners: [] } as unknown as ObservedHost);
        return {
          status: 'applied',
          plan: { changes: [], conflicts: [] },
          report: { done: [], failed: [], processes: 0, readBack: new Map() },
          remaining: { changes: [], conflicts: [] },
        } as unknown as PassOutcome;
      },
      acquireLock: async () => {
        events.push('lock');
        return { path: 'x', waitedMs: 0, release: async () => {} };
      },
      saveState: async () => {},
      now: () => new Date('2025-01-01T00:00:00Z'),
    },
    { pid: 1, pidStart: '1', startedAt: 'start', dir: 'networks.d', intervalS: 30 },
  );
  const run = (...t: Trigger[]) => wp.run(t[0], new Set(t));
  return { events, given, asked, run };
}

describe('watcher pass: host reads start while the files load', () => {
  it('under the lock, before the load, for every pass that loads the files; handed to the pass', async () => {
    const { events, given, asked, run } = setup();
    await run('start');
    expect(events).toEqual(['lock', 'prefetch', 'load', 'pass']);
    expect(given.at(-1)).toEqual({ tag: 1 });
    expect(asked.at(-1)).toEqual({ host: true, firewall: true, listeners: true });
    for (const t of ['change', 'resync', 'signal', 'retry'] as const) {
      events.length = 0;
      await run(t);
      expect(events, t).toEqual(['lock', 'prefetch', 'load', 'pass']);
      expect(given.at(-1), t).toBeDefined();
    }
  });

  it('an event pass (the files as last loaded) starts nothing early; a store pass skips what it carries', async () => {
    const { events, given, asked, run } = setup();
    await run('start');
    events.length = 0;
    await run('event');
    expect(events).toEqual(['lock', 'pass']);
    expect(given.at(-1)).toBeUndefined();
    await run('store');
    expect(asked.at(-1)).toEqual({ host: true, firewall: false, listeners: false });
  });

  it("does not read the host early when the pass reuses the watcher's kept read of it", async () => {
    const reads = new ReadScope();
    reads.begin(true);
    reads.end(new Map([[HOST_READ, 'host batch']]));
    const { asked, run } = setup({ reads, audit: () => 0 });
    await run('change');
    expect(asked.at(-1)?.host).toBe(false);
    reads.changedHost();
    await run('change');
    expect(asked.at(-1)?.host).toBe(true);
  });
});
