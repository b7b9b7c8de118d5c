// The host batch as chunks, settled as the one batch it was (src/shell/apply/host-chunks.ts).
import { describe, expect, it } from 'vitest';
import { renumber, runHostChunks } from '../../../../src/shell/apply/host-chunks.js';
import { runHostBatch, type BatchOutcome } from '../../../../src/shell/apply/batches.js';
import type { Line } from '../../../../src/render/index.js';
import type { Runner, RunResult } from '../../../../src/shell/runner.js';

function fakeIp(answers: Partial<RunResult>[]): Runner & { inputs: string[] } {
  const inputs: string[] = [];
  return {
    inputs,
    async run(_cmd, _args, opts = {}) {
      inputs.push(opts.input ?? '');
      return { stdout: '', stderr: '', exitCode: 0, ...answers[inputs.length - 1] };
    },
  };
}
const fresh = (): BatchOutcome => ({ failed: [], failedKeys: new Set(), processes: 0, readBack: new Map() });
const lines: Line[] = Array.from({ length: 6 }, (_, i) => ({ text: `link add name d${i} type dummy`, key: `link:host/d${i}` }));
const job = { tool: 'ip' as const, ns: 'host', lines, readBack: false };

describe('runHostChunks', () => {
  it("renumbers a chunk's failed lines to the whole batch's", () => {
    expect(renumber('Cannot find device "x"\nCommand failed -:2\n', 4)).toBe('Cannot find device "x"\nCommand failed -:6\n');
    expect(renumber('RTNETLINK answers: File exists\n', 4)).toBe('RTNETLINK answers: File exists\n');
  });

  it('a failed line in a later chunk is recorded as the one batch would record it', async () => {
    const chunked = fresh();
    const r = fakeIp([{}, { exitCode: 1, stderr: 'RTNETLINK answers: File exists\nCommand failed -:1\n' }, {}]);
    const seen: number[] = [];
    expect(await runHostChunks(r, job, [2, 4, 6], chunked, (k) => seen.push(k))).toBe(3);
    expect(seen).toEqual([0, 1, 2]);
    expect(r.inputs).toEqual(['link add name d0 type dummy\nlink add name d1 type dummy\n', expect.any(String), expect.any(String)]);
    const whole = fresh();
    await runHostBatch(fakeIp([{ exitCode: 1, stderr: 'RTNETLINK answers: File exists\nCommand failed -:3\n' }]), job, whole);
    expect(chunked.failed).toEqual(whole.failed);
    expect(chunked.failed).toMatchObject([{ key: 'link:host/d2', line: 3 }]);
    expect(chunked.processes).toBe(3);
  });

  it('a chunk whose process failed ends the batch: nothing after it runs, and it is settled as the batch that died', async () => {
    const chunked = fresh();
    const r = fakeIp([{}, { exitCode: -1, stderr: 'killed' }]);
    expect(await runHostChunks(r, job, [2, 4, 6], chunked)).toBe(1);
    expect(r.inputs).toHaveLength(2);
    // as before: a process that failed without naming a line fails every line of the batch
    expect(chunked.failed.map((f) => f.key)).toEqual(lines.map((l) => l.key));
    expect(chunked.failed[0]).toMatchObject({ exitCode: -1, stderr: 'killed', error: 'killed' });
  });
});
