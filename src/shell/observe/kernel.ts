// Observe the kernel (one part of the observe stage, see index.ts): run the few read
// commands (one `ip -batch` per namespace, one `bridge -batch` for owned VXLAN FDBs),
// read the files, and hand everything to the pure assembler in src/observe/observed.ts.

import { availableParallelism, hostname as osHostname } from 'node:os';
import type { Observed } from '../../model/plan.js';
import { HOST_BATCH, HOST_READ, IP_BATCH_ARGS, batchInput, fdbBatchInput } from '../../observe/batch.js';
import { groupNetns } from '../../observe/netns.js';
import { assembleObserved, ownedVxlanDevs, parseNsBatch, type NsCapture } from '../../observe/observed.js';
import { CommandError, type RunResult, type Runner } from '../runner.js';
import { nodeHostFs, type ObserveFs } from '../host-fs.js';
import { NETNS_DIR } from '../../model/netns-path.js';
import type { ReaderKind } from './nl-reader.js';
import type { NsBatchParser } from '../../observe/ns-batch-cache.js';
import type { EtcNetnsFiles } from '../etc-netns-cache.js';
import { listNetns, readNsBatches } from './ns-reads.js';
import { readEtcNetns } from './etc-netns.js';
import type { KernelPrefetch } from './prefetch.js';

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
  /** default: nodeHostFs */
  fs?: ObserveFs;
  /** shell workers reading namespaces in parallel (default one per CPU, at most 4) */
  concurrency?: number;
  /** batch outputs already read in this pass, by namespace path: used instead of reading again */
  reuse?: Map<string, string>;
  /** filled with the batch output of every namespace read, by path */
  record?: Map<string, string>;
  /** read the host's bound ports (/proc/net/{tcp,udp}[6]): a port needs its host port chosen */
  boundPorts?: boolean;
  /**
   * how namespaces are read: 'netlink' (one long-lived pyroute2 reader for all of them,
   * nl-reader.ts; falls back to 'ip' when it is not available) or 'ip' (default: one
   * `nsenter … ip -j -batch` per namespace, run by shell workers)
   */
  reader?: ReaderKind;
  /** parses the namespaces' reads (the watcher's NsBatchCache: a read seen before is not parsed again) */
  nsBatches?: NsBatchParser;
  /** reads the namespace directories' files (the watcher's EtcNetnsCache: only those changed since) */
  etcNetns?: EtcNetnsFiles;
  /** the reads this pass started before its files were loaded (prefetch.ts): used instead of reading again */
  early?: KernelPrefetch;
}

/** nsenter could not enter the file (stale entry, not a namespace): not an ip failure. */
function isEnterFailure(stderr: string): boolean {
  return /^nsenter: /m.test(stderr);
}

export async function observe(runner: Runner, opts: ObserveOptions = {}): Promise<Observed> {
  const fs = opts.fs ?? nodeHostFs;
  const netnsDir = opts.netnsDir ?? NETNS_DIR;
  const etcNetnsDir = opts.etcNetnsDir ?? '/etc/netns';

  // what the pass read at its start (prefetch.ts), when it is of these directories; a failed early read is made again here
  const early = opts.early && opts.early.netnsDir === netnsDir && opts.early.etcNetnsDir === etcNetnsDir ? opts.early : undefined;
  const readHost = () => runner.run('ip', IP_BATCH_ARGS, { input: batchInput(HOST_BATCH) });
  // the watcher's read of the host, when no host event has named it since (read-scope.ts)
  const hostKept = opts.reuse?.get(HOST_READ);
  const hostPromise: Promise<RunResult> =
    hostKept !== undefined ? Promise.resolve({ stdout: hostKept, stderr: '', exitCode: 0 }) : early ? early.host.then((r) => r ?? readHost()) : readHost();

  const namespacesPromise = (async (): Promise<NsCapture[]> => {
    const pre = await early?.netns;
    const groups = groupNetns(pre?.files ?? (await listNetns(fs, netnsDir)), new Set(opts.preferPrimary ?? []));
    const toRead: { name: string; path: string; origin: 'named' | 'adopted' }[] = [
      ...groups.map((g) => ({ name: g.primary, path: `${netnsDir}/${g.primary}`, origin: 'named' as const })),
      ...(opts.extraNamespaces ?? []).map((e) => ({ ...e, origin: 'adopted' as const })),
    ];
    // an adopted path that does not exist is reported absent (the diff names it)
    const present = await Promise.all(toRead.map(async (n) => n.origin !== 'adopted' || (await fs.stat(n.path)) !== undefined));
    const live = toRead.filter((_, i) => present[i]);
    const known = (path: string): string | undefined => opts.reuse?.get(path) ?? pre?.reads.get(path);
    const fetch = live.filter((n) => known(n.path) === undefined);
    const fetched = await readNsBatches(
      runner,
      fetch.map((n) => n.path),
      opts.reader,
      opts.concurrency ?? Math.min(4, Math.max(1, availableParallelism())),
    );
    const read = live.map((n) => {
      const cap: NsCapture = { name: n.name, path: n.path, origin: n.origin };
      const reused = known(n.path);
      if (reused !== undefined) cap.batch = reused;
      else {
        const r = fetched.get(n.path)!;
        if (r.exitCode !== 0 && isEnterFailure(r.stderr)) cap.error = r.stderr;
        else if (r.exitCode !== 0) {
          const argv = ['nsenter', `--net=${n.path}`, 'ip', ...IP_BATCH_ARGS];
          throw new CommandError({ argv, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });
        } else cap.batch = r.stdout;
      }
      if (cap.batch !== undefined) opts.record?.set(n.path, cap.batch);
      return cap;
    });
    const caps = read.filter((c): c is NsCapture => c !== undefined);
    for (const g of groups) for (const s of g.shared) caps.push({ name: s, path: `${netnsDir}/${s}`, origin: 'shared', sharedWith: g.primary });
    return caps;
  })();

  // the watcher's copy (etc-netns-cache.ts) reads only the directories that changed
  const readFiles = () => readEtcNetns(fs, etcNetnsDir, opts.etcNetns);
  const filesPromise = early ? early.etcFiles.then((f) => f ?? readFiles()) : readFiles();

  const resolvPromise = fs.readFile(opts.resolvConfPath ?? '/etc/resolv.conf');
  // this process's /proc/net is the host namespace's (observe runs there)
  const socketsPromise = opts.boundPorts
    ? Promise.all(['tcp', 'tcp6', 'udp', 'udp6'].map((t) => fs.readFile(`/proc/net/${t}`).then((x) => x ?? ''))).then(([t4, t6, u4, u6]) => ({
        tcp: [t4, t6],
        udp: [u4, u6],
      }))
    : Promise.resolve(undefined);

  const host = await hostPromise;
  opts.record?.set(HOST_READ, host.stdout);
  const hostBatch = opts.nsBatches?.parseHost ? opts.nsBatches.parseHost(host.stdout) : parseNsBatch(host.stdout, true, 'host ip -batch');
  const devs = ownedVxlanDevs(hostBatch);
  const fdbPromise = devs.length
    ? runner.run('bridge', ['-j', '-batch', '-'], { input: fdbBatchInput(devs) }).then((r) => ({ devs, stdout: r.stdout }))
    : Promise.resolve(undefined);

  const [namespaces, files, resolvConf, fdb, sockets] = await Promise.all([namespacesPromise, filesPromise, resolvPromise, fdbPromise, socketsPromise]);
  return assembleObserved({
    hostBatch,
    ...(fdb ? { fdb } : {}),
    namespaces,
    files,
    resolvConf: resolvConf ?? '',
    hostname: opts.hostname ?? osHostname(),
    ...(sockets ? { sockets } : {}),
    ...(opts.nsBatches ? { nsBatches: opts.nsBatches } : {}),
  });
}
