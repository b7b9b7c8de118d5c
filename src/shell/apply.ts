// Runs a rendered Program against the kernel. The only place that changes it.

import { mkdir, rename, rm, rmdir, writeFile, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Runner } from './runner.js';
import type { Line, Program } from '../plan/render.js';
import { HOST_NS } from '../model/resources.js';
import { NS_BATCH } from '../observe/batch.js';

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
  /** parallel namespace batches (default 4) */
  concurrency?: number;
  /** root of the filesystem (tests) — default '' */
  root?: string;
}

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

async function runBatch(
  runner: Runner,
  tool: 'ip' | 'bridge',
  ns: string,
  nsPath: string | undefined,
  lines: Line[],
  report: ApplyReport,
  failedKeys: Set<string>,
  readBack = false,
): Promise<void> {
  if (lines.length === 0 && !readBack) return;
  const path = nsPath ?? `/run/netns/${ns}`;
  // a read-back appends the observe commands: the namespace is read in the process that changed it
  const input = [...lines.map((l) => l.text), ...(readBack ? NS_BATCH : [])].join('\n') + '\n';
  const flags = readBack ? ['-j', '-d', '-N', '-force', '-batch', '-'] : ['-force', '-batch', '-'];
  const [cmd, args] = ns === HOST_NS ? [tool, flags] : ['nsenter', [`--net=${path}`, tool, ...flags]];
  report.processes++;
  const res = await runner.run(cmd, args, { input, allowFail: true });
  if (readBack && !/^nsenter: /m.test(res.stderr) && ![...batchErrors(res.stderr).keys()].some((n) => n > lines.length)) report.readBack.set(path, res.stdout);
  if (res.exitCode === 0) return;
  const errs = batchErrors(res.stderr);
  if (errs.size === 0) {
    // the process itself failed (e.g. the namespace is gone): every line failed
    for (const l of lines) {
      failedKeys.add(l.key);
      report.failed.push({ key: l.key, command: l.text, error: res.stderr.trim() || `exit ${res.exitCode}` });
    }
    return;
  }
  for (const [n, error] of errs) {
    const l = lines[n - 1];
    if (!l) continue;
    failedKeys.add(l.key);
    report.failed.push({ key: l.key, command: `${ns === HOST_NS ? '' : `[${ns}] `}${tool} ${l.text}`, error });
  }
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]);
  });
  await Promise.all(workers);
}

async function writeAtomic(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.nk-tmp`;
  await writeFile(tmp, content, { mode: 0o644 });
  await rename(tmp, path);
}

async function removeFile(path: string): Promise<void> {
  await rm(path, { force: true });
  await rmdir(dirname(path)).catch(() => undefined); // only when empty
}

/** /proc/sys path of a dotted sysctl name; the interface part of net.ipv{4,6}.conf.<if>.<key> may hold dots. */
export function sysctlPath(name: string): string {
  const m = /^(net\.ipv[46]\.(?:conf|neigh))\.(.+)\.([^.]+)$/.exec(name);
  const parts = m ? [...m[1].split('.'), m[2], m[3]] : name.split('.');
  return `/proc/sys/${parts.join('/')}`;
}

async function writeSysctl(runner: Runner, ns: string, nsPath: string | undefined, name: string, value: string, report: ApplyReport) {
  const file = sysctlPath(name);
  if (ns === HOST_NS) {
    const fh = await open(file, 'w');
    try {
      await fh.write(`${value}\n`);
    } finally {
      await fh.close();
    }
    return;
  }
  report.processes++;
  await runner.run('nsenter', [`--net=${nsPath ?? `/run/netns/${ns}`}`, 'sysctl', '-q', '-w', `${sysctlPath(name).slice('/proc/sys/'.length)}=${value}`]);
}

/**
 * Apply a program. Failures are collected per change, not thrown: the caller
 * observes again and reports what is left.
 */
export async function applyProgram(prog: Program, deps: ApplyDeps): Promise<ApplyReport> {
  const { runner } = deps;
  const conc = deps.concurrency ?? 4;
  const root = deps.root ?? '';
  const report: ApplyReport = { done: [], failed: [], processes: 0, readBack: new Map() };
  const failedKeys = new Set<string>();
  const allKeys = new Set<string>();
  const note = (lines: Iterable<{ key: string }>) => {
    for (const l of lines) allKeys.add(l.key);
  };

  const nsBatches = async (m: Map<string, Line[]>) => {
    for (const lines of m.values()) note(lines);
    await pool([...m.entries()], conc, ([ns, lines]) =>
      runBatch(runner, 'ip', ns, prog.nsPaths[ns], lines, report, failedKeys),
    );
  };

  await nsBatches(prog.nsPre);
  note(prog.host);
  await runBatch(runner, 'ip', HOST_NS, undefined, prog.host, report, failedKeys);

  for (const m of prog.mounts) {
    allKeys.add(m.key);
    try {
      await writeFile(root + m.target, '', { flag: 'a' });
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
      await writeSysctl(runner, s.ns, prog.nsPaths[s.ns], s.name, s.value, report);
    } catch (e) {
      failedKeys.add(s.key);
      report.failed.push({ key: s.key, command: `sysctl ${s.name}=${s.value}`, error: String((e as Error).message) });
    }
  }

  const post = new Map(prog.nsPost);
  for (const ns of deps.readBack ?? []) if (ns !== HOST_NS && !post.has(ns)) post.set(ns, []);
  for (const lines of post.values()) note(lines);
  await pool([...post.entries()], conc, ([ns, lines]) =>
    runBatch(runner, 'ip', ns, prog.nsPaths[ns], lines, report, failedKeys, deps.readBack?.has(ns)),
  );
  for (const lines of prog.bridge.values()) note(lines);
  await pool([...prog.bridge.entries()], conc, ([ns, lines]) =>
    runBatch(runner, 'bridge', ns, prog.nsPaths[ns], lines, report, failedKeys),
  );

  for (const f of prog.files) {
    allKeys.add(f.key);
    try {
      if (f.content === null) await removeFile(root + f.path);
      else await writeAtomic(root + f.path, f.content);
    } catch (e) {
      failedKeys.add(f.key);
      report.failed.push({ key: f.key, command: `write ${f.path}`, error: String((e as Error).message) });
    }
  }

  report.done = [...allKeys].filter((k) => !failedKeys.has(k));
  return report;
}
