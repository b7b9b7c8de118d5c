// The ip/bridge batches of a program: the host's in one process, the namespaces'
// through a few shell workers (src/shell/ns-batches.ts). A failed line fails its
// change; `ip -force` goes on with the next line.

import type { Runner } from '../runner.js';
import type { Line } from '../../render/index.js';
import { HOST_NS } from '../../model/resources.js';
import { NS_BATCH } from '../../observe/batch.js';
import { runNsBatches } from '../ns-batches.js';
import { netnsPath } from '../../model/netns-path.js';
import type { ApplyFailure } from './failure.js';
import { splitForWriter, writeNsJobs } from './nl-batches.js';
import type { WriterPool } from './nl-writer.js';

/** Parse `ip -force -batch` stderr: the error text before each "Command failed -:N" belongs to line N. */
export function batchErrors(stderr: string): Map<number, string> {
  const out = new Map<number, string>();
  let pending: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^Command failed (?:-|\S+):(\d+)\s*$/.exec(line.trim());
    if (m) {
      out.set(Number(m[1]), pending.join(' ').trim() || 'failed');
      pending = [];
    } else if (line.trim()) pending.push(line.trim());
  }
  return out;
}

export interface BatchJob {
  tool: 'ip' | 'bridge';
  ns: string;
  lines: Line[];
  /** append the observe commands: the namespace is read in the process that changed it */
  readBack: boolean;
}

/** What running batches gives the apply report. */
export interface BatchOutcome {
  failed: ApplyFailure[];
  failedKeys: Set<string>;
  processes: number;
  /** read-back batch output by namespace path */
  readBack: Map<string, string>;
}

export function jobInput(job: BatchJob): string {
  return [...job.lines.map((l) => l.text), ...(job.readBack ? NS_BATCH : [])].join('\n') + '\n';
}

export function jobFlags(job: BatchJob): string[] {
  return job.readBack ? ['-j', '-d', '-N', '-force'] : ['-force'];
}

/** Record what a batch did: its failed lines by change key, and a read-back when it is complete. */
export function settle(job: BatchJob, path: string, argv: string[], res: { stdout: string; stderr: string; exitCode: number }, out: BatchOutcome): void {
  const errs = batchErrors(res.stderr);
  const entered = !/^nsenter: /m.test(res.stderr) && res.exitCode !== -1;
  if (job.readBack && entered && ![...errs.keys()].some((n) => n > job.lines.length)) out.readBack.set(path, res.stdout);
  if (res.exitCode === 0) return;
  const ran = { kind: 'batch' as const, argv, exitCode: res.exitCode, stderr: res.stderr };
  if (errs.size === 0) {
    // the process itself failed (e.g. the namespace is gone): every line failed
    for (const l of job.lines) {
      out.failedKeys.add(l.key);
      out.failed.push({ ...ran, key: l.key, command: l.text, error: res.stderr.trim() || `exit ${res.exitCode}` });
    }
    return;
  }
  for (const [n, error] of errs) {
    const l = job.lines[n - 1];
    if (!l) continue;
    out.failedKeys.add(l.key);
    out.failed.push({ ...ran, key: l.key, command: `${job.ns === HOST_NS ? '' : `[${job.ns}] `}${job.tool} ${l.text}`, error, line: n });
  }
}

/** The host's batch: one process. */
export async function runHostBatch(runner: Runner, job: BatchJob, out: BatchOutcome): Promise<void> {
  if (job.lines.length === 0) return;
  out.processes++;
  const args = [...jobFlags(job), '-batch', '-'];
  const res = await runner.run(job.tool, args, { input: jobInput(job), allowFail: true });
  settle(job, '', [job.tool, ...args], res, out);
}

/** Namespace batches done of total, as slices of them finish. */
export type ApplyProgress = (done: number, total: number) => void;
/** namespaces per slice when progress is reported (two more shell workers per slice) */
const PROGRESS_SLICE = 24;

/** The namespace jobs that start a process: something to change or to read back. */
export const nsJobsToRun = (jobs: BatchJob[]): BatchJob[] => jobs.filter((j) => j.lines.length > 0 || j.readBack);

/**
 * Namespace batches: the netlink writer's (when given) for those whose lines it knows,
 * all sent at once (progress as each namespace is answered); a few shell workers for
 * the rest, each entering its namespaces in turn, at the same time (with progress: in
 * slices).
 */
export async function runNsJobs(
  runner: Runner,
  jobs: BatchJob[],
  nsPaths: Record<string, string>,
  workers: number,
  out: BatchOutcome,
  progress?: { done: number; total: number; fn: ApplyProgress },
  writer?: WriterPool,
): Promise<void> {
  const all = nsJobsToRun(jobs);
  if (all.length === 0) return;
  const paths = all.map((j) => netnsPath(j.ns, nsPaths)!);
  const tick = progress && ((n: number) => progress.fn((progress.done += n), progress.total));
  const { mine, rest } = splitForWriter(writer, all);
  const [left] = await Promise.all([
    writer ? writeNsJobs(writer, mine, all, paths, out, tick) : Promise.resolve([]),
    runIpSlices(runner, rest, all, paths, workers, out, tick),
  ]);
  // those whose writer never started (nothing was done there)
  await runIpSlices(runner, left, all, paths, workers, out, tick);
}

async function runIpSlices(
  runner: Runner,
  idx: number[],
  all: BatchJob[],
  paths: string[],
  workers: number,
  out: BatchOutcome,
  tick?: (n: number) => void,
): Promise<void> {
  const size = tick ? PROGRESS_SLICE : idx.length;
  for (let i = 0; i < idx.length; i += size) {
    const slice = idx.slice(i, i + size);
    await runIpSlice(
      runner,
      slice.map((k) => all[k]),
      slice.map((k) => paths[k]),
      workers,
      out,
    );
    tick?.(slice.length);
  }
}

async function runIpSlice(runner: Runner, todo: BatchJob[], paths: string[], workers: number, out: BatchOutcome): Promise<void> {
  if (todo.length === 0) return;
  const results = await runNsBatches(
    runner,
    todo.map((j, i) => ({ path: paths[i], input: jobInput(j), flags: jobFlags(j), tool: j.tool })),
    workers,
  );
  out.processes += Math.min(workers, todo.length);
  todo.forEach((j, i) => settle(j, paths[i], ['nsenter', `--net=${paths[i]}`, j.tool, ...jobFlags(j), '-batch', '-'], results[i], out));
}
