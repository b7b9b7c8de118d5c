import { JSON_FORMAT_VERSION } from './plan-json.js';
import { observe } from '../shell/observe.js';
import { firewallPlugin } from '../shell/plugins.js';
import { EMPTY_CONFIG, loadConfig, observeOptionsFor } from '../shell/pass.js';
import { formatStatus } from '../plan/format.js';
import { buildTopology } from '../plan/topology/index.js';
import { formatL2Status, macvlanStatus, namesFromTopology, overlayStatus } from '../status/overlay.js';
import { formatPorts, publishedPorts } from '../status/ports.js';
import { EXIT, type Context } from './common.js';
import { runDir } from '../shell/lock.js';
import { formatWatcherState, readLiveState } from '../shell/state-file.js';
import { formatGone, goneAdopted } from '../status/adopted.js';

export async function statusCommand(ctx: Context): Promise<number> {
  // the files only tell which adopted namespaces and router namespaces to read; a broken directory still shows status
  const loaded = await loadConfig(ctx.opts.dir, true).catch(() => EMPTY_CONFIG);
  const config = 'status' in loaded ? EMPTY_CONFIG : loaded;
  const observed = await observe(ctx.runner, observeOptionsFor(config));
  await firewallPlugin.observe?.(observed, ctx.runner, config);
  const owned = [...observed.resources.values()].filter((r) => r.owned);
  // overlay and macvlan members; names of hosts and remote containers come from the files when they are valid
  const topo = buildTopology(config, observed, ctx.opts.host ?? observed.facts.hostname);
  const names = namesFromTopology(topo.ok ? topo.value : undefined, config.hosts);
  const overlays = overlayStatus(owned, names);
  const macvlans = macvlanStatus(owned);
  // published ports from the NK-PORTS-* DNAT rules; a netns named apart from its container is named by the files
  const ports = publishedPorts(owned, new Map(config.containers.flatMap((c) => (c.netns.type === 'named' ? [[c.netns.name, c.name] as const] : []))));
  // a running watcher's last pass (state file beside the lock; ignored once its pid is gone)
  const watcher = await readLiveState(runDir());
  // adopted namespaces whose process exited: what was made in them is gone with them
  const gone = topo.ok ? goneAdopted(topo.value, observed) : [];
  if (ctx.opts.json) ctx.out(JSON.stringify({ formatVersion: JSON_FORMAT_VERSION, resources: owned, overlays, macvlans, ports, gone, watcher: watcher ?? null }, null, 2) + '\n');
  else ctx.out(formatStatus(owned, [...formatL2Status(overlays, macvlans), ...formatPorts(ports), ...formatGone(gone)]) + (watcher ? formatWatcherState(watcher) : ''));
  return EXIT.ok;
}
