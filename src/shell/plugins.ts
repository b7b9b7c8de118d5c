// Parts of the dataplane with their own tools (iptables) plug into a pass here:
// they add to what is observed, to what is desired, and apply their own changes.

import type { Runner } from './runner.js';
import type { StepFailure } from './apply.js';
import type { Config } from '../model/config.js';
import { changeSubject, type Change, type Observed } from '../model/plan.js';
import type { Topology } from '../model/topology.js';
import type { Resource } from '../model/resources.js';
import { HOST_NS, MARK } from '../model/resources.js';
import { buildFirewall, renderIptables } from '../plan/firewall.js';
import { readIptables, applyFirewallChanges, loadBrNetfilter } from './iptables.js';
import { netnsPath, netnsPaths } from '../model/netns-path.js';

export interface Plugin {
  name: string;
  /**
   * Add what the plugin reads to `observed`. `unchanged`: an earlier observation
   * of this pass, given when nothing applied since could have changed what the
   * plugin reads (see `affects`) — taken from there instead of read again.
   */
  observe?(observed: Observed, runner: Runner, config: Config, unchanged?: Observed): Promise<void>;
  /** whether applying this change can change what `observe` reads */
  affects?(change: Change): boolean;
  build?(topo: Topology): Resource[];
  /** what `plan --json` shows of this plugin's commands */
  render?(changes: Change[], topo: Topology): unknown;
  /** before anything is applied (e.g. load a kernel module a sysctl needs) */
  prepare?(changes: Change[], runner: Runner): Promise<void>;
  apply?(changes: Change[], topo: Topology, runner: Runner, nsPaths: Record<string, string>): Promise<{ failed: StepFailure[]; processes: number }>;
}

const FIREWALL_KINDS = new Set(['chain', 'hook']);

/**
 * Namespaces whose own iptables netkeeper manages: router containers, as declared
 * and as marked in the kernel (lo's alias), so rules of a container that dropped
 * `masquerade` are found and removed. An adopted namespace's lo is not marked
 * (netkeeper did not make it), so every adopted one is read.
 */
function routerNamespaces(config: Config, observed: Observed): { name: string; path?: string }[] {
  const names = new Set(
    config.containers
      .filter((c) => c.masquerade.length > 0 || (c.netns.type !== 'named' && (c.mode.type === 'bridge' || c.mode.type === 'none')))
      .map((c) => (c.netns.type === 'named' ? c.netns.name : c.name)),
  );
  for (const r of observed.resources.values())
    if (r.kind === 'link' && r.type === 'loopback' && r.alias === MARK.nsAliasFirewall) names.add(r.ns);
  return [...names].sort().map((name) => ({ name }));
}

export const firewallPlugin: Plugin = {
  name: 'firewall',
  async observe(observed, runner, config, unchanged) {
    if (!config.settings.iptables) return;
    if (unchanged) {
      for (const r of unchanged.resources.values()) if (FIREWALL_KINDS.has(r.kind)) observed.resources.set(r.key, r);
      return;
    }
    // the host is always read in both families: chains of a network that left the files
    // (or of `destroy`) must be found to be removed; router namespaces only in IPv4
    const paths = netnsPaths(observed.resources.values());
    const spaces = [{ name: HOST_NS, families: ['ipv4', 'ipv6'] as const }, ...routerNamespaces(config, observed).map((n) => ({ ...n, families: ['ipv4'] as const }))];
    // NK-PORTS-<bridge> of a bridge netkeeper owns is netkeeper's even when NK-PORTS lost its jump to it
    const bridges = new Set<string>();
    for (const r of observed.resources.values()) if (r.kind === 'link' && r.type === 'bridge' && r.ns === HOST_NS && r.owned) bridges.add(r.ifname);
    for (const ns of spaces) {
      const nsr = observed.resources.get(`netns:${ns.name}`);
      const present = ns.name === HOST_NS || (nsr?.kind === 'netns' && nsr.broken === undefined); // a broken one cannot be entered
      if (!present) continue;
      // where the namespace really is (an adopted one: its /proc/PID/ns/net or path)
      const path = netnsPath(ns.name, paths);
      for (const r of await readIptables(runner, { name: ns.name, path }, [...ns.families], bridges)) observed.resources.set(r.key, r);
    }
  },
  // its rules, and which namespaces hold rules of their own
  affects: (c) => FIREWALL_KINDS.has(changeSubject(c).kind) || changeSubject(c).kind === 'netns',
  build: (topo) => buildFirewall(topo),
  async prepare(changes, runner) {
    // net.bridge.* sysctls exist only once br_netfilter is loaded (built in on some kernels)
    if (changes.some((c) => c.after?.kind === 'sysctl' && c.after.name.startsWith('net.bridge.'))) await loadBrNetfilter(runner);
  },
  render: (changes) => renderIptables(changes.filter((c) => FIREWALL_KINDS.has(changeSubject(c).kind))),
  async apply(changes, _topo, runner, nsPaths) {
    const fw = changes.filter((c) => FIREWALL_KINDS.has(changeSubject(c).kind));
    if (fw.length === 0) return { failed: [], processes: 0 };
    try {
      // one iptables-restore per table, then conntrack entries of UDP ports that moved
      const r = await applyFirewallChanges(runner, fw, nsPaths);
      return { failed: [], processes: r.processes };
    } catch (e) {
      return { failed: fw.map((c) => ({ key: c.key, command: 'iptables-restore', error: (e as Error).message })), processes: 1 };
    }
  },
};
