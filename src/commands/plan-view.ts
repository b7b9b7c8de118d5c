// The plan and apply screens: grouped by declared object (default) or kernel-level
// (--detail), coloured on a terminal unless NO_COLOR; progress while applying.

import type { Plan } from '../model/plan.js';
import type { PlanSides } from '../view/group.js';
import { formatDetailPlan, formatGroupedPlan } from '../view/plan-text.js';
import type { Context } from './common.js';

/** Colour only on a terminal, and never with NO_COLOR set to anything non-empty (no-color.org). */
export function colorWanted(isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  return !!isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
}

export const stdoutColor = (): boolean => colorWanted(process.stdout.isTTY, process.env);

/** The plan as `plan` and `reconcile` print it. `problems`: false when the caller prints conflicts and warnings itself. */
export function planText(ctx: Context, plan: Plan, sides: PlanSides, problems = false): string {
  const opts = { color: stdoutColor(), problems };
  return ctx.opts.detail ? formatDetailPlan(plan, sides, opts) : formatGroupedPlan(plan, sides, opts);
}

const PROGRESS_EVERY_MS = 2000;
const TICK_MS = 500;

export interface ProgressPrinter {
  update: (done: number, total: number) => void;
  stop: () => void;
}

export interface ProgressFields {
  done: number;
  total: number;
  ms: number;
}

/**
 * Progress while applying: on a terminal one line on stderr updated in place
 * (namespaces done of total, elapsed); otherwise (logs) a line at least every 2 s.
 */
export function progressPrinter(write: (t: string, f: ProgressFields) => void, tty: boolean, now: () => number = () => performance.now()): ProgressPrinter {
  const t0 = now();
  let done = 0;
  let total = 0;
  let last = t0;
  const line = () => `applying: ${total ? `${done}/${total} namespaces, ` : ''}${((now() - t0) / 1000).toFixed(1)}s elapsed`;
  const fields = (): ProgressFields => ({ done, total, ms: Math.round(now() - t0) });
  const tick = () => {
    if (tty) write(`\r\x1b[K${line()}`, fields());
    else if (now() - last >= PROGRESS_EVERY_MS - TICK_MS / 2) {
      write(`${line()}\n`, fields());
      last = now();
    }
  };
  const timer = setInterval(tick, TICK_MS);
  timer.unref();
  return {
    update: (d, t) => {
      done = d;
      total = t;
      if (tty) tick();
    },
    stop: () => {
      clearInterval(timer);
      if (tty) write('\r\x1b[K', fields());
    },
  };
}
