// `netkeeper status [networks|containers|ports|NAME] [--json] [--detail]`: the
// I/O of status — read the files, observe the kernel, read the watcher's state —
// and print what src/status/ makes of it.
import { withHostSysctls } from '../plan/index.js';
import { observeHost, observeOptionsFor, prefetchHost, type HostPrefetch } from '../shell/observe/index.js';
import { EMPTY_CONFIG, loadConfig } from '../shell/load.js';
import { readFleetMembership } from '../shell/store/loader.js';
import { nodeHostFs } from '../shell/host-fs.js';
import type { ObservedHost } from '../model/observed-host.js';
import { buildTopology } from '../plan/topology/index.js';
import type { Config } from '../model/config.js';
import { formatStatus } from '../status/kernel-objects.js';
import { formatL2Status, macvlanStatus, namesFromTopology, overlayStatus } from '../status/overlay.js';
import { formatPorts, publishedPorts } from '../status/ports.js';
import { statusRequest } from '../status/request.js';
import { statusViews } from '../status/views.js';
import { statusOutput, type StatusData } from '../status/output.js';
import { driftPlan, filesDesired } from '../status/files-plan.js';
import { EXIT, type Context } from './common.js';
import { runDir } from '../shell/lock.js';
import { formatWatcherState, readLiveState } from '../shell/state-file.js';
import { formatGone, goneAdopted } from '../status/adopted.js';
import { readExpectState } from '../shell/expect-file.js';
import { formatOutcomes, summarizeOutcomes } from '../expect/result.js';
import { markAdopted } from '../status/adoptions.js';
import { adoptionRecord } from '../shell/adoption-record.js';

const DEFAULT_DIR = 'networks.d';

/** The files, when they can be compared with: a missing default directory means "no files"; a missing named one is an error. */
async function readFiles(dir: string): Promise<{ config: Config; problem: string | null; compare: boolean } | { error: string }> {
  const loaded = await loadConfig(dir, true).catch((e: unknown) => ({
    ok: false as const,
    outcome: { status: 'invalid' as const, errors: [{ message: (e as Error).message }] },
  }));
  if (loaded.ok) return { config: loaded.config, problem: null, compare: true };
  const o = loaded.outcome;
  if (o.status === 'refused') return dir === DEFAULT_DIR ? { config: EMPTY_CONFIG, problem: null, compare: false } : { error: o.reason };
  const first = o.errors[0];
  return {
    config: EMPTY_CONFIG,
    problem: `the files do not validate${first ? ` (${first.message})` : ''}; netkeeper validate --dir ${dir} says why`,
    compare: true,
  };
}

/** The kernel as netkeeper sees it: the same observe stage as a pass (interfaces, addresses, routes, files, firewall, host sysctls). */
async function observeAll(ctx: Context, config: Config, prefetch: HostPrefetch): Promise<ObservedHost> {
  return observeHost(ctx.runner, nodeHostFs, observeOptionsFor(config), { prefetch });
}

export async function statusCommand(ctx: Context): Promise<number> {
  const req = statusRequest(ctx.opts.args, ctx.opts);
  if (!req.ok) {
    ctx.err(`error: ${req.error}\n`);
    return EXIT.failed;
  }
  const dir = ctx.opts.dir;
  // the kernel is read while the files load (src/shell/observe/prefetch.ts)
  const prefetch = prefetchHost(ctx.runner, nodeHostFs);
  const files = await readFiles(dir);
  if ('error' in files) {
    ctx.err(`error: ${files.error}\n`);
    return EXIT.failed;
  }
  // with a fleet store, the other hosts' overlay members come from it (as a pass sees them)
  const fleet = await readFleetMembership(files.config, ctx.opts, ctx.log);
  if (fleet.note) ctx.err(`${fleet.note}\n`);
  const config = fleet.config;
  const { observed, hostSysctls } = await observeAll(ctx, config, prefetch);
  const self = ctx.opts.host ?? observed.facts.hostname;
  const owned = [...observed.resources.values()].filter((r) => r.owned);
  // a running watcher's last pass (state file beside the lock; ignored once its pid is gone)
  const watcher = await readLiveState(runDir());

  if (req.value.view === 'detail') {
    // the kernel-object dump: overlay and macvlan members, published ports, gone adopted namespaces
    const topo = buildTopology(config, observed, self);
    const names = namesFromTopology(topo.ok ? topo.value : undefined, config.hosts);
    const overlays = overlayStatus(owned, names);
    const macvlans = macvlanStatus(owned);
    const ports = publishedPorts(owned, new Map(config.containers.flatMap((c) => (c.netns.type === 'named' ? [[c.netns.name, c.name] as const] : []))));
    const gone = topo.ok ? goneAdopted(topo.value, observed) : [];
    if (ctx.opts.json)
      ctx.out(
        JSON.stringify({ formatVersion: 1, view: 'detail', resources: owned, overlays, macvlans, ports, gone, watcher: watcher ?? null }, null, 2) + '\n',
      );
    else
      ctx.out(
        formatStatus(owned, [...formatL2Status(overlays, macvlans), ...formatPorts(ports), ...formatGone(gone)]) + (watcher ? formatWatcherState(watcher) : ''),
      );
    return EXIT.ok;
  }

  // the files' plan against the kernel now: drift per object
  let problem = files.problem;
  const fd = files.compare && problem === null ? filesDesired(config, observed, self) : undefined;
  if (fd && !fd.ok) problem = `the files cannot be compared here: ${fd.problem}`;
  // the host sysctls the files name, as a pass compares them (observe read them)
  const kernel = fd?.ok ? withHostSysctls(fd.desired, observed, hostSysctls) : observed;
  const plan = fd?.ok ? driftPlan(fd.topo, fd.desired, kernel) : undefined;
  // names come from the files only when they were read and hold (else from the kernel's marks)
  const topo = fd?.ok ? fd.topo : undefined;
  const declaredNs = new Set(topo?.containers.filter((c) => c.local && c.netns).map((c) => c.netns!) ?? []);
  const resources = [...kernel.resources.values()].filter((r) => r.owned || declaredNs.has(r.ns) || (r.kind === 'netns' && declaredNs.has(r.name)));
  const views = statusViews({ resources, topo, plan, desired: fd?.ok ? [...fd.desired.resources.values()] : undefined });
  markAdopted(views, await adoptionRecord().read());
  if (problem) ctx.err(`warning: ${problem}; drift is not shown\n`);
  const data: StatusData = {
    views,
    resources,
    topo,
    files: files.compare ? { dir, problem } : null,
    warnings: topo ? formatGone(goneAdopted(topo, observed)) : [],
    watcher: watcher ? { state: watcher, text: formatWatcherState(watcher) } : null,
    expectations: await readExpectState(runDir()).then((all) => {
      // with files: only the expectations they still declare
      const declared = new Set((config.expects ?? []).map((e) => e.name));
      const x = all && files.compare ? { ...all, results: all.results.filter((r) => declared.has(r.name)) } : all;
      return x && x.results.length
        ? {
            state: x,
            text:
              `expectations, last probed at ${x.at} by ${x.by}: ${summarizeOutcomes(x.results)}\n` +
              formatOutcomes(x.results)
                .map((l) => `  ${l}\n`)
                .join(''),
          }
        : null;
    }),
  };
  const out = statusOutput(req.value, data, ctx.opts.json);
  if (!out.ok) {
    ctx.err(`error: ${out.error}\n`);
    return EXIT.failed;
  }
  ctx.out(out.text);
  return EXIT.ok;
}
