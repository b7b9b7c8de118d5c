import type { Runner } from '../shell/runner.js';
import type { Logger } from '../shell/log.js';

export interface CommonOptions {
  dir: string;
  host?: string;
  allowEmpty: boolean;
  json: boolean;
  once: boolean;
  interval: number;
  /** seconds to wait for another netkeeper's lock before giving up (default 60) */
  lockTimeout?: number;
  logLevel: string;
  /** destroy: do not ask (needed without a terminal) */
  yes?: boolean;
  /** plan/status: kernel-level detail instead of the per-object view */
  detail?: boolean;
  /** plan: write the plan to this file (a saved plan, applied with `netkeeper apply FILE`) */
  out?: string;
  /** words after the command (e.g. `status networks`, `status web`, `apply FILE`) */
  args: string[];
}

export interface Context {
  opts: CommonOptions;
  runner: Runner;
  log: Logger;
  out: (text: string) => void;
  err: (text: string) => void;
  /** ask a question on the terminal and return the answer; absent without a terminal */
  ask?: (question: string) => Promise<string>;
}

/** Exit codes (SPEC §4). */
export const EXIT = { ok: 0, failed: 1, changes: 2 } as const;
