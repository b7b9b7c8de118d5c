// The apply stage: runs a rendered Program (src/render/) against the kernel — the
// only place that changes it. br_netfilter first, then the namespaces' early batches,
// then the host batch: at scale in a few chunks, each namespace's batch (ending with
// its read-back) going to the netlink writer as soon as the host lines it needs are
// done, while the next chunk runs (host-waves.ts); then bind mounts, sysctls, the
// namespaces that wait for those (or that no host line names), FDB batches last.
// Beside that, from the start, the /etc/netns files (they need nothing of the kernel;
// files-order.ts keeps their own order); and from the sysctls on, iptables-restore per
// table and conntrack deletions (after the host batch as before, so a removed
// network's rules still go after its links; before the namespaces' addresses now).
// Failures are collected per change as values (failure.ts), not thrown, and listed in
// the order the phases had when they ran one after the other: the pass observes
// again and reports what is left.

import type { Runner } from '../runner.js';
import { nodeHostFs, type HostFs } from '../host-fs.js';
import type { Line, Program } from '../../render/index.js';
import { HOST_NS } from '../../model/resources.js';
import { netnsPath } from '../../model/netns-path.js';
import { nsJobsToRun, runHostBatch, runNsJobs, type ApplyProgress, type BatchJob, type BatchOutcome } from './batches.js';
import { runHostChunks } from './host-chunks.js';
import { hostWaves, type WaveOptions } from './host-waves.js';
import { NsWaves } from './ns-waves.js';
import { removeDir, removeFile, sysctlPath, writeAtomic } from './files.js';
import { applyIptables, flushConntrack } from './iptables.js';
import { failureOf, type ApplyFailure } from './failure.js';
import { netlinkWriter } from './nl-writer.js';
import { eachLimited, FILE_CONCURRENCY, fileSteps } from './files-order.js';
import { ETC_NETNS_DIR } from '../../plan/desired-files.js';
import { SHARED_HOSTS_DIRNAME } from '../../model/shared-hosts-path.js';

const SHARED_HOSTS_DIR = `${ETC_NETNS_DIR}/${SHARED_HOSTS_DIRNAME}`;

export { batchErrors, type ApplyProgress } from './batches.js';
export { sweepTrash, sysctlPath, TRASH_PREFIX } from './files.js';
export type { ApplyFailure } from './failure.js';

export interface ApplyReport {
  /** change keys whose commands all succeeded */
  done: string[];
  failed: ApplyFailure[];
  /** processes started */
  processes: number;
  /** read-back batch output by namespace path (see ApplyDeps.readBack) */
  readBack: Map<string, string>;
}

export interface ApplyDeps {
  /** namespaces (by name) whose post batch ends by reading the namespace back (NS_BATCH) */
  readBack?: Set<string>;
  runner: Runner;
  /** the host's files: /etc/netns and /proc/sys (default nodeHostFs) */
  fs?: HostFs;
  /** shell workers running namespace batches (default 2) */
  concurrency?: number;
  /** root of the filesystem (tests) — default '' */
  root?: string;
  /** namespace batches done of total, called as slices of them finish (without it: one slice) */
  onProgress?: ApplyProgress;
  /** how the host batch is cut so namespaces start before it ends (host-waves.ts; tests) */
  waves?: WaveOptions;
}

export async function applyProgram(prog: Program, deps: ApplyDeps): Promise<ApplyReport> {
  const { runner } = deps;
  const conc = deps.concurrency ?? 2;
  const root = deps.root ?? '';
  const fs = deps.fs ?? nodeHostFs;
  const readBack = new Map<string, string>();
  const failedKeys = new Set<string>();
  // each phase's failures apart, reported in the order the phases had when they ran one after the other
  const phase = (): BatchOutcome => ({ failed: [], failedKeys, processes: 0, readBack });
  const outs = { pre: phase(), host: phase(), mounts: phase(), sysctls: phase(), post: phase(), hostFdb: phase(), fdb: phase(), files: phase(), fw: phase() };
  const allKeys = new Set<string>();
  const note = (keys: Iterable<{ key: string }>) => {
    for (const l of keys) allKeys.add(l.key);
  };
  const fail = (out: BatchOutcome, f: ApplyFailure, keys: readonly string[] = [f.key]) => {
    for (const k of keys) failedKeys.add(k);
    out.failed.push(f);
  };
  const nsJobs = (m: Map<string, Line[]>, tool: 'ip' | 'bridge', readBack?: Set<string>): BatchJob[] =>
    [...m.entries()].map(([ns, lines]) => {
      note(lines);
      return { tool, ns, lines, readBack: readBack?.has(ns) ?? false };
    });

  // net.bridge.* sysctls exist only once br_netfilter is loaded (built in on some kernels)
  let processes = 0;
  if (prog.brNetfilter) {
    processes++;
    await runner.run('modprobe', ['br_netfilter'], { allowFail: true });
  }

  const post = new Map(prog.nsPost);
  for (const ns of deps.readBack ?? []) if (ns !== HOST_NS && !post.has(ns)) post.set(ns, []);
  const nsFdb = new Map([...prog.bridge].filter(([ns]) => ns !== HOST_NS));
  const pre = nsJobs(prog.nsPre, 'ip');
  const later = nsJobs(post, 'ip', deps.readBack);
  const fdb = nsJobs(nsFdb, 'bridge');
  const hostFdb = prog.bridge.get(HOST_NS) ?? [];
  note(prog.host);
  for (const m of prog.mounts) allKeys.add(m.key);
  for (const s of prog.sysctls) allKeys.add(s.key);
  note(hostFdb);
  for (const d of prog.dirs) for (const k of d.keys) allKeys.add(k);
  note(prog.files);
  note(prog.iptablesKeys.map((key) => ({ key })));
  const total = [pre, later, fdb].reduce((n, j) => n + nsJobsToRun(j).length, 0);
  const progress = deps.onProgress && { done: 0, total, fn: deps.onProgress };
  // the namespaces' ip lines through the netlink writer, started now: python loads while the host batch runs
  const writer = netlinkWriter(runner);
  writer?.warm(Math.max(nsJobsToRun(pre).length, nsJobsToRun(later).length));

  // the /etc/netns files need nothing of the kernel: written while the kernel is changed
  const files = settled(writeFiles(prog, fs, root, (f, keys) => fail(outs.files, f, keys)));
  let fw: { done: Promise<void> } | undefined;
  try {
    await changeKernel();
    await files.done;
    await fw?.done;
  } finally {
    // a step that threw (not a failure: a bug) leaves nothing running behind it
    await Promise.allSettled([files.done, fw?.done]);
  }

  const phases = [outs.pre, outs.host, outs.mounts, outs.sysctls, outs.post, outs.hostFdb, outs.fdb, outs.files, outs.fw];
  for (const o of phases) processes += o.processes;
  return {
    done: [...allKeys].filter((k) => !failedKeys.has(k)),
    failed: phases.flatMap((o) => o.failed),
    processes,
    readBack,
  };

  async function changeKernel(): Promise<void> {
    await runNsJobs(runner, pre, prog.nsPaths, conc, outs.pre, progress, writer);
    // the host batch in chunks; a namespace's batch runs as soon as the host lines it needs are done (host-waves.ts)
    const hold = new Set(prog.sysctls.filter((s) => s.ns !== HOST_NS).map((s) => s.ns));
    const targets = new Set(prog.mounts.map((m) => m.target));
    for (const j of later) if (targets.has(netnsPath(j.ns, prog.nsPaths)!)) hold.add(j.ns);
    const plan = hostWaves(prog.host, later, prog.nsPaths, hold, deps.waves);
    const waves = new NsWaves(later, outs.post, (jobs) => runNsJobs(runner, jobs, prog.nsPaths, conc, outs.post, progress, writer));
    const ran = await runHostChunks(runner, { tool: 'ip', ns: HOST_NS, lines: prog.host, readBack: false }, plan.ends, outs.host, (k) =>
      waves.add(plan.waves[k]),
    );

    for (const m of prog.mounts) {
      try {
        await fs.writeFile(root + m.target, '', { append: true });
        outs.mounts.processes++;
        await runner.run('mount', ['--bind', m.source, m.target]);
      } catch (e) {
        fail(outs.mounts, failureOf(m.key, `mount --bind ${m.source} ${m.target}`, e, m.target));
      }
    }

    // sysctls before the namespace batches that wait for them: those end by reading the namespace back
    for (const s of prog.sysctls) {
      try {
        if (s.ns === HOST_NS) await fs.writeFile(sysctlPath(s.name), `${s.value}\n`);
        else {
          outs.sysctls.processes++;
          await runner.run('nsenter', [
            `--net=${prog.nsPaths[s.ns] ?? netnsPath(s.ns)}`,
            'sysctl',
            '-q',
            '-w',
            `${sysctlPath(s.name).slice('/proc/sys/'.length)}=${s.value}`,
          ]);
        }
      } catch (e) {
        fail(outs.sysctls, failureOf(s.key, `sysctl ${s.name}=${s.value}`, e, sysctlPath(s.name)));
      }
    }

    // the firewall: after the host batch, the mounts and the sysctls as before (a removed
    // network's rules go after its links), beside the namespaces' batches and the files
    fw = settled(applyFirewall(runner, prog, outs.fw, (f) => fail(outs.fw, f)));

    waves.add([...plan.late, ...plan.waves.slice(ran).flat()]);
    await waves.done(prog.nsPaths, writer !== undefined);
    await runHostBatch(runner, { tool: 'bridge', ns: HOST_NS, lines: hostFdb, readBack: false }, outs.hostFdb);
    await runNsJobs(runner, fdb, prog.nsPaths, conc, outs.fdb, progress);
  }
}

/** A promise started now and awaited later: not an unhandled rejection meanwhile. */
function settled(p: Promise<void>): { done: Promise<void> } {
  p.catch(() => undefined);
  return { done: p };
}

/** The /etc/netns writes: containers' directories side by side (files-order.ts keeps what their order guarantees). */
async function writeFiles(prog: Program, fs: HostFs, root: string, fail: (f: ApplyFailure, keys?: readonly string[]) => void): Promise<void> {
  await eachLimited(prog.dirs, FILE_CONCURRENCY, async (d) => {
    try {
      await removeDir(fs, root + d.path);
    } catch (e) {
      fail(failureOf(d.keys[0], `remove ${d.path}`, e, d.path), d.keys);
    }
  });
  for (const step of fileSteps(prog.files, SHARED_HOSTS_DIR)) {
    await eachLimited(step, FILE_CONCURRENCY, async (group) => {
      // a group is one directory's files (or the shared directory's): made once, unless a removal may have removed it
      let made = false;
      for (const f of group) {
        try {
          if (f.content === null) {
            made = false;
            await removeFile(fs, root + f.path);
          } else {
            await writeAtomic(fs, root + f.path, f.content, f.link, made);
            made = true;
          }
        } catch (e) {
          fail(failureOf(f.key, `write ${f.path}`, e, f.path));
        }
      }
    });
  }
}

/** One iptables-restore per table, then conntrack entries of UDP ports that moved. */
async function applyFirewall(runner: Runner, prog: Program, out: BatchOutcome, fail: (f: ApplyFailure) => void): Promise<void> {
  if (prog.iptablesKeys.length === 0) return;
  out.processes += prog.iptables.length + prog.conntrack.length;
  try {
    await applyIptables(runner, prog.iptables, prog.nsPaths);
    if (prog.conntrack.length > 0) await flushConntrack(runner, prog.conntrack, prog.nsPaths);
  } catch (e) {
    // a failed restore fails every firewall change: the verify finds what is left
    for (const key of prog.iptablesKeys) fail(failureOf(key, 'iptables-restore', e));
  }
}
