// Observe the kernel: run the few read commands (one `ip -batch` per namespace, one
// `bridge -batch` for owned VXLAN FDBs), read the files, and hand everything to the
// pure assembler in src/observe/observed.ts.

import { readFile as fsReadFile, readdir as fsReaddir, stat as fsStat } from 'node:fs/promises';
import { availableParallelism, hostname as osHostname } from 'node:os';
import type { Observed } from '../model/plan.js';
import { HOST_BATCH, IP_BATCH_ARGS, NS_BATCH, batchInput, fdbBatchInput } from '../observe/batch.js';
import { NETNS_FILES, type EtcNetnsFile } from '../observe/files.js';
import { groupNetns, type NetnsFile } from '../observe/netns.js';
import { assembleObserved, ownedVxlanDevs, parseNsBatch, type NsCapture } from '../observe/observed.js';
import { CommandError, type Runner } from './runner.js';

/** The file-system reads observe needs; injectable so tests can read inside a sandbox. */
export interface ObserveFs {
  /** file text, or undefined when it does not exist / cannot be read */
  readFile(path: string): Promise<string | undefined>;
  /** entry names of a directory ([] when it does not exist) */
  readdir(path: string): Promise<string[]>;
  /** device and inode (following bind mounts/symlinks), undefined when missing */
  stat(path: string): Promise<{ dev: number; ino: number } | undefined>;
}

export const nodeFs: ObserveFs = {
  readFile: (p) => fsReadFile(p, 'utf8').catch(() => undefined),
  readdir: (p) => fsReaddir(p).catch(() => []),
  stat: (p) =>
    fsStat(p).then(
      (s) => ({ dev: s.dev, ino: s.ino }),
      () => undefined,
    ),
};

/** ObserveFs through a Runner (e.g. inside a test sandbox's mount namespace). Slow: one process per call. */
export function runnerFs(runner: Runner): ObserveFs {
  return {
    async readFile(p) {
      const r = await runner.run('cat', ['--', p], { allowFail: true });
      return r.exitCode === 0 ? r.stdout : undefined;
    },
    async readdir(p) {
      const r = await runner.run('ls', ['-A1', '--', p], { allowFail: true });
      return r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean) : [];
    },
    async stat(p) {
      const r = await runner.run('stat', ['-L', '-c', '%d %i', '--', p], { allowFail: true });
      if (r.exitCode !== 0) return undefined;
      const [dev, ino] = r.stdout.trim().split(' ').map(Number);
      return { dev, ino };
    },
  };
}

export interface ObserveOptions {
  /** named namespaces (default /run/netns) */
  netnsDir?: string;
  /** per-namespace files (default /etc/netns) */
  etcNetnsDir?: string;
  /** adopted namespaces (by path or /proc/PID/ns/net), observed under these names */
  extraNamespaces?: { name: string; path: string }[];
  /** when several /run/netns names are one namespace, observe it under the first of these */
  preferPrimary?: string[];
  /** the host's resolv.conf (default /etc/resolv.conf) */
  resolvConfPath?: string;
  /** default os.hostname() */
  hostname?: string;
  /** default: node:fs */
  fs?: ObserveFs;
  /** namespaces read in parallel (default 2 per CPU, at most 8: more only adds contention) */
  concurrency?: number;
  /** batch outputs already read in this pass, by namespace path: used instead of reading again */
  reuse?: Map<string, string>;
  /** filled with the batch output of every namespace read, by path */
  record?: Map<string, string>;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** nsenter could not enter the file (stale entry, not a namespace): not an ip failure. */
function isEnterFailure(stderr: string): boolean {
  return /^nsenter: /m.test(stderr);
}

export async function readNsBatch(runner: Runner, path: string): Promise<{ batch?: string; error?: string }> {
  const r = await runner.run('nsenter', [`--net=${path}`, 'ip', ...IP_BATCH_ARGS], {
    input: batchInput(NS_BATCH),
    allowFail: true,
  });
  if (r.exitCode !== 0 && isEnterFailure(r.stderr)) return { error: r.stderr.trim() };
  if (r.exitCode !== 0) {
    const argv = ['nsenter', `--net=${path}`, 'ip', ...IP_BATCH_ARGS];
    throw new CommandError({ argv, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });
  }
  return { batch: r.stdout };
}

export async function observe(runner: Runner, opts: ObserveOptions = {}): Promise<Observed> {
  const fs = opts.fs ?? nodeFs;
  const netnsDir = opts.netnsDir ?? '/run/netns';
  const etcNetnsDir = opts.etcNetnsDir ?? '/etc/netns';

  const hostPromise = runner.run('ip', IP_BATCH_ARGS, { input: batchInput(HOST_BATCH) });

  const namespacesPromise = (async (): Promise<NsCapture[]> => {
    const names = (await fs.readdir(netnsDir)).sort();
    const stats = await Promise.all(names.map(async (name) => ({ name, st: await fs.stat(`${netnsDir}/${name}`) })));
    const files: NetnsFile[] = [];
    for (const { name, st } of stats) if (st) files.push({ name, dev: st.dev, ino: st.ino });
    const groups = groupNetns(files, new Set(opts.preferPrimary ?? []));
    const toRead: { name: string; path: string; origin: 'named' | 'adopted' }[] = [
      ...groups.map((g) => ({ name: g.primary, path: `${netnsDir}/${g.primary}`, origin: 'named' as const })),
      ...(opts.extraNamespaces ?? []).map((e) => ({ ...e, origin: 'adopted' as const })),
    ];
    const concurrency = opts.concurrency ?? Math.min(8, Math.max(2, 2 * availableParallelism()));
    const read = await mapLimit(toRead, concurrency, async (n) => {
      // an adopted path that does not exist is reported absent (the diff names it)
      if (n.origin === 'adopted' && !(await fs.stat(n.path))) return undefined;
      const reused = opts.reuse?.get(n.path);
      const r = reused !== undefined ? { batch: reused } : await readNsBatch(runner, n.path);
      if (r.batch !== undefined) opts.record?.set(n.path, r.batch);
      const cap: NsCapture = { name: n.name, path: n.path, origin: n.origin };
      if (r.batch !== undefined) cap.batch = r.batch;
      if (r.error !== undefined) cap.error = r.error;
      return cap;
    });
    const caps = read.filter((c): c is NsCapture => c !== undefined);
    for (const g of groups)
      for (const s of g.shared)
        caps.push({ name: s, path: `${netnsDir}/${s}`, origin: 'shared', sharedWith: g.primary });
    return caps;
  })();

  const filesPromise = (async (): Promise<EtcNetnsFile[]> => {
    const dirs = await fs.readdir(etcNetnsDir);
    const out: EtcNetnsFile[] = [];
    await Promise.all(
      dirs.flatMap((ns) =>
        NETNS_FILES.map(async (name) => {
          const path = `${etcNetnsDir}/${ns}/${name}`;
          const content = await fs.readFile(path);
          if (content !== undefined) out.push({ ns, name, path, content });
        }),
      ),
    );
    return out.sort((a, b) => (a.path < b.path ? -1 : 1));
  })();

  const resolvPromise = fs.readFile(opts.resolvConfPath ?? '/etc/resolv.conf');

  const host = await hostPromise;
  const hostBatch = parseNsBatch(host.stdout, true, 'host ip -batch');
  const devs = ownedVxlanDevs(hostBatch);
  const fdbPromise = devs.length
    ? runner.run('bridge', ['-j', '-batch', '-'], { input: fdbBatchInput(devs) }).then((r) => ({ devs, stdout: r.stdout }))
    : Promise.resolve(undefined);

  const [namespaces, files, resolvConf, fdb] = await Promise.all([namespacesPromise, filesPromise, resolvPromise, fdbPromise]);
  return assembleObserved({
    hostBatch,
    ...(fdb ? { fdb } : {}),
    namespaces,
    files,
    resolvConf: resolvConf ?? '',
    hostname: opts.hostname ?? osHostname(),
  });
}
