// One `ip -j -d -N -batch -` process per namespace runs several show commands; each
// command prints exactly one JSON array on its own line (verified with iproute2 6.1).
// `ip -batch` stops at the first failing command, so a short output means a failure.

import { MARK } from '../model/marks.js';

/**
 * Read lines for every namespace: links, addresses, netkeeper's routes (both families:
 * `table all` is the only way to get IPv6 routes in a family-less batch), permanent
 * neighbours, forwarding. `link show` must come first and stay separate: `ip -d addr
 * show` alone omits inet6_addr_gen_mode (it only appears after a `link show` in the
 * same batch, iproute2 6.1), so links are read from `link show` and only addresses
 * from `addr show`.
 */
export const NS_BATCH = ['link show', 'addr show', `route show table all proto ${MARK.routeProto}`, 'neigh show nud permanent', 'netconf show'] as const;

/** The host namespace also reads its main table (IPv4) for HostFacts.foreignRoutes. */
export const HOST_BATCH = [...NS_BATCH, 'route show table main'] as const;

/**
 * The key of the host's own read (its HOST_BATCH output) among the namespace reads a
 * pass records and may reuse (by /run/netns path): the watcher keeps it like theirs,
 * read again after a host event, by the rolling audit, and after an apply that
 * changed the host.
 */
export const HOST_READ = '(host)';

/** argv (after `ip`) of the batch reader; stdin is the batch text. */
export const IP_BATCH_ARGS = ['-j', '-d', '-N', '-batch', '-'];

export function batchInput(commands: readonly string[]): string {
  return commands.map((c) => `${c}\n`).join('');
}

/**
 * Split batch output into one JSON text per command. Throws when the number of
 * documents differs from the number of commands (output cannot be aligned).
 */
export function splitBatch(stdout: string, commands: readonly string[], what = 'ip -batch'): string[] {
  const docs = stdout.split('\n').filter((l) => l.trim() !== '');
  if (docs.length !== commands.length) {
    throw new Error(`${what}: expected ${commands.length} JSON documents (${commands.join('; ')}), got ${docs.length}`);
  }
  return docs;
}

/** `bridge -j -batch -` input reading the FDB of each device. */
export function fdbBatchInput(devs: readonly string[]): string {
  return devs.map((d) => `fdb show dev ${d}\n`).join('');
}
