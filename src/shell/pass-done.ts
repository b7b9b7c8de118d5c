// The one `pass done` log line, the same fields and types in `reconcile --once`
// and in the watcher: a pass that did not end in sync logs at warn or error.

import type { Logger } from './log.js';
import type { PassCounts, PassResult } from './state-file.js';

export interface PassDone {
  /** once, start, change, resync, signal, retry … */
  trigger: string;
  result: PassResult;
  changes: PassCounts;
  /** the first changed keys, prefixed + ~ ± - */
  keys: string[];
  failed: number;
  pending: number;
  usedLastGood: boolean;
  ms: number;
}

export function passDoneLevel(result: PassResult): 'info' | 'warn' | 'error' {
  if (result === 'in-sync' || result === 'applied') return 'info';
  // the files' own problems are logged at error once when they appear (the watcher's last good state stays in force)
  if (result === 'error') return 'error';
  return 'warn';
}

export function logPassDone(log: Logger, fields: PassDone): void {
  log[passDoneLevel(fields.result)](fields, 'pass done');
}
