// The namespaces' batches in waves, one wave after the other, each as runNsJobs runs
// them (the netlink writer, or the shell workers), all into one outcome; their failures
// end up in the order one runNsJobs over every job gives: the writer's by job, then the
// shell workers' (those the writer does not know first, then those whose writer never
// started), so a report reads the same however the waves fell.

import type { BatchJob, BatchOutcome } from './batches.js';
import { nlOps } from './nl-ops.js';
import { netnsPath } from '../../model/netns-path.js';

export class NsWaves {
  private chain: Promise<void> = Promise.resolve();
  private waves = 0;

  constructor(
    private readonly jobs: readonly BatchJob[],
    private readonly out: BatchOutcome,
    private readonly run: (jobs: BatchJob[]) => Promise<void>,
  ) {}

  /** Run these jobs (indexes) once the waves added before have run. */
  add(idx: readonly number[]): void {
    if (idx.length === 0) return;
    this.waves++;
    const sel = idx.map((i) => this.jobs[i]);
    this.chain = this.chain.then(() => this.run(sel));
    this.chain.catch(() => undefined); // thrown by done(), not as an unhandled rejection meanwhile
  }

  /** Every wave run; the failures in order. `writer`: whether the netlink writer was given. */
  async done(nsPaths: Record<string, string>, writer: boolean): Promise<void> {
    await this.chain;
    if (this.waves > 1 && this.out.failed.length > 1) orderFailures(this.out, this.jobs, nsPaths, writer);
  }
}

function orderFailures(out: BatchOutcome, jobs: readonly BatchJob[], nsPaths: Record<string, string>, writer: boolean): void {
  const index = new Map(jobs.map((j, i) => [`--net=${netnsPath(j.ns, nsPaths)}`, i]));
  const known = (i: number) => writer && i < jobs.length && jobs[i].tool === 'ip' && nlOps(jobs[i].lines) !== undefined;
  const rank = (f: BatchOutcome['failed'][number]): [number, number] => {
    const argv = 'argv' in f ? f.argv : [];
    const i = index.get(argv[1] ?? '') ?? jobs.length;
    return [argv[0] === 'netlink-writer' ? 0 : known(i) ? 2 : 1, i];
  };
  const ranked = out.failed.map((f) => ({ f, r: rank(f) }));
  ranked.sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1]);
  out.failed.splice(0, out.failed.length, ...ranked.map((x) => x.f));
}
