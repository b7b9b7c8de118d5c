// Observe the kernel (one part of the observe stage, see index.ts): run the few read
// commands (one `ip -batch` per namespace, one `bridge -batch` for owned VXLAN FDBs),
// read the files, and hand everything to the pure assembler in src/observe/observed.ts.

import { availableParallelism, hostname as osHostname } from 'node:os';
import type { Observed } from '../../model/plan.js';
import { HOST_BATCH, IP_BATCH_ARGS, NS_BATCH, batchInput, fdbBatchInput } from '../../observe/batch.js';
import { NETNS_FILES, type EtcNetnsFile } from '../../observe/files.js';
import { SHARED_HOSTS_DIRNAME } from '../../model/shared-hosts-path.js';
import { TMP_MARK } from '../apply/files.js';
import { groupNetns, type NetnsFile } from '../../observe/netns.js';
import { assembleObserved, ownedVxlanDevs, parseNsBatch, type NsCapture } from '../../observe/observed.js';
import { CommandError, type Runner } from '../runner.js';
import { runNsBatches } from '../ns-batches.js';
import { nodeHostFs, type ObserveFs } from '../host-fs.js';
import { NETNS_DIR } from '../../model/netns-path.js';
import { netlinkReader, type NsRead, type ReaderKind } from './nl-reader.js';
import type { NsBatchParser } from '../../observe/ns-batch-cache.js';
import type { EtcNetnsFiles } from '../etc-netns-cache.js';

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
}

/** nsenter could not enter the file (stale entry, not a namespace): not an ip failure. */
function isEnterFailure(stderr: string): boolean {
  return /^nsenter: /m.test(stderr);
}

export async function observe(runner: Runner, opts: ObserveOptions = {}): Promise<Observed> {
  const fs = opts.fs ?? nodeHostFs;
  const netnsDir = opts.netnsDir ?? NETNS_DIR;
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
    // an adopted path that does not exist is reported absent (the diff names it)
    const present = await Promise.all(toRead.map(async (n) => n.origin !== 'adopted' || (await fs.stat(n.path)) !== undefined));
    const live = toRead.filter((_, i) => present[i]);
    const fetch = live.filter((n) => !opts.reuse?.has(n.path));
    const nl = opts.reader === 'netlink' && fetch.length ? await netlinkReader(runner)?.read(fetch.map((n) => n.path)) : undefined;
    // what the netlink reader did not answer (not available, or a read that failed) goes to the ip workers
    const viaIp = fetch.filter((n) => !nl || 'fail' in nl.get(n.path)!);
    const results = await runNsBatches(
      runner,
      viaIp.map((n) => ({ path: n.path, input: batchInput(NS_BATCH), flags: IP_BATCH_ARGS.slice(0, -2) })),
      opts.concurrency ?? Math.min(4, Math.max(1, availableParallelism())),
    );
    const fetched = new Map<string, { exitCode: number; stdout: string; stderr: string }>(viaIp.map((n, i) => [n.path, results[i]]));
    for (const [path, r] of nl ?? new Map<string, NsRead>()) {
      if ('batch' in r) fetched.set(path, { exitCode: 0, stdout: r.batch, stderr: '' });
      else if ('error' in r) fetched.set(path, { exitCode: 1, stdout: '', stderr: r.error });
    }
    const read = live.map((n) => {
      const cap: NsCapture = { name: n.name, path: n.path, origin: n.origin };
      const reused = opts.reuse?.get(n.path);
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

  const filesPromise = (async (): Promise<EtcNetnsFile[]> => {
    // a dot-directory is no namespace's (`ip netns` names never start with a dot): e.g. one a killed run renamed away
    const dirs = (await fs.readdir(etcNetnsDir)).filter((d) => !d.startsWith('.'));
    const out: EtcNetnsFile[] = [];
    // the hosts files shared by the containers of a set of networks (plan/shared-hosts.ts)
    const shared = (await fs.readdir(`${etcNetnsDir}/${SHARED_HOSTS_DIRNAME}`)).filter((f) => !f.includes(TMP_MARK));
    const readNs = async (ns: string): Promise<EtcNetnsFile[]> => {
      const got: EtcNetnsFile[] = [];
      await Promise.all(
        NETNS_FILES.map(async (name) => {
          const path = `${etcNetnsDir}/${ns}/${name}`;
          // a hosts file may be a link to a shared one: what it points to is what counts
          const link = name === 'hosts' ? await fs.readlink?.(path) : undefined;
          if (link !== undefined) {
            got.push({ ns, name, path, content: '', link });
            return;
          }
          const content = await fs.readFile(path);
          if (content !== undefined) got.push({ ns, name, path, content });
        }),
      );
      return got;
    };
    await Promise.all([
      // the watcher's copy (etc-netns-cache.ts) reads only the directories that changed
      (opts.etcNetns ? opts.etcNetns.read(etcNetnsDir, dirs, readNs) : Promise.all(dirs.map(readNs))).then((per) => {
        for (const files of per) out.push(...files);
      }),
      ...shared.map(async (name) => {
        const path = `${etcNetnsDir}/${SHARED_HOSTS_DIRNAME}/${name}`;
        const content = await fs.readFile(path);
        if (content !== undefined) out.push({ ns: SHARED_HOSTS_DIRNAME, name, path, content });
      }),
    ]);
    return out.sort((a, b) => (a.path < b.path ? -1 : 1));
  })();

  const resolvPromise = fs.readFile(opts.resolvConfPath ?? '/etc/resolv.conf');
  // this process's /proc/net is the host namespace's (observe runs there)
  const socketsPromise = opts.boundPorts
    ? Promise.all(['tcp', 'tcp6', 'udp', 'udp6'].map((t) => fs.readFile(`/proc/net/${t}`).then((x) => x ?? ''))).then(([t4, t6, u4, u6]) => ({
        tcp: [t4, t6],
        udp: [u4, u6],
      }))
    : Promise.resolve(undefined);

  const host = await hostPromise;
  const hostBatch = parseNsBatch(host.stdout, true, 'host ip -batch');
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
