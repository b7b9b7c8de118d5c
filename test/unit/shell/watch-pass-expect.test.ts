// The watcher pass and expectations/healing: drift put back on a pass whose files
// are those of the last good pass is recorded per object; the first apply is not
// drift; expectations are probed after each applied pass and counted.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { WatchPass } from '../../../src/shell/watch-pass.js';
import { EMPTY_CONFIG, type PassOutcome } from '../../../src/shell/pass.js';
import type { Config } from '../../../src/model/config.js';
import type { Change } from '../../../src/model/plan.js';
import type { Resource } from '../../../src/model/resources.js';
import type { ExpectOutcome } from '../../../src/expect/result.js';
import type { WatcherState } from '../../../src/shell/state-file.js';

const addr: Resource = { kind: 'addr', key: 'addr:db/eth0/10.66.0.20/24', ns: 'db', owned: true, ifname: 'eth0', cidr: '10.66.0.20/24' };
const heal: Change = { action: 'create', key: addr.key, after: addr, reason: 'declared' };
const config: Config = {
  ...EMPTY_CONFIG,
  documentCount: 3,
  expects: [
    { kind: 'Expect', name: 'e', from: { type: 'host' }, to: { type: 'host' }, protocol: 'icmp', result: 'reachable', pos: { file: 'a', line: 1, col: 1 } },
  ],
};
const applied = (changes: Change[]): PassOutcome => ({
  status: 'applied',
  plan: { changes, conflicts: [] },
  report: { done: changes.map((c) => c.key), failed: [], processes: 1, readBack: new Map() },
  remaining: { changes: [], conflicts: [] },
  sides: { observed: [], desired: [] },
});

describe('watcher pass: healing and expectations', () => {
  it('records healed drift per object (not the first apply), and probes after each pass', async () => {
    let next = applied([heal]);
    const probed: (ExpectOutcome[] | undefined)[] = [];
    const saved: WatcherState[] = [];
    const result = (held: boolean): ExpectOutcome => ({
      name: 'e',
      text: 'host → host',
      expected: 'reachable',
      verdict: held ? 'reachable' : 'unreachable',
      held,
      detail: '',
      at: '',
      ms: 1,
    });
    let held = true;
    const wp = new WatchPass(
      {
        dir: 'd',
        allowEmpty: false,
        lockTimeoutMs: 1000,
        log: pino({ level: 'silent' }),
        runner: { run: async () => ({ stdout: '', stderr: '', exitCode: 0 }) },
        loadConfig: async () => ({ ok: true, config }),
        runPass: async () => next,
        acquireLock: async () => ({ path: 'x', waitedMs: 0, release: async () => {} }),
        saveState: async (s) => void saved.push(structuredClone(s)),
        now: () => new Date('2026-01-01T00:00:00Z'),
        probe: async (_c, _s, _l, previous) => {
          probed.push(previous);
          return [result(held)];
        },
      },
      { pid: 1, pidStart: '1', startedAt: 's', dir: 'd', intervalS: 1 },
    );
    await wp.run('start'); // the first apply: not drift
    expect(wp.state.healed).toBeUndefined();
    expect(wp.state.last?.expectations).toEqual({ held: 1, failed: [], skipped: 0 });
    held = false;
    await wp.run('resync'); // same files, a change: drift put back
    expect(wp.state.healed).toEqual([{ at: '2026-01-01T00:00:00.000Z', pass: 2, object: 'Container db', what: ['missing address 10.66.0.20'] }]);
    expect(wp.state.last?.expectations).toEqual({ held: 0, failed: ['e'], skipped: 0 });
    expect(probed[0]).toBeUndefined();
    expect(probed[1]).toEqual([result(true)]); // the last results, so unchanged ones log at debug
    next = applied([]);
    await wp.run('resync');
    expect(wp.state.healed).toHaveLength(1);
    expect(saved.at(-1)?.healed).toHaveLength(1);
  });
});
