import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { WatchPass } from '../../../src/shell/watch-pass.js';
import { LockAbortedError, LockTimeoutError, type Lock, type LockOptions } from '../../../src/shell/lock.js';
import { EMPTY_CONFIG, type PassOptions, type PassOutcome } from '../../../src/shell/pass.js';
import type { LoadProblem } from '../../../src/shell/load.js';
import type { Config } from '../../../src/model/config.js';
import type { Change } from '../../../src/model/plan.js';
import type { Resource } from '../../../src/model/resources.js';
import type { Diagnostic } from '../../../src/model/diagnostic.js';
import type { WatcherState } from '../../../src/shell/state-file.js';

const configA: Config = { ...EMPTY_CONFIG, documentCount: 1 };
const configB: Config = { ...EMPTY_CONFIG, documentCount: 2 };

const invalid: PassOutcome & LoadProblem = {
  status: 'invalid',
  errors: [{ code: 'yaml', message: 'bad indentation', pos: { file: 'networks.d/web.yaml', line: 3, col: 5 } }],
};

// the watcher only counts and names changes: any resource stands in for what they are about
const stand: Resource = { kind: 'netns', key: 'netns:x', ns: 'x', owned: true, name: 'x', path: '/run/netns/x', origin: 'named' };
const change = (action: 'create' | 'delete', key: string): Change =>
  action === 'create' ? { action, key, after: stand, reason: 'test' } : { action, key, before: stand, reason: 'test' };

function applied(changes: Change[], failed = 0, pending: Change[] = []): PassOutcome {
  return {
    status: 'applied',
    plan: { changes, conflicts: [] },
    report: {
      done: [],
      failed: Array.from({ length: failed }, (_, i) => ({
        kind: 'batch' as const,
        key: `k${i}`,
        command: 'ip link add',
        error: 'File exists',
        argv: ['ip', '-force', '-batch', '-'],
        exitCode: 1,
        stderr: 'RTNETLINK answers: File exists',
        line: 1,
      })),
      processes: 1,
      readBack: new Map(),
    },
    remaining: { changes: pending, conflicts: [] },
  };
}

function setup() {
  const logs: { level: number; msg: string; [k: string]: unknown }[] = [];
  const log = pino({ level: 'trace' }, { write: (s: string) => logs.push(JSON.parse(s)) });
  let files: Config | LoadProblem = configA;
  const ran: (Config | undefined)[] = [];
  let next: (c: Config) => PassOutcome = () => applied([]);
  const saved: WatcherState[] = [];
  let lockFail: false | 'timeout' | 'abort' = false;
  let locked = 0;
  const wp = new WatchPass(
    {
      dir: 'networks.d',
      allowEmpty: false,
      lockTimeoutMs: 1000,
      log,
      runner: { run: async () => ({ stdout: '', stderr: '', exitCode: 0 }) },
      loadConfig: async () => ('status' in files ? { ok: false, outcome: files } : { ok: true, config: files }),
      runPass: async (o: PassOptions) => {
        expect(locked).toBe(1); // passes run under the lock
        ran.push(o.config);
        return next(o.config!);
      },
      acquireLock: async (o: LockOptions): Promise<Lock> => {
        if (lockFail === 'abort') throw new LockAbortedError();
        if (lockFail) throw new LockTimeoutError('/run/netkeeper/lock', o.timeoutMs!, { pid: 42, what: 'reconcile --once', since: 'then' });
        locked++;
        return { path: 'x', waitedMs: 0, release: async () => void locked-- };
      },
      saveState: async (s) => void saved.push(structuredClone(s)),
      now: () => new Date('2025-01-01T00:00:00Z'),
    },
    { pid: 1, pidStart: '1', startedAt: 'start', dir: 'networks.d', intervalS: 30 },
  );
  return {
    wp,
    logs,
    ran,
    saved,
    setFiles: (f: Config | LoadProblem) => (files = f),
    setNext: (f: (c: Config) => PassOutcome) => (next = f),
    setLockFail: (b: false | 'timeout' | 'abort') => (lockFail = b),
    locked: () => locked,
  };
}

describe('watcher pass', () => {
  it('applies good files, logs one summary line with the pass id, counts and keys, and saves the state', async () => {
    const t = setup();
    t.setNext(() => applied([change('create', 'netns:web'), change('create', 'link:web/eth0'), change('delete', 'link:host/nk-old')]));
    expect(await t.wp.run('start')).toBe('ok');
    expect(t.ran).toEqual([configA]);
    const done = t.logs.filter((l) => l.msg === 'pass done');
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({
      level: 30,
      pass: 1,
      trigger: 'start',
      result: 'applied',
      changes: { create: 2, update: 0, replace: 0, delete: 1 },
      keys: ['+netns:web', '+link:web/eth0', '-link:host/nk-old'],
    });
    expect(typeof done[0].ms).toBe('number');
    expect(t.saved.at(-1)?.last).toMatchObject({ id: 1, result: 'applied', counts: { create: 2, delete: 1 } });
    expect(t.locked()).toBe(0);
    t.setNext(() => applied([]));
    expect(await t.wp.run('resync')).toBe('ok');
    expect(t.logs.filter((l) => l.msg === 'pass done').at(-1)).toMatchObject({ pass: 2, result: 'in-sync' });
  });

  it('keeps the last good configuration in force while the files are broken, and waits for a change', async () => {
    const t = setup();
    await t.wp.run('start');
    t.setFiles(invalid);
    expect(await t.wp.run('change')).toBe('wait');
    // the broken files were never passed on; the pass ran against the last good config
    expect(t.ran).toEqual([configA, configA]);
    const errs = t.logs.filter((l) => l.level === 50);
    expect(errs).toHaveLength(1);
    expect(errs[0].errors).toEqual(['networks.d/web.yaml:3:5: bad indentation [yaml]']);
    expect(errs[0].msg).toContain('the last good state stays in force');
    const st = t.saved.at(-1)!;
    expect(st.last).toMatchObject({ result: 'invalid', usedLastGood: true, errors: ['networks.d/web.yaml:3:5: bad indentation [yaml]'] });
    expect(st.brokenSince).toBeDefined();
    // the resync sees the same broken files: not logged at error again
    expect(await t.wp.run('resync')).toBe('wait');
    expect(t.logs.filter((l) => l.level === 50)).toHaveLength(1);
    // fixed: the new files apply
    t.setFiles(configB);
    t.setNext(() => applied([change('create', 'netns:db')]));
    expect(await t.wp.run('change')).toBe('ok');
    expect(t.ran.at(-1)).toBe(configB);
    expect(t.saved.at(-1)?.brokenSince).toBeUndefined();
    expect(t.logs.some((l) => l.msg === 'files are good again')).toBe(true);
  });

  it('broken files with no good configuration yet apply nothing at all', async () => {
    const t = setup();
    t.setFiles(invalid);
    expect(await t.wp.run('start')).toBe('wait');
    expect(t.ran).toEqual([]);
    t.setFiles({ status: 'refused', reason: 'directory networks.d holds no objects' });
    expect(await t.wp.run('change')).toBe('wait');
    expect(t.ran).toEqual([]);
    expect(t.saved.at(-1)?.last?.result).toBe('refused');
  });

  it('an emptied directory (deletion guard) keeps the last good state', async () => {
    const t = setup();
    await t.wp.run('start');
    t.setFiles({ status: 'refused', reason: 'directory networks.d holds no objects' });
    expect(await t.wp.run('change')).toBe('wait');
    expect(t.ran).toEqual([configA, configA]);
  });

  it('an IPAM error found while planning (invalid from runPass) falls back to the last good config', async () => {
    const t = setup();
    await t.wp.run('start');
    t.setFiles(configB);
    t.setNext((c) => (c === configB ? invalid : applied([])));
    expect(await t.wp.run('change')).toBe('wait');
    expect(t.ran).toEqual([configA, configB, configA]);
  });

  it('a conflict with an unowned object waits; the last good state is kept', async () => {
    const t = setup();
    await t.wp.run('start');
    t.setFiles(configB);
    t.setNext((c) =>
      c === configB
        ? {
            status: 'conflict',
            plan: { changes: [], conflicts: [{ code: 'unowned-in-the-way', message: "link br-x exists and is not netkeeper's", object: 'Network x' }] },
          }
        : applied([]),
    );
    expect(await t.wp.run('change')).toBe('wait');
    expect(t.saved.at(-1)?.last).toMatchObject({ result: 'conflict', usedLastGood: true });
  });

  it('a conflict about one object holds back only it: the rest is applied, the result is conflict, the next pass comes at the resync', async () => {
    const t = setup();
    const held = {
      code: 'unowned-in-the-way' as const,
      message: "interface nkapp0 exists and is not netkeeper's; remove or rename it, or change the files",
      object: 'interface nkapp0',
      keys: ['link:host/nkapp0'],
      heldBack: ['link:host/nkapp0', 'link:app/eth0'],
    };
    const gone = {
      code: 'adopted-netns-gone' as const,
      message: 'the adopted namespace /proc/9/ns/net no longer exists',
      object: 'Container ext',
      keys: ['netns:ext'],
      heldBack: [],
    };
    const withHeld = (changes: Change[]): PassOutcome => {
      const o = applied(changes) as Extract<PassOutcome, { status: 'applied' }>;
      return { ...o, plan: { ...o.plan, conflicts: [held], warnings: [gone] }, remaining: { changes: [], conflicts: [held], warnings: [gone] } };
    };
    t.setNext(() => withHeld([change('create', 'chain:host/filter/NK-ISOLATION')]));
    expect(await t.wp.run('start')).toBe('ok');
    expect(t.ran).toEqual([configA]);
    const last = t.saved.at(-1)!;
    expect(last.last).toMatchObject({ result: 'conflict', pending: 0, failed: 0, counts: { create: 1 } });
    expect(last.last!.errors).toEqual([
      "error: interface nkapp0: interface nkapp0 exists and is not netkeeper's; remove or rename it, or change the files [unowned-in-the-way]",
      '  held back: link:host/nkapp0, link:app/eth0',
    ]);
    expect(last.last!.warnings).toEqual(['warning: Container ext: the adopted namespace /proc/9/ns/net no longer exists [adopted-netns-gone]']);
    expect(last.brokenSince).toBeUndefined();
    expect(t.logs.filter((l) => l.level === 50 && /hold back/.test(l.msg))).toHaveLength(1);
    expect(t.logs.filter((l) => l.level === 40 && /adopted namespaces that are gone/.test(l.msg))).toHaveLength(1);
    // the same again: logged at debug only; once it is gone, said so
    t.setNext(() => withHeld([]));
    expect(await t.wp.run('resync')).toBe('ok');
    expect(t.logs.filter((l) => l.level >= 40 && /hold back|gone/.test(l.msg))).toHaveLength(2);
    t.setNext(() => applied([change('create', 'link:host/nkapp0')]));
    expect(await t.wp.run('resync')).toBe('ok');
    expect(t.saved.at(-1)?.last).toMatchObject({ result: 'applied', errors: [] });
    expect(t.logs.some((l) => l.msg === 'nothing is held back any more')).toBe(true);
  });

  it('failed commands or pending changes ask for a retry', async () => {
    const t = setup();
    t.setNext(() => applied([change('create', 'netns:web')], 1));
    expect(await t.wp.run('start')).toBe('retry');
    expect(t.saved.at(-1)?.last).toMatchObject({ result: 'failed', failed: 1 });
    t.setNext(() => applied([change('create', 'netns:web')], 0, [change('create', 'addr:web/eth0/10.0.0.2/24')]));
    expect(await t.wp.run('retry')).toBe('retry');
    expect(t.saved.at(-1)?.last).toMatchObject({ result: 'failed', pending: 1 });
    expect(t.logs.filter((l) => l.level === 40 && l.msg !== 'pass done').length).toBe(2);
    // a pass that did not end in sync says so at warn, not info
    expect(t.logs.filter((l) => l.msg === 'pass done').map((l) => l.level)).toEqual([40, 40]);
  });

  it('a lock that is not free in time is an error to retry, naming the holder', async () => {
    const t = setup();
    t.setLockFail('timeout');
    expect(await t.wp.run('start')).toBe('retry');
    expect(t.ran).toEqual([]);
    expect(t.saved.at(-1)?.last?.result).toBe('error');
    expect(t.saved.at(-1)?.last?.errors[0]).toContain('pid 42 (reconcile --once');
  });

  it('stopping while waiting for the lock ends the pass quietly: no summary, no state, no retry', async () => {
    const t = setup();
    t.setLockFail('abort');
    await expect(t.wp.run('resync')).rejects.toBeInstanceOf(LockAbortedError);
    expect(t.saved).toEqual([]);
    expect(t.logs.filter((l) => l.msg === 'pass done')).toEqual([]);
  });

  it('truncates the keys of a large pass to 10', async () => {
    const t = setup();
    t.setNext(() => applied(Array.from({ length: 50 }, (_, i) => change('create', `netns:c${i}`))));
    await t.wp.run('start');
    expect(t.saved.at(-1)?.last?.keys).toHaveLength(10);
    expect(t.saved.at(-1)?.last?.counts.create).toBe(50);
  });
});

describe('watcher pass: warnings', () => {
  it('logs what it leaves alone (a user’s NK-* chain) once, and again only when it changes', async () => {
    const t = setup();
    const w: Diagnostic = { code: 'foreign-chain', object: 'iptables chain filter/NK-MYDROP', message: 'is not one netkeeper makes' };
    const withWarnings = (ws: Diagnostic[]): PassOutcome => {
      const o = applied([]);
      return o.status === 'applied' ? { ...o, plan: { ...o.plan, warnings: ws } } : o;
    };
    t.setNext(() => withWarnings([w]));
    await t.wp.run('start');
    await t.wp.run('resync');
    const warned = () => t.logs.filter((l) => l.msg.startsWith('left alone'));
    expect(warned()).toHaveLength(1);
    expect(warned()[0]).toMatchObject({ level: 40, warnings: ['iptables chain filter/NK-MYDROP: is not one netkeeper makes [foreign-chain]'] });
    t.setNext(() => withWarnings([w, { ...w, object: 'iptables chain filter/NK-OTHER' }]));
    await t.wp.run('resync');
    expect(warned()).toHaveLength(2);
  });
});
