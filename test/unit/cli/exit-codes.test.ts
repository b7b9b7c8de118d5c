// Exit codes scripts can tell apart (EXIT in src/commands/common.ts): a busy lock
// is 4, a conflict with an object netkeeper does not own is 3 — distinct from
// 1 (an error) and 2 (plan: changes pending). The README lists every code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireLock, underLock } from '../../../src/shell/lock.js';
import { reportApplied, reportProblem } from '../../../src/commands/report.js';
import { EXIT, EXIT_CODES, type Context } from '../../../src/commands/common.js';
import type { PassOutcome } from '../../../src/shell/pass.js';
import type { Diagnostic } from '../../../src/model/diagnostic.js';
import type { Change } from '../../../src/model/plan.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nk-exit-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fakeCtx(): Context & { text: () => string } {
  let text = '';
  return {
    opts: { dir: 'x', allowEmpty: false, json: false, once: true, interval: 30, logLevel: 'silent', args: [] },
    runner: undefined as never,
    log: undefined as never,
    out: (t) => (text += t),
    err: (t) => (text += t),
    text: () => text,
  };
}

const conflict: Diagnostic = {
  code: 'unowned-in-the-way',
  message: "link br-x exists and is not netkeeper's",
  object: 'Network x',
  keys: ['link:host/br-x'],
  heldBack: ['link:host/br-x'],
} as Diagnostic;

const change = { action: 'create', key: 'netns:web', reason: 'declared', after: { kind: 'netns', key: 'netns:web' } } as unknown as Change;

function applied(changes: Change[], conflicts: Diagnostic[]): Extract<PassOutcome, { status: 'applied' }> {
  return {
    status: 'applied',
    plan: { changes, conflicts },
    report: { failed: [], processes: 1 },
    remaining: { changes: [], conflicts },
  } as unknown as Extract<PassOutcome, { status: 'applied' }>;
}

describe('exit codes', () => {
  it('4: gave up waiting for a busy lock (nothing was applied)', async () => {
    const held = await acquireLock({ dir, what: 'test holder', timeoutMs: 1000 });
    try {
      const ctx = fakeCtx();
      let ran = false;
      const code = await underLock({ dir, what: 'reconcile --once', timeoutMs: 200, err: ctx.err }, async () => {
        ran = true;
        return EXIT.ok;
      });
      expect(code).toBe(4);
      expect(code).toBe(EXIT.lockBusy);
      expect(ran).toBe(false);
      expect(ctx.text()).toMatch(
        /^error: pid \d+ \(test holder, since .*\) holds .*lock; gave up waiting after 0.2 s \(--lock-timeout\)\nnothing was applied\n$/,
      );
    } finally {
      await held.release();
    }
  });

  it('3: a conflict held something back, the rest was applied', () => {
    const ctx = fakeCtx();
    expect(reportApplied(ctx, applied([change], [conflict]), 'reconciled')).toBe(3);
    expect(reportApplied(fakeCtx(), applied([], [conflict]), 'reconciled')).toBe(EXIT.conflict);
    expect(ctx.text()).toContain("error: Network x: link br-x exists and is not netkeeper's");
  });

  it('3: a conflict that blocks the whole pass', () => {
    const o = { status: 'conflict', plan: { changes: [], conflicts: [{ ...conflict, keys: undefined }] } } as unknown as PassOutcome;
    expect(reportProblem(fakeCtx(), o)).toBe(3);
  });

  it('0 and 1 stay what they were: in sync, and invalid files', () => {
    expect(reportApplied(fakeCtx(), applied([change], []), 'reconciled')).toBe(0);
    const invalid = { status: 'invalid', errors: [{ code: 'yaml', message: 'bad', object: 'x.yaml' }] } as unknown as PassOutcome;
    expect(reportProblem(fakeCtx(), invalid)).toBe(1);
  });

  it('the README documents every exit code', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const e of EXIT_CODES) expect(readme, `exit code ${e.code}`).toMatch(new RegExp(`^\\| ${e.code} \\| `, 'm'));
  });
});
