// The watcher pass for a fleet store change (trigger 'store'): it takes the host's
// iptables and listening sockets from the last pass that ended in sync instead of
// reading them again; every other pass reads them.
import { describe, expect, it } from 'vitest';
import { WatchPass } from '../../../src/shell/watch-pass.js';
import { EMPTY_CONFIG, type PassOptions, type PassOutcome } from '../../../src/shell/pass.js';
import type { Trigger } from '../../../src/shell/loop.js';
import type { ObservedHost } from '../../../src/model/observed-host.js';
import { WATCH_DEPS } from '../../helpers/watch-pass.js';

function setup() {
  const carried: (PassOptions['carry'] | undefined)[] = [];
  let n = 0;
  let fail = false;
  const wp = new WatchPass(
    {
      ...WATCH_DEPS,
      loadConfig: async () => ({ ok: true, config: { ...EMPTY_CONFIG, documentCount: 1 } }),
      runPass: async (o: PassOptions): Promise<PassOutcome> => {
        carried.push(o.carry);
        n++;
        // the first observation (with listeners), then the verify's (without)
        o.onObserved?.({ observed: { tag: `first ${n}` }, listeners: [{ tag: n }] } as unknown as ObservedHost);
        o.onObserved?.({ observed: { tag: `verify ${n}` } } as unknown as ObservedHost);
        return {
          status: 'applied',
          plan: { changes: [], conflicts: [] },
          report: { done: [], failed: fail ? [{ key: 'k', command: 'c', error: 'e' }] : [], processes: 0, readBack: new Map() },
          remaining: { changes: [], conflicts: [] },
        } as unknown as PassOutcome;
      },
      acquireLock: async () => ({ path: 'x', waitedMs: 0, release: async () => {} }),
      saveState: async () => {},
      now: () => new Date('2025-01-01T00:00:00Z'),
    },
    { pid: 1, pidStart: '1', startedAt: 'start', dir: 'networks.d', intervalS: 30 },
  );
  const run = (...t: Trigger[]) => wp.run(t[0], new Set(t));
  return { carried, run, failNext: (v: boolean) => (fail = v) };
}

describe('watcher pass: a fleet store change reuses the host-wide reads', () => {
  it('a store pass takes the last in-sync pass’s firewall (its verify read) and listeners; other passes read them', async () => {
    const { carried, run, failNext } = setup();
    await run('store'); // nothing to take yet
    expect(carried.at(-1)).toBeUndefined();
    await run('start');
    expect(carried.at(-1)).toBeUndefined();
    await run('store');
    expect(carried.at(-1)).toEqual({ firewall: { tag: 'verify 2' }, listeners: [{ tag: 2 }] });
    await run('store', 'event');
    expect(carried.at(-1)).toEqual({ firewall: { tag: 'verify 3' }, listeners: [{ tag: 3 }] });
    for (const t of ['change', 'resync', 'signal', 'retry', 'event'] as const) {
      await run(t);
      expect(carried.at(-1), t).toBeUndefined();
    }
    await run('store', 'change');
    expect(carried.at(-1)).toBeUndefined();
    // a pass that did not end in sync leaves nothing to take
    failNext(true);
    await run('resync');
    failNext(false);
    await run('store');
    expect(carried.at(-1)).toBeUndefined();
  });
});
