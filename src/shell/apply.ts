// Runs a rendered Program against the kernel. The only place that changes it.

import { dirname } from 'node:path';
import type { Runner } from './runner.js';
import { nodeHostFs, type HostFs } from './host-fs.js';
import type { Line, Program } from '../plan/render.js';
import { HOST_NS } from '../model/resources.js';
import { NS_BATCH } from '../observe/batch.js';
import { runNsBatches } from './ns-batches.js';
import { netnsPath } from '../model/netns-path.js';

export interface StepFailure {
  key: string;
  command: string;
  error: string;
}

export interface ApplyReport {
  /** change keys whose commands all succeeded */
  done: string[];
  failed: StepFailure[];
  /** processes started */
  processes: number;
  /** read-back batch output by namespace path (see ApplyDeps.readBack) */
  readBack: Map<string, string>;
}

export interface ApplyDeps {
  /** namespaces (by name) whose post batch ends by reading the namespace back (NS_BATCH) */
  readBack?: Set<string>;
  runner: Runner;
  /** shell workers running namespace batches (default 2) */
  concurrency?: number;
  /** the host's files: /etc/netns and /proc/sys (default nodeHostFs) */
  fs?: HostFs;
  /** root of the filesystem (tests) — default '' */
  root?: string;
  /** namespace batches done of total, called as slices of them finish (without it: one slice) */
  onProgress?: ApplyProgress;
}

export type ApplyProgress = (done: number, total: number) => void;
/** namespaces per slice when progress is reported */
const PROGRESS_SLICE = 24;

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

interface BatchJob {
  tool: 'ip' | 'bridge';
  ns: string;
  lines: Line[];
  /** append the observe commands: the namespace is read in the process that changed it */
  readBack: boolean;
}

function jobInput(job: BatchJob): string {
  return [...job.lines.map((l) => l.text), ...(job.readBack ? NS_BATCH : [])].join('\n') + '\n';
}

function jobFlags(job: BatchJob): string[] {
  return job.readBack ? ['-j', '-d', '-N', '-force'] : ['-force'];
}

/** Record what a batch did: its failed lines by change key, and a read-back when it is complete. */
function settle(job: BatchJob, path: string, res: { stdout: string; stderr: string; exitCode: number }, report: ApplyReport, failedKeys: Set<string>): void {
  const errs = batchErrors(res.stderr);
  const entered = !/^nsenter: /m.test(res.stderr) && res.exitCode !== -1;
  if (job.readBack && entered && ![...errs.keys()].some((n) => n > job.lines.length)) report.readBack.set(path, res.stdout);
  if (res.exitCode === 0) return;
  if (errs.size === 0) {
    // the process itself failed (e.g. the namespace is gone): every line failed
    for (const l of job.lines) {
      failedKeys.add(l.key);
      report.failed.push({ key: l.key, command: l.text, error: res.stderr.trim() || `exit ${res.exitCode}` });
    }
    return;
  }
  for (const [n, error] of errs) {
    const l = job.lines[n - 1];
    if (!l) continue;
    failedKeys.add(l.key);
    report.failed.push({ key: l.key, command: `${job.ns === HOST_NS ? '' : `[${job.ns}] `}${job.tool} ${l.text}`, error });
  }
}

/** The host's batch: one process. */
async function runHostBatch(runner: Runner, job: BatchJob, report: ApplyReport, failedKeys: Set<string>): Promise<void> {
  if (job.lines.length === 0) return;
  report.processes++;
  const res = await runner.run(job.tool, [...jobFlags(job), '-batch', '-'], { input: jobInput(job), allowFail: true });
  settle(job, '', res, report, failedKeys);
}

/** Namespace batches: a few shell workers, each entering its namespaces in turn. */
async function runNsJobs(runner: Runner, jobs: BatchJob[], nsPaths: Record<string, string>, workers: number, report: ApplyReport, failedKeys: Set<string>, progress?: { done: number; total: number; fn: ApplyProgress }): Promise<void> {
  const all = jobs.filter((j) => j.lines.length > 0 || j.readBack);
  for (let i = 0; i < all.length; i += progress ? PROGRESS_SLICE : all.length) {
    await runNsSlice(runner, all.slice(i, i + (progress ? PROGRESS_SLICE : all.length)), nsPaths, workers, report, failedKeys);
    if (progress) progress.fn((progress.done += Math.min(PROGRESS_SLICE, all.length - i)), progress.total);
  }
}

async function runNsSlice(runner: Runner, todo: BatchJob[], nsPaths: Record<string, string>, workers: number, report: ApplyReport, failedKeys: Set<string>): Promise<void> {
  if (todo.length === 0) return;
  const paths = todo.map((j) => netnsPath(j.ns, nsPaths)!);
  const results = await runNsBatches(
    runner,
    todo.map((j, i) => ({ path: paths[i], input: jobInput(j), flags: jobFlags(j), tool: j.tool })),
    workers,
  );
  report.processes += Math.min(workers, todo.length);
  todo.forEach((j, i) => settle(j, paths[i], results[i], report, failedKeys));
}

async function writeAtomic(fs: HostFs, path: string, content: string): Promise<void> {
  await fs.mkdir(dirname(path));
  const tmp = `${path}${TMP_MARK}${process.pid}`;
  await fs.writeFile(tmp, content, { mode: 0o644 });
  await fs.rename(tmp, path);
}

/** Prefix of a namespace's /etc/netns directory on its way out: a name only netkeeper gives. */
export const TRASH_PREFIX = '.nk-gone-';
/** Infix of a file being written (renamed over the real one when complete). */
const TMP_MARK = '.nk-tmp-';

/**
 * Remove a directory whole: renamed first (atomic), so a run killed half-way leaves
 * no directory `ip netns exec` would use and nothing that looks like a container's;
 * sweepTrash removes what a killed run left.
 */
async function removeDir(fs: HostFs, path: string): Promise<void> {
  const trash = `${dirname(path)}/${TRASH_PREFIX}${path.slice(dirname(path).length + 1)}-${process.pid}`;
  await fs.rename(path, trash);
  await fs.rm(trash);
}

/**
 * What a killed run left under /etc/netns: directories it renamed away (removeDir)
 * and temporary files it wrote but did not rename (writeAtomic). Call under the lock:
 * then no other writer's temporary file can be there.
 */
export async function sweepTrash(dir: string, fs: HostFs = nodeHostFs): Promise<void> {
  for (const f of await fs.readdir(dir)) {
    if (f.startsWith(TRASH_PREFIX)) {
      await fs.rm(`${dir}/${f}`);
      continue;
    }
    for (const g of await fs.readdir(`${dir}/${f}`)) if (g.includes(TMP_MARK)) await fs.rm(`${dir}/${f}/${g}`);
  }
}

async function removeFile(fs: HostFs, path: string): Promise<void> {
  await fs.rm(path);
  // a write killed between its temporary file and the rename leaves one behind
  for (const f of await fs.readdir(dirname(path))) if (f.includes(TMP_MARK)) await fs.rm(`${dirname(path)}/${f}`);
  await fs.rmdir(dirname(path)).catch(() => undefined); // only when empty
}

/** /proc/sys path of a dotted sysctl name; the interface part of net.ipv{4,6}.conf.<if>.<key> may hold dots. */
export function sysctlPath(name: string): string {
  const m = /^(net\.ipv[46]\.(?:conf|neigh))\.(.+)\.([^.]+)$/.exec(name);
  const parts = m ? [...m[1].split('.'), m[2], m[3]] : name.split('.');
  return `/proc/sys/${parts.join('/')}`;
}

async function writeSysctl(runner: Runner, fs: HostFs, ns: string, nsPath: string | undefined, name: string, value: string, report: ApplyReport) {
  if (ns === HOST_NS) {
    await fs.writeFile(sysctlPath(name), `${value}\n`);
    return;
  }
  report.processes++;
  await runner.run('nsenter', [`--net=${nsPath ?? netnsPath(ns)}`, 'sysctl', '-q', '-w', `${sysctlPath(name).slice('/proc/sys/'.length)}=${value}`]);
}

/**
 * Apply a program. Failures are collected per change, not thrown: the caller
 * observes again and reports what is left.
 */
export async function applyProgram(prog: Program, deps: ApplyDeps): Promise<ApplyReport> {
  const { runner } = deps;
  const conc = deps.concurrency ?? 2;
  const root = deps.root ?? '';
  const fs = deps.fs ?? nodeHostFs;
  const report: ApplyReport = { done: [], failed: [], processes: 0, readBack: new Map() };
  const failedKeys = new Set<string>();
  const allKeys = new Set<string>();
  const note = (lines: Iterable<{ key: string }>) => {
    for (const l of lines) allKeys.add(l.key);
  };

  const nsJobs = (m: Map<string, Line[]>, tool: 'ip' | 'bridge', readBack?: Set<string>): BatchJob[] =>
    [...m.entries()].map(([ns, lines]) => {
      note(lines);
      return { tool, ns, lines, readBack: readBack?.has(ns) ?? false };
    });

  const post = new Map(prog.nsPost);
  for (const ns of deps.readBack ?? []) if (ns !== HOST_NS && !post.has(ns)) post.set(ns, []);
  const nsFdb = new Map([...prog.bridge].filter(([ns]) => ns !== HOST_NS));
  const count = (m: Map<string, Line[]>, rb?: Set<string>) => [...m].filter(([ns, l]) => l.length > 0 || rb?.has(ns)).length;
  const total = count(prog.nsPre) + count(post, deps.readBack) + count(nsFdb);
  const progress = deps.onProgress && { done: 0, total, fn: deps.onProgress };
  await runNsJobs(runner, nsJobs(prog.nsPre, 'ip'), prog.nsPaths, conc, report, failedKeys, progress);
  note(prog.host);
  await runHostBatch(runner, { tool: 'ip', ns: HOST_NS, lines: prog.host, readBack: false }, report, failedKeys);

  for (const m of prog.mounts) {
    allKeys.add(m.key);
    try {
      await fs.writeFile(root + m.target, '', { append: true });
      report.processes++;
      await runner.run('mount', ['--bind', m.source, m.target]);
    } catch (e) {
      failedKeys.add(m.key);
      report.failed.push({ key: m.key, command: `mount --bind ${m.source} ${m.target}`, error: String((e as Error).message) });
    }
  }

  // sysctls before the namespace batches: those end by reading the namespace back
  for (const s of prog.sysctls) {
    allKeys.add(s.key);
    try {
      await writeSysctl(runner, fs, s.ns, prog.nsPaths[s.ns], s.name, s.value, report);
    } catch (e) {
      failedKeys.add(s.key);
      report.failed.push({ key: s.key, command: `sysctl ${s.name}=${s.value}`, error: String((e as Error).message) });
    }
  }

  await runNsJobs(runner, nsJobs(post, 'ip', deps.readBack), prog.nsPaths, conc, report, failedKeys, progress);
  const hostFdb = prog.bridge.get(HOST_NS) ?? [];
  note(hostFdb);
  await runHostBatch(runner, { tool: 'bridge', ns: HOST_NS, lines: hostFdb, readBack: false }, report, failedKeys);
  await runNsJobs(runner, nsJobs(nsFdb, 'bridge'), prog.nsPaths, conc, report, failedKeys, progress);

  for (const d of prog.dirs) {
    for (const k of d.keys) allKeys.add(k);
    try {
      await removeDir(fs, root + d.path);
    } catch (e) {
      for (const k of d.keys) failedKeys.add(k);
      report.failed.push({ key: d.keys[0], command: `remove ${d.path}`, error: String((e as Error).message) });
    }
  }
  for (const f of prog.files) {
    allKeys.add(f.key);
    try {
      if (f.content === null) await removeFile(fs, root + f.path);
      else await writeAtomic(fs, root + f.path, f.content);
    } catch (e) {
      failedKeys.add(f.key);
      report.failed.push({ key: f.key, command: `write ${f.path}`, error: String((e as Error).message) });
    }
  }

  report.done = [...allKeys].filter((k) => !failedKeys.has(k));
  return report;
}
