// The host batch as a few consecutive `ip -force -batch` processes (host-waves.ts cuts
// it), settled as the one batch it was: the line numbers and the stderr a failure keeps
// are the whole batch's, so a failed line fails the same change with the same record as
// before. A chunk whose process itself failed (no failed line to blame: ip could not
// start, or was killed) ends the batch there, as that process's death ended it before:
// the chunks after it are not run, and the batch is settled with its exit code.

import type { Runner } from '../runner.js';
import { batchErrors, jobFlags, jobInput, settle, type BatchJob, type BatchOutcome } from './batches.js';

const FAILED = /^(\s*Command failed (?:-|\S+):)(\d+)(\s*)$/;

/** A chunk's stderr as the whole batch would have printed it: its "Command failed -:N" moved on by `offset` lines. */
export function renumber(stderr: string, offset: number): string {
  if (offset === 0 || stderr === '') return stderr;
  return stderr
    .split('\n')
    .map((l) => {
      const m = FAILED.exec(l);
      return m ? `${m[1]}${Number(m[2]) + offset}${m[3]}` : l;
    })
    .join('\n');
}

/**
 * Run `job` (the host's) as one process per chunk (`ends`: each chunk's end, exclusive),
 * calling onChunk(k) as chunk k ends; returns how many chunks ran to their end.
 */
export async function runHostChunks(runner: Runner, job: BatchJob, ends: readonly number[], out: BatchOutcome, onChunk?: (k: number) => void): Promise<number> {
  if (job.lines.length === 0) return 0;
  const args = [...jobFlags(job), '-batch', '-'];
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  let start = 0;
  let ran = 0;
  for (const end of ends.length ? ends : [job.lines.length]) {
    out.processes++;
    const res = await runner.run(job.tool, args, { input: jobInput({ ...job, lines: job.lines.slice(start, end) }), allowFail: true });
    stdout += res.stdout;
    if (stderr !== '' && !stderr.endsWith('\n')) stderr += '\n';
    stderr += renumber(res.stderr, start);
    if (res.exitCode !== 0 && (res.exitCode !== 1 || batchErrors(res.stderr).size === 0)) {
      exitCode = res.exitCode;
      break;
    }
    exitCode = Math.max(exitCode, res.exitCode);
    start = end;
    ran++;
    onChunk?.(ran - 1);
  }
  settle(job, '', [job.tool, ...args], { stdout, stderr, exitCode }, out);
  return ran;
}
