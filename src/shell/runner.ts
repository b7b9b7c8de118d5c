// The one way netkeeper starts processes: node:child_process without a shell, argv in,
// text out. A failing command becomes a CommandError carrying argv, exit code, stderr
// and the underlying error as `cause` (unless the caller passes allowFail).
//
// Not execa (which it used until issue 16): loading execa's ~100 modules cost more
// CPU at every start than all else this file does (figures in the README's Speed
// section), for the few of its features used here.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Where tools are looked up after PATH: cron runs jobs with PATH=/usr/bin:/bin,
 * and ip, bridge, iptables*, sysctl, modprobe live in /usr/sbin or /sbin on
 * Debian-like systems.
 */
export const SBIN_DIRS = ['/usr/sbin', '/sbin'] as const;

/** PATH with /usr/sbin and /sbin appended when missing (pure). */
export function toolPath(path: string | undefined): string {
  const dirs = (path ?? '').split(delimiter).filter(Boolean);
  for (const d of SBIN_DIRS) if (!dirs.includes(d)) dirs.push(d);
  return dirs.join(delimiter);
}

/** The executable `cmd` resolves to on `toolPath(path)`, or undefined when there is none. */
export function findTool(cmd: string, path: string | undefined = process.env.PATH): string | undefined {
  const candidates = cmd.includes('/')
    ? [cmd]
    : toolPath(path)
        .split(delimiter)
        .map((d) => join(d, cmd));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface RunOptions {
  /** written to the command's stdin (stdin is closed/ignored otherwise) */
  input?: string;
  /** never throw: return the result whatever the exit code (spawn failure → 127, timeout → 124) */
  allowFail?: boolean;
  /** kill the command (SIGKILL) after this many milliseconds */
  timeoutMs?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface Runner {
  run(cmd: string, args: string[], opts?: RunOptions): Promise<RunResult>;
  /**
   * Start a long-lived process with pipes on stdin/stdout/stderr (same prefix and PATH
   * as run). Only runners of a real host have it (the fake kernel does not), so a
   * caller that uses it must have a way without it.
   */
  spawnLong?(cmd: string, args: string[]): ChildProcessWithoutNullStreams;
}

export interface CreateRunnerOptions {
  /** prepended to every command, e.g. ['nsenter', '-t', PID, '-n', '-m', '--'] */
  prefix?: string[];
  /** called once per started process after it ended, with its full argv and wall time */
  onCommand?: (argv: string[], ms: number) => void;
}

/** A command that failed: its argv (prefix included), exit code, output, and why. */
export class CommandError extends Error {
  readonly argv: string[];
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;

  constructor(init: {
    argv: string[];
    exitCode: number;
    stdout?: string;
    stderr?: string;
    timedOut?: boolean;
    cause?: unknown;
    message?: string;
  }) {
    const stderr = init.stderr ?? '';
    const why = init.timedOut ? 'timed out' : init.exitCode === 127 && init.message ? init.message : `failed with exit code ${init.exitCode}`;
    const tail = stderr.trim() ? `: ${firstLines(stderr.trim(), 5)}` : '';
    super(`${formatArgv(init.argv)} ${why}${tail}`, { cause: init.cause });
    this.name = 'CommandError';
    this.argv = init.argv;
    this.exitCode = init.exitCode;
    this.stdout = init.stdout ?? '';
    this.stderr = stderr;
    this.timedOut = init.timedOut ?? false;
  }
}

function firstLines(text: string, n: number): string {
  const lines = text.split('\n');
  return lines.length <= n ? text : `${lines.slice(0, n).join('\n')}\n… (${lines.length - n} more lines)`;
}

/** One word for sh: left bare when it holds no character the shell treats specially, single-quoted otherwise. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** argv as a copy-pasteable shell line (for messages and logs). */
export function formatArgv(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };

interface Spawned {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** the process could not be started */
  error?: Error;
}

/** Run one process to its end: its output as text, how it ended. Never rejects. */
function spawnText(file: string, args: string[], opts: RunOptions): Promise<Spawned> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let error: Error | undefined;
    let timer: NodeJS.Timeout | undefined;
    const child = spawn(file, args, {
      stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      // tools (and what nsenter or sh start) are found on PATH, then in /usr/sbin and /sbin
      env: { ...process.env, PATH: toolPath(process.env.PATH) },
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => (error ??= e));
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ stdout, stderr, exitCode: code, signal, timedOut, ...(error ? { error } : {}) });
    });
    if (opts.timeoutMs)
      timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, opts.timeoutMs);
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // a command that exits without reading its input
      child.stdin.end(opts.input);
    }
  });
}

export function createRunner(options: CreateRunnerOptions = {}): Runner {
  const prefix = options.prefix ?? [];
  return {
    async run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
      const argv = [...prefix, cmd, ...args];
      const [file, ...rest] = argv;
      const started = performance.now();
      const r = await spawnText(file, rest, opts);
      options.onCommand?.(argv, performance.now() - started);
      const { stdout, stderr } = r;
      if (r.exitCode === 0 && !r.timedOut && !r.error) return { stdout, stderr, exitCode: 0 };

      let exitCode: number;
      let message: string | undefined;
      if (r.timedOut) exitCode = 124;
      else if (r.error) {
        // could not start (ENOENT, EACCES, ...)
        exitCode = 127;
        message = r.error.message;
      } else if (r.exitCode !== null) exitCode = r.exitCode;
      else exitCode = 128 + (SIGNALS[r.signal ?? ''] ?? 0);
      const errText = stderr || (message ?? '');
      if (opts.allowFail) return { stdout, stderr: errText, exitCode };
      const cause = r.error ?? new Error(r.timedOut ? `timed out after ${opts.timeoutMs} ms` : `exit code ${r.exitCode ?? r.signal}`);
      throw new CommandError({ argv, exitCode, stdout, stderr: errText, timedOut: r.timedOut, cause, message });
    },
    spawnLong(cmd: string, args: string[]): ChildProcessWithoutNullStreams {
      const [file, ...rest] = [...prefix, cmd, ...args];
      return spawn(file, rest, { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: toolPath(process.env.PATH) } });
    },
  };
}

export interface CountingRunner extends Runner {
  /** argv of every command run so far, in start order */
  readonly calls: string[][];
  count(): number;
  reset(): void;
}

/** Wraps a runner and records every command it starts (for tests and the benchmark). */
export function countingRunner(inner: Runner): CountingRunner {
  const calls: string[][] = [];
  return {
    calls,
    count: () => calls.length,
    reset: () => {
      calls.length = 0;
    },
    run(cmd, args, opts) {
      calls.push([cmd, ...args]);
      return inner.run(cmd, args, opts);
    },
    ...(inner.spawnLong ? { spawnLong: inner.spawnLong } : {}),
  };
}
