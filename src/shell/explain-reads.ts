// What explain reads besides the observe stage: every observed namespace's main
// routing table (observe keeps only netkeeper's routes) and its iptables-save text
// (observe keeps only netkeeper's chains). One `ip` and one `iptables-save` per
// namespace, run in parallel; host sysctls come from observeHost.

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

export async function readExplainExtras(runner: Runner, host: ObservedHost): Promise<ExplainReads> {
  const spaces: { name: string; path?: string }[] = [{ name: HOST_NS }];
  for (const r of host.observed.resources.values())
    if (r.kind === 'netns' && r.origin !== 'shared' && r.broken === undefined) spaces.push({ name: r.name, path: r.path });
  const inNs = (path: string | undefined, cmd: string, args: string[]) =>
    path ? runner.run('nsenter', [`--net=${path}`, cmd, ...args], { allowFail: true }) : runner.run(cmd, args, { allowFail: true });
  const routes = new Map<string, IpRoute[]>();
  const iptables = new Map<string, string>();
  await Promise.all(
    spaces.map(async (s) => {
      const [r, t] = await Promise.all([inNs(s.path, 'ip', ['-j', '-N', 'route', 'show', 'table', 'main']), inNs(s.path, 'iptables-save', [])]);
      if (r.exitCode === 0) routes.set(s.name, parseJsonArray<IpRoute>(r.stdout, `ip route in ${s.name}`));
      if (t.exitCode === 0) iptables.set(s.name, t.stdout);
    }),
  );
  return { routes, iptables, sysctls: host.hostSysctls };
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
  if (topo.ok) for (const c of topo.value.containers) if (c.local) containers.set(c.name, c.netns ?? 'host');
  return buildWorld(host, reads, containers, topo.ok && loaded?.ok ? attributor(config, topo.value) : undefined);
}
