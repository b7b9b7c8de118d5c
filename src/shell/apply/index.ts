// The apply stage: runs a rendered Program (src/render/) against the kernel — the
// only place that changes it. In order: br_netfilter, the namespaces' early batches,
// the host batch, bind mounts, sysctls, the namespaces' batches (ending with their
// read-back), FDB batches, /etc/netns files, then iptables-restore per table and
// conntrack deletions. Failures are collected per change as values (failure.ts),
// not thrown: the pass observes again and reports what is left.

import type { Runner } from '../runner.js';
import { nodeHostFs, type HostFs } from '../host-fs.js';
import type { Line, Program } from '../../render/index.js';
import { HOST_NS } from '../../model/resources.js';
import { netnsPath } from '../../model/netns-path.js';
import { nsJobsToRun, runHostBatch, runNsJobs, type ApplyProgress, type BatchJob, type BatchOutcome } from './batches.js';
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
}

export async function applyProgram(prog: Program, deps: ApplyDeps): Promise<ApplyReport> {
  const { runner } = deps;
  const conc = deps.concurrency ?? 2;
  const root = deps.root ?? '';
  const fs = deps.fs ?? nodeHostFs;
  const out: BatchOutcome = { failed: [], failedKeys: new Set(), processes: 0, readBack: new Map() };
  const allKeys = new Set<string>();
  const note = (keys: Iterable<{ key: string }>) => {
    for (const l of keys) allKeys.add(l.key);
  };
  const fail = (f: ApplyFailure, keys: readonly string[] = [f.key]) => {
    for (const k of keys) out.failedKeys.add(k);
    out.failed.push(f);
  };
  const nsJobs = (m: Map<string, Line[]>, tool: 'ip' | 'bridge', readBack?: Set<string>): BatchJob[] =>
    [...m.entries()].map(([ns, lines]) => {
      note(lines);
      return { tool, ns, lines, readBack: readBack?.has(ns) ?? false };
    });

  // net.bridge.* sysctls exist only once br_netfilter is loaded (built in on some kernels)
  if (prog.brNetfilter) {
    out.processes++;
    await runner.run('modprobe', ['br_netfilter'], { allowFail: true });
  }

  const post = new Map(prog.nsPost);
  for (const ns of deps.readBack ?? []) if (ns !== HOST_NS && !post.has(ns)) post.set(ns, []);
  const nsFdb = new Map([...prog.bridge].filter(([ns]) => ns !== HOST_NS));
  const pre = nsJobs(prog.nsPre, 'ip');
  const later = nsJobs(post, 'ip', deps.readBack);
  const fdb = nsJobs(nsFdb, 'bridge');
  const total = [pre, later, fdb].reduce((n, j) => n + nsJobsToRun(j).length, 0);
  const progress = deps.onProgress && { done: 0, total, fn: deps.onProgress };
  // the namespaces' ip lines through the netlink writer, started now: python loads while the host batch runs
  const writer = netlinkWriter(runner);
  writer?.warm(Math.max(nsJobsToRun(pre).length, nsJobsToRun(later).length));

  await runNsJobs(runner, pre, prog.nsPaths, conc, out, progress, writer);
  note(prog.host);
  await runHostBatch(runner, { tool: 'ip', ns: HOST_NS, lines: prog.host, readBack: false }, out);

  for (const m of prog.mounts) {
    allKeys.add(m.key);
    try {
      await fs.writeFile(root + m.target, '', { append: true });
      out.processes++;
      await runner.run('mount', ['--bind', m.source, m.target]);
    } catch (e) {
      fail(failureOf(m.key, `mount --bind ${m.source} ${m.target}`, e, m.target));
    }
  }

  // sysctls before the namespace batches: those end by reading the namespace back
  for (const s of prog.sysctls) {
    allKeys.add(s.key);
    try {
      if (s.ns === HOST_NS) await fs.writeFile(sysctlPath(s.name), `${s.value}\n`);
      else {
        out.processes++;
        await runner.run('nsenter', [
          `--net=${prog.nsPaths[s.ns] ?? netnsPath(s.ns)}`,
          'sysctl',
          '-q',
          '-w',
          `${sysctlPath(s.name).slice('/proc/sys/'.length)}=${s.value}`,
        ]);
      }
    } catch (e) {
      fail(failureOf(s.key, `sysctl ${s.name}=${s.value}`, e, sysctlPath(s.name)));
    }
  }

  await runNsJobs(runner, later, prog.nsPaths, conc, out, progress, writer);
  const hostFdb = prog.bridge.get(HOST_NS) ?? [];
  note(hostFdb);
  await runHostBatch(runner, { tool: 'bridge', ns: HOST_NS, lines: hostFdb, readBack: false }, out);
  await runNsJobs(runner, fdb, prog.nsPaths, conc, out, progress);

  // containers' directories side by side (files-order.ts keeps what their order guarantees)
  await eachLimited(prog.dirs, FILE_CONCURRENCY, async (d) => {
    for (const k of d.keys) allKeys.add(k);
    try {
      await removeDir(fs, root + d.path);
    } catch (e) {
      fail(failureOf(d.keys[0], `remove ${d.path}`, e, d.path), d.keys);
    }
  });
  for (const step of fileSteps(prog.files, SHARED_HOSTS_DIR)) {
    await eachLimited(step, FILE_CONCURRENCY, async (group) => {
      for (const f of group) {
        allKeys.add(f.key);
        try {
          if (f.content === null) await removeFile(fs, root + f.path);
          else await writeAtomic(fs, root + f.path, f.content, f.link);
        } catch (e) {
          fail(failureOf(f.key, `write ${f.path}`, e, f.path));
        }
      }
    });
  }

  // the firewall: one iptables-restore per table, then conntrack entries of UDP ports that moved
  if (prog.iptablesKeys.length > 0) {
    note(prog.iptablesKeys.map((key) => ({ key })));
    out.processes += prog.iptables.length + prog.conntrack.length;
    try {
      await applyIptables(runner, prog.iptables, prog.nsPaths);
      if (prog.conntrack.length > 0) await flushConntrack(runner, prog.conntrack, prog.nsPaths);
    } catch (e) {
      // a failed restore fails every firewall change: the verify finds what is left
      for (const key of prog.iptablesKeys) fail(failureOf(key, 'iptables-restore', e));
    }
  }

  return { done: [...allKeys].filter((k) => !out.failedKeys.has(k)), failed: out.failed, processes: out.processes, readBack: out.readBack };
}
