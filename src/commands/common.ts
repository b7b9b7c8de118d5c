import type { AdoptOptions } from '../plan/adopt.js';
import { LOCK_BUSY_EXIT } from '../shell/lock.js';
import type { Runner } from '../shell/runner.js';
import type { Logger } from '../shell/log.js';

export interface CommonOptions {
  dir: string;
  host?: string;
  /** --store etcd://…: overlay membership through etcd (wins over Settings.store) */
  store?: string;
  allowEmpty: boolean;
  json: boolean;
  once: boolean;
  interval: number;
  /** watcher: every namespace read in full at least once per this many seconds (default 300) */
  audit?: number;
  /** seconds to wait for another netkeeper's lock before giving up (default 60) */
  lockTimeout?: number;
  logLevel: string;
  /** destroy: do not ask (needed without a terminal) */
  yes?: boolean;
  /** plan/status: kernel-level detail instead of the per-object view */
  detail?: boolean;
  /** plan: write the plan to this file (a saved plan, applied with `netkeeper apply FILE`) */
  out?: string;
  /** reconcile, apply, destroy: roll a failed pass back (default true; --no-rollback) */
  rollback?: boolean;
  /** reconcile --once --confirm S: revert unless confirmed within S seconds */
  confirm?: number;
  /** plan/reconcile --adopt[=MODES]: adopt live objects the files describe (src/plan/adopt.ts) */
  adopt?: AdoptOptions;
  /** import: what to read besides the kernel */
  from?: 'kernel' | 'docker';
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

/** Exit codes (SPEC §4), told apart by scripts: documented in EXIT_CODES below, the help, the man page and the README. */
export const EXIT = { ok: 0, failed: 1, changes: 2, conflict: 3, lockBusy: LOCK_BUSY_EXIT, expectFailed: 5, rolledBack: 6 } as const;

/** What each exit code means: the one text for `--help`, the man page and the README (a test keeps the README in step). */
export const EXIT_CODES: { code: number; short: string; long: string }[] = [
  {
    code: EXIT.ok,
    short: 'success: valid, nothing to do, in sync',
    long: 'Success: the files are valid (validate), there is nothing to do (plan), the kernel is in sync (reconcile, apply, destroy).',
  },
  {
    code: EXIT.failed,
    short: 'error (nothing more was applied)',
    long: 'An error: invalid files, a usage error, not root, a missing tool, a refused deletion, a command that failed, a cancelled destroy. Nothing was applied — or, when a command failed during an apply, the rest is still pending.',
  },
  { code: EXIT.changes, short: 'plan: changes pending', long: 'plan only: the plan has changes; reconcile would apply them.' },
  {
    code: EXIT.conflict,
    short: 'a conflict: an object netkeeper does not own is in the way',
    long: 'A conflict with what is on the host: an interface, namespace or file netkeeper would make exists and is not its own, a macvlan parent is missing, or IPv6 forwarding would drop a default route learned from router advertisements. What it touches is held back and listed (reconcile applied everything else) or, when it touches everything, nothing was applied. Each is an error: line saying what to do.',
  },
  {
    code: EXIT.lockBusy,
    short: 'lock busy: another run held it for --lock-timeout seconds',
    long: 'The lock was busy: another netkeeper (a watcher pass, a reconcile --once, a destroy) held /run/netkeeper/lock for --lock-timeout seconds. Nothing was applied; try again later.',
  },
  {
    code: EXIT.expectFailed,
    short: 'an expectation (kind Expect) failed',
    long: 'An expectation (kind Expect) failed: the kernel is in sync with the files (reconcile, apply) or was left as it is (check), but a probe found a declared reachability other than expected. Each failure is a FAIL line naming the expectation; errors above (exit 1, 3, 4) take precedence.',
  },
  {
    code: EXIT.rolledBack,
    short: 'rolled back: a step failed, or --confirm expired',
    long: 'The pass was rolled back: a step failed while applying and everything the pass had changed was undone (the failures are listed), or reconcile --confirm was not confirmed in time and the change was reverted. The kernel is as it was before the pass. (--no-rollback: a failed step exits 1 instead, the rest still pending.)',
  },
];
