// The namespace batches the netlink writer (nl-writer.ts) can do: every line of the
// job one it knows (nl-ops.ts), else the whole namespace goes through `nsenter ip
// -batch` (batches.ts). A failed line is reported as batches.ts reports one of ip's:
// its line number, ip's error text, the change it carried out.

import type { BatchJob, BatchOutcome } from './batches.js';
import { nlOps, type NlOp } from './nl-ops.js';
import type { NsWritten, WriterPool } from './nl-writer.js';

const shown = (job: BatchJob, text: string) => `[${job.ns}] ${job.tool} ${text}`;

/** Record what the writer did in one namespace (as settle() in batches.ts does for ip). */
export function settleWritten(job: BatchJob, path: string, res: NsWritten, out: BatchOutcome): void {
  const argv = ['netlink-writer', `--net=${path}`];
  if ('errors' in res) {
    if (job.readBack && res.batch !== undefined) out.readBack.set(path, res.batch);
    if (res.errors.length === 0) return;
    const stderr = res.errors.map(([n, e]) => `${e}\nCommand failed -:${n}`).join('\n');
    for (const [n, error] of res.errors) {
      const l = job.lines[n - 1];
      if (!l) continue;
      out.failedKeys.add(l.key);
      out.failed.push({ kind: 'batch', argv, exitCode: 1, stderr, key: l.key, command: shown(job, l.text), error, line: n });
    }
    return;
  }
  // not entered (nothing done), or the writer broke on it: every line failed, as when ip's process fails
  const error = 'error' in res ? res.error : res.fail;
  for (const l of job.lines) {
    out.failedKeys.add(l.key);
    out.failed.push({ kind: 'batch', argv, exitCode: 1, stderr: error, key: l.key, command: l.text, error });
  }
}

/** The jobs the writer can do (every line known), with their operations; the rest by index. */
export function splitForWriter(pool: WriterPool | undefined, jobs: readonly BatchJob[]): { mine: { i: number; ops: NlOp[] }[]; rest: number[] } {
  const rest: number[] = [];
  const mine: { i: number; ops: NlOp[] }[] = [];
  jobs.forEach((j, i) => {
    const ops = pool && j.tool === 'ip' ? nlOps(j.lines) : undefined;
    if (ops) mine.push({ i, ops });
    else rest.push(i);
  });
  return { mine, rest };
}

/** Run the writer's jobs (all at once); returns the indexes of those it did not run (its writer never started: for ip). */
export async function writeNsJobs(
  pool: WriterPool,
  mine: { i: number; ops: NlOp[] }[],
  jobs: readonly BatchJob[],
  paths: readonly string[],
  out: BatchOutcome,
  /** called as namespaces are answered (n of them) */
  tick?: (n: number) => void,
): Promise<number[]> {
  if (mine.length === 0) return [];
  const got = await pool.write(
    mine.map(({ i, ops }) => ({ path: paths[i], ops, read: jobs[i].readBack })),
    tick,
  );
  out.processes += pool.takeStarted();
  const left: number[] = [];
  mine.forEach(({ i }, k) => {
    const res = got[k];
    if (res) settleWritten(jobs[i], paths[i], res, out);
    else left.push(i);
  });
  return left;
}
