// Read the kernel while the files load. What observe reads whatever the files say —
// the host's `ip` batch, every namespace under /run/netns, the files under
// /etc/netns, the host's iptables-save and listening sockets — is started at the
// beginning of a pass (prefetchHost), and the pass's first observe takes it from
// there (observeHost's `reads.prefetch`) instead of starting it only once the files
// are loaded; observe then reads only what the files add (adopted namespaces by path,
// the router namespaces' iptables, the identities, the RA guard's reads).
//
// These are the pass's own reads, made a moment earlier: never kept across passes.
// A read that is not needed (Settings.iptables: false, no published port) is
// dropped; a read that failed is made again by observe, as if there had been no
// prefetch, so the outcome and the errors a user sees are the same.

import { availableParallelism } from 'node:os';
import type { HostListener } from '../../model/observed-host.js';
import { NETNS_DIR } from '../../model/netns-path.js';
import { HOST_BATCH, IP_BATCH_ARGS, batchInput } from '../../observe/batch.js';
import type { EtcNetnsFile } from '../../observe/files.js';
import { groupNetns, type NetnsFile } from '../../observe/netns.js';
import type { ObserveFs } from '../host-fs.js';
import type { RunResult, Runner } from '../runner.js';
import { readEtcNetns } from './etc-netns.js';
import { hostSaves } from './iptables.js';
import { readListeners } from './listeners.js';
import { readerFromEnv, type ReaderKind } from './nl-reader.js';
import { listNetns, readNsBatches } from './ns-reads.js';

/** The kernel reads of kernel.ts's observe, started early; each undefined when it failed (observe reads again). */
export interface KernelPrefetch {
  netnsDir: string;
  etcNetnsDir: string;
  /** the host's `ip -batch` */
  host: Promise<RunResult | undefined>;
  /** /run/netns as listed, and the batch of each namespace read without error, under the path of every name bound to it */
  netns: Promise<{ files: NetnsFile[]; reads: Map<string, string> } | undefined>;
  /** the files under /etc/netns */
  etcFiles: Promise<EtcNetnsFile[] | undefined>;
}

/** Everything a pass's first observeHost can take from the start of the pass. */
export interface HostPrefetch {
  kernel: KernelPrefetch;
  /** the host's iptables-save, both families (as hostSaves) */
  hostSaves: Promise<string[] | undefined>;
  /** the host's listening sockets (as readListeners: `listeners` undefined when ss cannot be run) */
  listeners: Promise<{ listeners: HostListener[] | undefined } | undefined>;
}

export interface PrefetchOptions {
  netnsDir?: string;
  etcNetnsDir?: string;
  reader?: ReaderKind;
  /** shell workers for namespaces the netlink reader does not read (as observe's) */
  concurrency?: number;
  /**
   * false: only the host-wide reads (the host's `ip`, iptables-save, ss); observe reads the
   * namespaces and /etc/netns itself (the watcher, which reads only those events named)
   */
  namespaces?: boolean;
  /** false: not the host's `ip` read (the watcher's kept read of the host is used, read-scope.ts) */
  host?: boolean;
  /** false: no iptables-save (the pass takes an earlier pass's, see PassOptions.carry) */
  firewall?: boolean;
  /** false: no ss (the pass takes an earlier pass's) */
  listeners?: boolean;
}

/** undefined instead of a failure (so an unused prefetch never surfaces as an unhandled rejection). */
const settled = <T>(p: Promise<T>): Promise<T | undefined> => p.catch(() => undefined);

/** Read every namespace of `netnsDir`: one read per namespace (device and inode), recorded under each of its names' paths. */
async function readAllNetns(
  runner: Runner,
  fs: ObserveFs,
  netnsDir: string,
  reader: ReaderKind,
  concurrency: number,
): Promise<{ files: NetnsFile[]; reads: Map<string, string> }> {
  const files = await listNetns(fs, netnsDir);
  // which name is primary comes from the files: the read is the namespace's, whichever it is
  const groups = groupNetns(files).map((g) => [g.primary, ...g.shared].map((name) => `${netnsDir}/${name}`));
  const results = await readNsBatches(
    runner,
    groups.map((paths) => paths[0]),
    reader,
    concurrency,
  );
  const reads = new Map<string, string>();
  for (const paths of groups) {
    const r = results.get(paths[0]);
    // a failed read (or one that could not enter the namespace) is observe's to make again, and to report
    if (r?.exitCode === 0) for (const p of paths) reads.set(p, r.stdout);
  }
  return { files, reads };
}

export function prefetchKernel(runner: Runner, fs: ObserveFs, opts: PrefetchOptions = {}): KernelPrefetch {
  const netnsDir = opts.netnsDir ?? NETNS_DIR;
  const etcNetnsDir = opts.etcNetnsDir ?? '/etc/netns';
  const concurrency = opts.concurrency ?? Math.min(4, Math.max(1, availableParallelism()));
  const all = opts.namespaces !== false;
  return {
    netnsDir,
    etcNetnsDir,
    host: opts.host === false ? Promise.resolve(undefined) : settled(runner.run('ip', IP_BATCH_ARGS, { input: batchInput(HOST_BATCH) })),
    // undefined: observe reads them itself, as after a failed early read
    netns: all ? settled(readAllNetns(runner, fs, netnsDir, opts.reader ?? readerFromEnv(), concurrency)) : Promise.resolve(undefined),
    etcFiles: all ? settled(readEtcNetns(fs, etcNetnsDir)) : Promise.resolve(undefined),
  };
}

/** Start the reads of a pass's first observe that do not depend on the files. */
export function prefetchHost(runner: Runner, fs: ObserveFs, opts: PrefetchOptions = {}): HostPrefetch {
  return {
    kernel: prefetchKernel(runner, fs, opts),
    hostSaves: opts.firewall === false ? Promise.resolve(undefined) : settled(hostSaves(runner)),
    listeners: opts.listeners === false ? Promise.resolve(undefined) : settled(readListeners(runner).then((listeners) => ({ listeners }))),
  };
}
