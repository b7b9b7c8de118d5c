// The watcher pass with kernel events (read-scope.ts): which namespace reads each
// kind of pass reuses, and what it tells the event source it owns.
import { describe, expect, it } from 'vitest';
import { WatchPass } from '../../../src/shell/watch-pass.js';
import { ReadScope } from '../../../src/shell/read-scope.js';
import { EMPTY_CONFIG, type PassOptions, type PassOutcome } from '../../../src/shell/pass.js';
import type { Trigger } from '../../../src/shell/loop.js';
import type { Resource } from '../../../src/model/resources.js';
import { WATCH_DEPS } from '../../helpers/watch-pass.js';

const NAMES = ['a', 'b', 'c', 'd'];
const netns = (name: string): Resource => ({ kind: 'netns', key: `netns:${name}`, ns: name, owned: true, name, path: `/run/netns/${name}`, origin: 'named' });

function setup() {
  const reads = new ReadScope();
  const seen: (string[] | undefined)[] = [];
  const owned: string[][] = [];
  const wp = new WatchPass(
    {
      ...WATCH_DEPS,
      loadConfig: async () => ({ ok: true, config: { ...EMPTY_CONFIG, documentCount: 1 } }),
      runPass: async (o: PassOptions): Promise<PassOutcome> => {
        // what this pass would read from the kernel: every namespace it may not reuse
        seen.push(o.reuse ? NAMES.filter((n) => !o.reuse!.has(`/run/netns/${n}`)) : undefined);
        o.onReads?.(new Map(NAMES.map((n) => [`/run/netns/${n}`, `batch ${n}`])));
        return {
          status: 'applied',
          plan: { changes: [], conflicts: [] },
          report: { done: [], failed: [], processes: 0, readBack: new Map() },
          remaining: { changes: [], conflicts: [] },
          sides: { topo: {} as never, desired: NAMES.map(netns), observed: [] },
        };
      },
      acquireLock: async () => ({ path: 'x', waitedMs: 0, release: async () => {} }),
      saveState: async () => {},
      now: () => new Date('2025-01-01T00:00:00Z'),
      scope: { reads, audit: () => 1 },
      onOwned: (n) => void owned.push(n),
    },
    { pid: 1, pidStart: '1', startedAt: 'start', dir: 'networks.d', intervalS: 30 },
  );
  const run = (...t: Trigger[]) => wp.run(t[0], new Set(t));
  return { reads, seen, owned, run };
}

describe('watcher pass: reads driven by kernel events', () => {
  it('start reads everything; an event pass reads only the namespace named; a resync reads an audit slice; SIGHUP everything', async () => {
    const { reads, seen, owned, run } = setup();
    await run('start');
    expect(seen.at(-1)).toBeUndefined(); // undefined: no reuse, every namespace read
    expect(owned.at(-1)).toEqual(NAMES);

    reads.changed('c');
    await run('event');
    expect(seen.at(-1)).toEqual(['c']);

    await run('event'); // an echo with nothing named: nothing read again
    expect(seen.at(-1)).toEqual([]);

    await run('resync');
    expect(seen.at(-1)).toEqual(['a']);
    await run('resync');
    expect(seen.at(-1)).toEqual(['b']);

    reads.changed('d');
    await run('signal');
    expect(seen.at(-1)).toBeUndefined();
    // a SIGHUP coalesced with a file change is still a full read
    await run('change', 'signal');
    expect(seen.at(-1)).toBeUndefined();
    // a file change alone reuses (the kernel did not change)
    await run('change');
    expect(seen.at(-1)).toEqual([]);
    await run('retry');
    expect(seen.at(-1)).toBeUndefined();
  });
});
