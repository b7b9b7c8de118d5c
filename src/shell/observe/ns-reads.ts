// Reading namespaces (a part of observing the kernel, see kernel.ts): list /run/netns
// with each file's device and inode, and read namespaces by path — through the
// netlink reader (nl-reader.ts), and what it does not answer (not available, or a
// read that failed) through the `nsenter … ip -batch` shell workers (ns-batches.ts).
// kernel.ts and the pass's early reads (prefetch.ts) both read this way.

import type { NetnsFile } from '../../observe/netns.js';
import { IP_BATCH_ARGS, NS_BATCH, batchInput } from '../../observe/batch.js';
import type { ObserveFs } from '../host-fs.js';
import type { Runner } from '../runner.js';
import { runNsBatches, type NsBatchResult } from '../ns-batches.js';
import { netlinkReader, type NsRead, type ReaderKind } from './nl-reader.js';

/** The files of `netnsDir` (sorted by name) with the device and inode of the namespace each is bound to; a file gone meanwhile is left out. */
export async function listNetns(fs: ObserveFs, netnsDir: string): Promise<NetnsFile[]> {
  const names = (await fs.readdir(netnsDir)).sort();
  const stats = await Promise.all(names.map(async (name) => ({ name, st: await fs.stat(`${netnsDir}/${name}`) })));
  const files: NetnsFile[] = [];
  for (const { name, st } of stats) if (st) files.push({ name, dev: st.dev, ino: st.ino });
  return files;
}

/**
 * Read each namespace (by path) as `ip -j -d -N -batch` prints NS_BATCH: the result of
 * each path, as the ip workers give it (a netlink read that could not enter the
 * namespace comes back as exit code 1 with its error).
 */
export async function readNsBatches(
  runner: Runner,
  paths: readonly string[],
  reader: ReaderKind | undefined,
  concurrency: number,
): Promise<Map<string, NsBatchResult>> {
  const nl = reader === 'netlink' && paths.length ? await netlinkReader(runner)?.read(paths) : undefined;
  // what the netlink reader did not answer (not available, or a read that failed) goes to the ip workers
  const viaIp = paths.filter((p) => !nl || 'fail' in nl.get(p)!);
  const results = await runNsBatches(
    runner,
    viaIp.map((path) => ({ path, input: batchInput(NS_BATCH), flags: IP_BATCH_ARGS.slice(0, -2) })),
    concurrency,
  );
  const fetched = new Map<string, NsBatchResult>(viaIp.map((p, i) => [p, results[i]]));
  for (const [path, r] of nl ?? new Map<string, NsRead>()) {
    if ('batch' in r) fetched.set(path, { exitCode: 0, stdout: r.batch, stderr: '' });
    else if ('error' in r) fetched.set(path, { exitCode: 1, stdout: '', stderr: r.error });
  }
  return fetched;
}
