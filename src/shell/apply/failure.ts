// What went wrong while applying, as values: the change it failed, what was run
// (argv, exit code, stderr — or the file and errno), and for a batch the line.
// `command` and `error` are the two texts the report prints
// (`failed: <key>: <command>: <error>`).

import { CommandError } from '../runner.js';

interface Base {
  /** the change that failed */
  key: string;
  /** what was run, as printed: a batch line ("[ns] ip link add …") or a command line */
  command: string;
  /** why, as printed: the batch's message for the line, the command's stderr, the errno message */
  error: string;
}

export type ApplyFailure =
  /** a line of an `ip`/`bridge -batch` (`line` 1-based; absent: the process itself failed, e.g. the namespace is gone) */
  | (Base & { kind: 'batch'; argv: string[]; exitCode: number; stderr: string; line?: number })
  /** a command of its own: mount, a namespace's sysctl, iptables-restore, conntrack */
  | (Base & { kind: 'command'; argv: string[]; exitCode: number; stderr: string })
  /** a file: /etc/netns, /proc/sys of the host */
  | (Base & { kind: 'file'; path: string; code?: string });

/** The failure of `key` from what a step threw: a CommandError keeps its argv, exit code and stderr. */
export function failureOf(key: string, command: string, e: unknown, path?: string): ApplyFailure {
  const error = e instanceof Error ? e.message : String(e);
  if (e instanceof CommandError) return { kind: 'command', key, command, error, argv: e.argv, exitCode: e.exitCode, stderr: e.stderr };
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return { kind: 'file', key, command, error, path: path ?? '', ...(typeof code === 'string' ? { code } : {}) };
}
