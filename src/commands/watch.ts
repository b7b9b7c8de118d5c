// `netkeeper reconcile` without --once: the long-running controller.
// Watches --dir, runs a pass on change (debounced), every --interval seconds
// (resync), on kernel events of the namespaces it owns and of the host
// (netns-events.ts: only those namespaces are read again, see read-scope.ts) and
// on SIGHUP (a full read); SIGTERM/SIGINT finish the running pass and exit 0,
// leaving the network as it is. Each pass takes the lock like `reconcile --once`.

import { Loop, realTimers } from '../shell/loop.js';
import { watchDir } from '../shell/watch.js';
import { acquireLock, LockAbortedError, runDir } from '../shell/lock.js';
import { readState, writeState } from '../shell/state-file.js';
import { checkExpectations } from '../shell/probe/index.js';
import { explainWhy } from './expect-report.js';
import { processStart } from '../shell/proc.js';
import { WatchPass } from '../shell/watch-pass.js';
import { runPass } from '../shell/pass.js';
import { fleetLoader } from '../shell/store/loader.js';
import { EXIT, type Context } from './common.js';
import { createNotifier, systemdNotify } from '../shell/notify.js';
import { ReadScope, auditCount } from '../shell/read-scope.js';
import { startNetnsEvents } from '../shell/netns-events.js';
import { EtcNetnsCache } from '../shell/etc-netns-cache.js';
import { prefetchHost } from '../shell/observe/index.js';
import { nodeHostFs } from '../shell/host-fs.js';

export async function watchCommand(ctx: Context): Promise<number> {
  const { opts, log } = ctx;
  const run = runDir();
  const stopping = new AbortController();
  // kernel events: a pass reads again only the namespaces they name (plus the audit's slice)
  const reads = new ReadScope();
  // the files under /etc/netns: read again only where inotify saw a change (plus the audit's slice)
  const files = new EtcNetnsCache();
  const auditMs = (opts.audit ?? 300) * 1000;
  let loop: Loop | undefined;
  const events = startNetnsEvents({
    runner: ctx.runner,
    log,
    onChange: (what) => {
      if ('names' in what) for (const n of what.names) reads.changed(n);
      else reads.changedHost();
      loop?.kernelChanged();
    },
    onLost: () => {
      reads.lost();
      loop?.kernelChanged();
    },
  });
  // the files, merged with a fleet store's membership when one is configured (src/shell/store/)
  const fleet = fleetLoader(opts, log);
  const passes = new WatchPass(
    {
      dir: opts.dir,
      host: opts.host,
      allowEmpty: opts.allowEmpty,
      ...(opts.adopt ? { adopt: opts.adopt } : {}),
      lockTimeoutMs: (opts.lockTimeout ?? 60) * 1000,
      log,
      runner: ctx.runner,
      loadConfig: (dir, allowEmpty) => fleet.load(dir, allowEmpty),
      runPass,
      acquireLock: (o) => acquireLock({ ...o, dir: run }),
      saveState: (s) => writeState(run, s),
      now: () => new Date(),
      signal: stopping.signal,
      scope: { reads, files, audit: () => auditCount(reads.size, opts.interval * 1000, auditMs) },
      prefetch: (what) => prefetchHost(ctx.runner, nodeHostFs, { namespaces: false, ...what }),
      onOwned: (names) => void events.setOwned(names).catch((e: unknown) => log.warn({ err: e }, 'cannot give the namespaces host ids')),
      probe: (config, sides, plog, previous) =>
        sides.topo
          ? checkExpectations({
              config,
              topo: sides.topo,
              resources: sides.observed,
              runner: ctx.runner,
              log: plog,
              by: 'watcher',
              why: explainWhy(ctx),
              ...(previous ? { previous } : {}),
            })
          : Promise.resolve([]),
    },
    {
      pid: process.pid,
      pidStart: await processStart(process.pid),
      startedAt: new Date().toISOString(),
      dir: opts.dir,
      intervalS: opts.interval,
      // the healings of the previous watcher stay listed
      ...(await readState(run).then((s) => (s?.healed?.length ? { healed: s.healed } : {}))),
    },
  );
  await writeState(run, passes.state).catch((e: unknown) => log.warn({ err: e, dir: run }, 'cannot write the watcher state file'));

  // under systemd (Type=notify): READY=1 after the first converged pass, STATUS= after each
  const send = systemdNotify();
  const notifier = send ? createNotifier(send, log) : undefined;
  loop = new Loop({
    timers: realTimers,
    intervalMs: opts.interval * 1000,
    pass: async (trigger, triggers) => {
      const verdict = await passes.run(trigger, triggers);
      if (fleet.sync) {
        passes.state.store = fleet.sync.status;
        await writeState(run, passes.state).catch(() => undefined);
      }
      if (notifier && passes.state.last) await notifier.passDone(passes.state.last);
      // the store could not be reached: the last known fabric stayed; try again with backoff
      return fleet.sync?.status.state === 'unreachable' ? 'retry' : verdict;
    },
    onError: (e) => {
      if (!(e instanceof LockAbortedError)) log.error({ err: e }, 'pass crashed; retrying with backoff');
    },
    onSchedule: (what, ms) => log.trace({ what, inMs: ms }, 'scheduled'),
  });

  // another host changed the membership: a pass at once (no debounce; changes during a pass coalesce into one more)
  fleet.onRemoteChange = () => loop.runNow('store');
  const watcher = watchDir(opts.dir, () => loop.fileChanged(), log);
  await watcher.ready;
  log.info({ dir: opts.dir, intervalS: opts.interval, runDir: run }, 'watching');

  return new Promise<number>((resolve) => {
    let stopped = false;
    const stop = async (signal: NodeJS.Signals) => {
      if (stopped) {
        log.info({ signal }, 'already stopping: waiting for the running pass to finish');
        return;
      }
      stopped = true;
      log.info({ signal, passRunning: loop.busy }, 'stopping: finishing the running pass; the network stays as it is');
      stopping.abort(); // only a wait for the lock is abandoned; a running apply finishes
      await notifier?.stopping();
      await loop.stop();
      await watcher.close();
      events.close();
      files.close();
      await fleet.close();
      process.off('SIGHUP', onHup);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      log.info({ passes: passes.passes }, 'stopped');
      resolve(EXIT.ok);
    };
    const onHup = () => {
      log.info('SIGHUP: running a pass now');
      loop.runNow('signal');
    };
    const onTerm = () => void stop('SIGTERM');
    const onInt = () => void stop('SIGINT');
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
    loop.start();
  });
}
