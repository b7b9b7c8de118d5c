// The watcher pass keeps what cannot have changed: a pass for kernel events alone
// takes the files as the last pass loaded them (any other trigger loads them again),
// and every pass parses namespace reads through one cache kept across passes.
import { describe, expect, it } from 'vitest';
import { WatchPass } from '../../../src/shell/watch-pass.js';
import { ReadScope } from '../../../src/shell/read-scope.js';
import { EMPTY_CONFIG, type Loaded, type PassOptions, type PassOutcome } from '../../../src/shell/pass.js';
import type { Trigger } from '../../../src/shell/loop.js';
import type { Config } from '../../../src/model/config.js';
import type { EtcNetnsCache } from '../../../src/shell/etc-netns-cache.js';
import { WATCH_DEPS } from '../../helpers/watch-pass.js';

const applied = (): PassOutcome => ({
  status: 'applied',
  plan: { changes: [], conflicts: [] },
  report: { done: [], failed: [], processes: 0, readBack: new Map() },
  remaining: { changes: [], conflicts: [] },
});

function setup() {
  let loads = 0;
  let next: Loaded = { ok: true, config: { ...EMPTY_CONFIG, documentCount: 1 } };
  const configs: Config[] = [];
  const parsers: unknown[] = [];
  const etc: unknown[] = [];
  const begun: [boolean, number][] = [];
  const files = { begin: (full: boolean, audit: number) => void begun.push([full, audit]), read: async () => [] } as unknown as EtcNetnsCache;
  let throwNext = false;
  const wp = new WatchPass(
    {
      ...WATCH_DEPS,
      loadConfig: async () => {
        loads++;
        return next;
      },
      runPass: async (o: PassOptions): Promise<PassOutcome> => {
        if (throwNext) {
          throwNext = false;
          throw new Error('boom');
        }
        configs.push(o.config!);
        parsers.push(o.kept?.nsBatches);
        etc.push(o.kept?.etcNetns);
        return applied();
      },
      acquireLock: async () => ({ path: 'x', waitedMs: 0, release: async () => {} }),
      saveState: async () => {},
      now: () => new Date('2025-01-01T00:00:00Z'),
      scope: { reads: new ReadScope(), audit: () => 1, files },
    },
    { pid: 1, pidStart: '1', startedAt: 'start', dir: 'networks.d', intervalS: 30 },
  );
  const run = (...t: Trigger[]) => wp.run(t[0], new Set(t));
  return {
    run,
    loads: () => loads,
    configs,
    parsers,
    etc,
    files,
    begun,
    setNext: (l: Loaded) => (next = l),
    throwNext: () => (throwNext = true),
  };
}

describe('watcher pass: what it keeps between passes', () => {
  it('a pass for kernel events alone does not load the files again; every other trigger does', async () => {
    const t = setup();
    await t.run('event'); // nothing loaded yet: loads
    expect(t.loads()).toBe(1);
    await t.run('start');
    expect(t.loads()).toBe(2);
    await t.run('event');
    expect(t.loads()).toBe(2);
    expect(t.configs.at(-1)).toBe(t.configs.at(-2)); // the very configuration of the pass before
    for (const trig of [
      ['change'],
      ['event', 'change'],
      ['resync'],
      ['event', 'resync'],
      ['store'],
      ['event', 'store'],
      ['signal'],
      ['retry'],
    ] as Trigger[][]) {
      const before = t.loads();
      await t.run(...trig);
      expect(t.loads(), trig.join('+')).toBe(before + 1);
    }
  });

  it('broken files stay broken for an event pass: the last good configuration is applied, without loading again', async () => {
    const t = setup();
    await t.run('start');
    const good = t.configs.at(-1);
    t.setNext({ ok: false, outcome: { status: 'invalid', errors: [{ code: 'yaml', object: 'o', message: 'bad' }] } });
    await t.run('change');
    expect(t.configs.at(-1)).toBe(good);
    const loads = t.loads();
    await t.run('event');
    expect(t.loads()).toBe(loads);
    expect(t.configs.at(-1)).toBe(good);
  });

  it('after a pass that failed, the next event pass loads the files again', async () => {
    const t = setup();
    await t.run('start');
    t.throwNext();
    await t.run('event');
    const loads = t.loads();
    await t.run('event');
    expect(t.loads()).toBe(loads + 1);
  });

  it('every pass gets the same namespace-read parser (the parse cache lives as long as the watcher)', async () => {
    const t = setup();
    await t.run('start');
    await t.run('event');
    await t.run('resync');
    expect(t.parsers[0]).toBeDefined();
    expect(new Set(t.parsers).size).toBe(1);
  });

  it('the copy of /etc/netns is passed to every pass; full passes read it all, a resync an audit slice', async () => {
    const t = setup();
    await t.run('start');
    await t.run('event');
    await t.run('resync');
    await t.run('change');
    await t.run('signal');
    expect(t.begun).toEqual([
      [true, 0],
      [false, 0],
      [false, 1],
      [false, 0],
      [true, 0],
    ]);
    expect(t.etc.every((e) => e === t.files)).toBe(true);
  });
});

describe('watcher pass: the owned namespaces told to the event source', () => {
  it('only when they may have changed: other names, or a pass that changed something', async () => {
    let names = ['a', 'b'];
    let changes: { action: 'create'; key: string }[] = [];
    const told: string[][] = [];
    const wp = new WatchPass(
      {
        ...WATCH_DEPS,
        loadConfig: async () => ({ ok: true, config: { ...EMPTY_CONFIG, documentCount: 1 } }),
        runPass: async (): Promise<PassOutcome> =>
          ({
            ...applied(),
            plan: { changes, conflicts: [] },
            sides: {
              topo: {} as never,
              desired: names.map((n) => ({ kind: 'netns', key: `netns:${n}`, ns: n, owned: true, name: n, path: `/run/netns/${n}`, origin: 'named' })),
              observed: [],
            },
          }) as unknown as PassOutcome,
        acquireLock: async () => ({ path: 'x', waitedMs: 0, release: async () => {} }),
        saveState: async () => {},
        now: () => new Date('2025-01-01T00:00:00Z'),
        onOwned: (n) => void told.push(n),
      },
      { pid: 1, pidStart: '1', startedAt: 'start', dir: 'networks.d', intervalS: 30 },
    );
    await wp.run('start');
    expect(told).toEqual([['a', 'b']]);
    await wp.run('resync');
    await wp.run('event');
    expect(told.length).toBe(1);
    changes = [{ action: 'create', key: 'netns:b' }]; // b made again: it needs an id again
    await wp.run('event');
    expect(told.length).toBe(2);
    changes = [];
    names = ['a', 'b', 'c'];
    await wp.run('change');
    expect(told.at(-1)).toEqual(['a', 'b', 'c']);
    expect(told.length).toBe(3);
  });
});
