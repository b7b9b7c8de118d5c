// What explain reads besides the observe stage: every observed namespace's main
// routing table (observe keeps only netkeeper's routes) and its iptables-save text
// (observe keeps only netkeeper's chains), and its sockets (who listens). One
// `sh` per namespace, run in parallel; host sysctls come from observeHost.

import type { Runner } from './runner.js';
import type { ObservedHost } from '../model/observed-host.js';
import { HOST_NS } from '../model/resources.js';
import { parseJsonArray, type IpRoute } from '../observe/ip-json.js';
import { attributor, buildWorld, type ExplainReads, type World } from '../explain/index.js';
import type { HostFs } from './host-fs.js';
import { observeHost, observeOptionsFor } from './observe/index.js';
import { EMPTY_CONFIG, loadConfig } from './load.js';
import { buildTopology } from '../plan/topology/index.js';
import type { Config } from '../model/config.js';

const SEP = '@@netkeeper-explain@@';

export async function readExplainExtras(runner: Runner, host: ObservedHost): Promise<ExplainReads> {
  const spaces: { name: string; path?: string }[] = [{ name: HOST_NS }];
  for (const r of host.observed.resources.values())
    if (r.kind === 'netns' && r.origin !== 'shared' && r.broken === undefined) spaces.push({ name: r.name, path: r.path });
  // one process per namespace: its routes, its iptables, its sockets
  const script = `ip -j -N route show table main; echo ${SEP}; iptables-save 2>/dev/null; echo ${SEP}; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; echo ${SEP}; cat /proc/net/udp /proc/net/udp6 2>/dev/null`;
  const routes = new Map<string, IpRoute[]>();
  const iptables = new Map<string, string>();
  const sockets = new Map<string, { tcp: string; udp: string }>();
  await Promise.all(
    spaces.map(async (s) => {
      const r = s.path
        ? await runner.run('nsenter', [`--net=${s.path}`, 'sh', '-c', script], { allowFail: true })
        : await runner.run('sh', ['-c', script], { allowFail: true });
      const parts = r.stdout.split(`${SEP}\n`);
      if (parts.length !== 4) return; // could not enter: the namespace is left without routes (unknown beyond it)
      routes.set(s.name, parseJsonArray<IpRoute>(parts[0], `ip route in ${s.name}`));
      iptables.set(s.name, parts[1]);
      sockets.set(s.name, { tcp: parts[2], udp: parts[3] });
    }),
  );
  return { routes, iptables, sockets, sysctls: host.hostSysctls };
}

/**
 * The world explain and exposure evaluate over: the kernel as observed now. The
 * files in `dir`, when they validate, only name containers and the declarations
 * behind netkeeper's rules and routes; the verdicts come from the kernel alone.
 */
export async function observeWorld(runner: Runner, fs: HostFs, dir: string, self?: string): Promise<World> {
  const loaded = await loadConfig(dir, true).catch(() => undefined);
  const config: Config = loaded?.ok ? loaded.config : EMPTY_CONFIG;
  const host = await observeHost(runner, fs, observeOptionsFor(config));
  const reads = await readExplainExtras(runner, host);
  const topo = buildTopology(config, host.observed, self ?? host.observed.facts.hostname);
  const containers = new Map<string, string>();
  if (topo.ok) {
    const netnsOf = new Map(topo.value.containers.map((c) => [c.name, c.netns ?? 'host']));
    // mode container:X shares X's namespace, which is observed under X's name
    for (const c of topo.value.containers) if (c.local) containers.set(c.name, (c.sharedWith && netnsOf.get(c.sharedWith)) || (c.netns ?? 'host'));
  }
  const world = buildWorld(host, reads, containers, topo.ok && loaded?.ok ? attributor(config, topo.value) : undefined);
  if (topo.ok) world.bridgeNetwork = new Map(topo.value.networks.flatMap((n) => (n.bridge ? [[n.bridge, n.name] as const] : [])));
  return world;
}
