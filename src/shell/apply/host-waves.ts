// Which namespaces' batches may start before the host batch has ended. A namespace's
// lines need the host lines that make or change what is in it: its `netns add`, the
// veth (or macvlan, Link) whose end goes into it (`… netns PATH`), and every other
// line of those changes (the host end's master, up, hairpin: same change key). Once
// the last of them is done, nothing later in the host batch touches the namespace, so
// its batch may run while the rest of the host batch does. The host batch is then run
// in a few consecutive chunks, cut where a share of the namespaces becomes ready, and
// each chunk's namespaces go to the writer as soon as it ends (src/shell/apply/index.ts).
// A namespace no host line names (its changes are all its own, or a host line removes
// something of it), one with a sysctl or one that is a bind mount's target waits for
// the whole host batch, the mounts and the sysctls, as every namespace did before.

import type { Line } from '../../render/index.js';
import { netnsPath } from '../../model/netns-path.js';

export interface HostWaves {
  /** end (exclusive line index) of each chunk of the host batch, in order; the last is the batch's length */
  ends: number[];
  /** per chunk: the jobs (indexes) that may run once it is done */
  waves: number[][];
  /** the jobs that wait for the whole host batch, the mounts and the sysctls */
  late: number[];
}

export interface WaveOptions {
  /** chunks of the host batch at most */
  chunks: number;
  /** namespaces a chunk makes ready, at least (fewer: one host batch, as before) */
  minWave: number;
}

/** 1000 containers: 8 chunks of ~125 namespaces (~4 ms for each extra `ip` process). */
export const WAVES: WaveOptions = { chunks: 8, minWave: 32 };

const NETNS_LINE = /^netns (?:add|delete|del) (\S+)$/;
const NETNS_ARG = / netns (\S+)/g;

/**
 * For each namespace, the index of the last host line it needs (undefined: no host
 * line names it). `paths`: the nsenter path of every namespace (Program.nsPaths).
 */
export function lastHostLines(host: readonly Line[], names: ReadonlySet<string>, paths: Record<string, string>): Map<string, number> {
  const byPath = new Map<string, string>();
  for (const n of names) byPath.set(netnsPath(n, paths)!, n);
  const direct = host.map((l) => {
    const out: string[] = [];
    const m = NETNS_LINE.exec(l.text);
    if (m && names.has(m[1])) out.push(m[1]);
    for (const a of l.text.matchAll(NETNS_ARG)) {
      const n = byPath.get(a[1]);
      if (n !== undefined) out.push(n);
    }
    return out;
  });
  // every line of a change that names a namespace counts for it
  const byKey = new Map<string, Set<string>>();
  host.forEach((l, i) => {
    if (direct[i].length === 0) return;
    const s = byKey.get(l.key) ?? new Set<string>();
    for (const n of direct[i]) s.add(n);
    byKey.set(l.key, s);
  });
  const last = new Map<string, number>();
  host.forEach((l, i) => {
    for (const n of byKey.get(l.key) ?? []) last.set(n, i);
  });
  return last;
}

/**
 * Cut the host batch into chunks and say which jobs each makes ready. `hold`: namespaces
 * that wait for everything regardless (sysctls, mount targets). Too few namespaces to
 * gain anything: one chunk, every job late (the order before).
 */
export function hostWaves(
  host: readonly Line[],
  jobs: readonly { ns: string }[],
  paths: Record<string, string>,
  hold: ReadonlySet<string>,
  opts: WaveOptions = WAVES,
): HostWaves {
  const all = jobs.map((_, i) => i);
  const whole: HostWaves = { ends: host.length ? [host.length] : [], waves: host.length ? [[]] : [], late: all };
  const names = new Set(jobs.map((j) => j.ns).filter((n) => !hold.has(n)));
  const last = lastHostLines(host, names, paths);
  const early = all.filter((i) => last.has(jobs[i].ns));
  const chunks = Math.min(opts.chunks, Math.floor(early.length / Math.max(1, opts.minWave)));
  if (chunks < 2) return whole;
  // jobs by the line after which they are ready
  const readyAt = new Map<number, number[]>();
  for (const i of early) {
    const at = last.get(jobs[i].ns)!;
    readyAt.set(at, [...(readyAt.get(at) ?? []), i]);
  }
  const per = Math.ceil(early.length / chunks);
  const ends: number[] = [];
  const waves: number[][] = [];
  let wave: number[] = [];
  for (let at = 0; at < host.length; at++) {
    wave.push(...(readyAt.get(at) ?? []));
    if (wave.length >= per && waves.length < chunks - 1 && at + 1 < host.length) {
      ends.push(at + 1);
      waves.push(wave);
      wave = [];
    }
  }
  ends.push(host.length);
  waves.push(wave);
  return { ends, waves, late: all.filter((i) => !last.has(jobs[i].ns)) };
}
