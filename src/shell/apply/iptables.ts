// The firewall's side effects: one iptables-restore --noflush per (namespace,
// family, table), conntrack deletions of UDP ports whose target moved, and
// loading br_netfilter. The reads are in src/shell/observe/iptables.ts.
//
// Backend: whatever `iptables-restore` resolves to on the host (Debian 12:
// iptables-nft through update-alternatives; iptables-legacy works the same). Both
// take rules in the saved form the desired rules are written in (src/plan/firewall-rules.ts).

import { CommandError, type Runner } from '../runner.js';
import { HOST_NS } from '../../model/resources.js';
import type { IptFamily } from '../../model/resources.js';
import { netnsPath } from '../../model/netns-path.js';
import type { Change } from '../../model/plan.js';
import { renderIptables, staleUdpPorts } from '../../render/iptables.js';
import type { IptablesBatch, StaleUdpPort } from '../../render/iptables.js';

export { readIptables } from '../observe/iptables.js';

const RESTORE: Record<IptFamily, string> = { ipv4: 'iptables-restore', ipv6: 'ip6tables-restore' };

/** argv that runs `cmd args` in a namespace (the host's own when path is undefined). */
function inNs(path: string | undefined, cmd: string, args: string[]): [string, string[]] {
  return path ? ['nsenter', [`--net=${path}`, cmd, ...args]] : [cmd, args];
}

/** A failed iptables-restore: the command (argv, exit code, stderr) and which table of which namespace. */
export class IptablesApplyError extends CommandError {
  readonly ns: string;
  readonly family: IptFamily;
  readonly table: string;
  /** batches applied before this one failed */
  readonly applied: number;
  constructor(b: IptablesBatch, argv: string[], stderr: string, exitCode: number, applied: number) {
    super({ argv, exitCode, stderr });
    const where = b.ns === HOST_NS ? '' : ` in namespace ${b.ns}`;
    this.message = `${RESTORE[b.family]} of table ${b.table}${where} failed (exit ${exitCode}): ${stderr.trim() || 'no message'}`;
    this.name = 'IptablesApplyError';
    this.ns = b.ns;
    this.family = b.family;
    this.table = b.table;
    this.applied = applied;
  }
}

/**
 * One `iptables-restore --noflush -w 5` per batch, the batch text on stdin.
 * A failed restore changes nothing of its table; earlier batches stay applied.
 */
export async function applyIptables(runner: Runner, batches: IptablesBatch[], nsPaths: Record<string, string>): Promise<void> {
  let applied = 0;
  for (const b of batches) {
    const [cmd, args] = inNs(netnsPath(b.ns, nsPaths), RESTORE[b.family], ['--noflush', '-w', '5']);
    const r = await runner.run(cmd, args, { input: b.text, allowFail: true });
    if (r.exitCode !== 0) throw new IptablesApplyError(b, [cmd, ...args], r.stderr, r.exitCode, applied);
    applied++;
  }
}

/**
 * Delete the conntrack entries of UDP ports whose DNAT target moved, so the
 * next datagram is NATed anew. Needs the `conntrack` tool (conntrack-tools; the
 * setup script installs it). Returns how many entries went; throws CommandError.
 */
export type ConntrackEntry = Pick<StaleUdpPort, 'port'> & Partial<Pick<StaleUdpPort, 'family' | 'hostIP' | 'ns'>>;

export async function flushConntrack(runner: Runner, entries: ConntrackEntry[], nsPaths: Record<string, string> = {}): Promise<number> {
  let deleted = 0;
  for (const e of entries) {
    const args = ['-D', ...(e.family === 'ipv6' ? ['-f', 'ipv6'] : []), '-p', 'udp', '--orig-port-dst', `${e.port}`];
    if (e.hostIP) args.push('--orig-dst', e.hostIP);
    const [cmd, argv] = inNs(netnsPath(e.ns ?? HOST_NS, nsPaths), 'conntrack', args);
    // exit 1 with "0 flow entries have been deleted" when there were none
    const r = await runner.run(cmd, argv, { allowFail: true });
    const failed = (message: string) => new CommandError({ argv: [cmd, ...argv], exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, message });
    if (r.exitCode === 127) {
      const err = failed('');
      err.message = `conntrack is not installed: ${r.stderr.trim()}`;
      throw err;
    }
    const m = /(\d+) flow entries have been deleted/.exec(r.stderr + r.stdout);
    if (m) deleted += Number(m[1]);
    else if (r.exitCode !== 0) {
      const err = failed('');
      err.message = `conntrack ${argv.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim()}`;
      throw err;
    }
  }
  return deleted;
}

/**
 * br_netfilter makes bridged frames traverse iptables (needed for icc: false);
 * the net.bridge.* sysctls exist only once it is loaded. A kernel with it
 * built in has no module to load: the sysctl's presence is what counts.
 */
export async function loadBrNetfilter(runner: Runner): Promise<boolean> {
  await runner.run('modprobe', ['br_netfilter'], { allowFail: true });
  const r = await runner.run('test', ['-e', '/proc/sys/net/bridge/bridge-nf-call-iptables'], { allowFail: true });
  return r.exitCode === 0;
}

export interface FirewallApplyResult {
  /** iptables-restore processes run */
  processes: number;
  /** conntrack entries removed for UDP ports whose target moved */
  conntrackDeleted: number;
}

/**
 * The firewall part of a plan, applied: one restore per (namespace, family,
 * table) touched, then the stale UDP conntrack entries of ports that moved.
 * Changes of other kinds are ignored. Throws IptablesApplyError on a failed restore.
 */
export async function applyFirewallChanges(runner: Runner, changes: Change[], nsPaths: Record<string, string>): Promise<FirewallApplyResult> {
  const batches = renderIptables(changes);
  await applyIptables(runner, batches, nsPaths);
  const stale = staleUdpPorts(changes);
  const conntrackDeleted = stale.length > 0 ? await flushConntrack(runner, stale, nsPaths) : 0;
  return { processes: batches.length + stale.length, conntrackDeleted };
}
