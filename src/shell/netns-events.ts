// Kernel events of the host and of every namespace it has an id for: one
// `ip monitor ... all-nsid` for the whole host (iproute2 prints text even with -j).
// An event says only "look again": the watcher then reads the namespace it names
// (read-scope.ts) and plans from that read. Events of namespaces netkeeper does not
// own are dropped here (a foreign namespace is only ever read, by the full passes
// and the audit); so are the neighbour cache's own comings and goings (REACHABLE,
// STALE, ...: traffic, not configuration).
//
// The kernel reports a namespace's events to the host only once the host has an
// id for it (`ip netns list-id`). A veth with one end on the host gives its
// namespace one; `ensureIds` gives one (`ip netns set NAME auto`) to every owned
// namespace still without. If the monitor dies or reports lost messages
// (ENOBUFS), `onLost` is called (the next pass reads everything) and it is started
// again.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseMonitorLine, parseNetnsIds } from '../observe/monitor-line.js';
import { findTool, type Runner } from './runner.js';
import type { Logger } from './log.js';

export const MONITOR_ARGS = ['monitor', 'link', 'address', 'route', 'neigh', 'netconf', 'rule', 'nsid', 'all-nsid'];

export interface NetnsEventsOptions {
  runner: Runner;
  log: Logger;
  /** something changed in these owned namespaces (/run/netns names), or on the host ('host') */
  onChange: (what: { host: true } | { names: string[] }) => void;
  /** events may have been lost */
  onLost: () => void;
  /** restart delay after the monitor exits (default 1000 ms) */
  restartMs?: number;
}

export interface NetnsEvents {
  /** the namespaces whose events count; gives those without a host id one */
  setOwned(names: string[]): Promise<void>;
  close(): void;
}

export function startNetnsEvents(o: NetnsEventsOptions): NetnsEvents {
  const log = o.log.child({ part: 'events' });
  let owned = new Set<string>();
  /** nsid → the /run/netns names of that namespace (several for a shared one) */
  let byId = new Map<number, string[]>();
  let child: ChildProcess | undefined;
  let closed = false;
  let restart: NodeJS.Timeout | undefined;
  let refreshing = false;
  const unknown = new Set<number>();

  const readIds = async (): Promise<Map<string, number>> => {
    const r = await o.runner.run('ip', ['-j', 'netns', 'list'], { allowFail: true });
    const ids = r.exitCode === 0 ? parseNetnsIds(r.stdout) : new Map<string, number>();
    const m = new Map<number, string[]>();
    for (const [name, id] of ids) m.set(id, [...(m.get(id) ?? []), name]);
    byId = m;
    return ids;
  };

  /** an event of an id not known yet: read the ids again (once for a burst) and deliver what is owned */
  const lookUp = (nsid: number) => {
    unknown.add(nsid);
    if (refreshing) return;
    refreshing = true;
    void readIds()
      .catch((e: unknown) => void log.warn({ err: e }, 'cannot read the namespace ids'))
      .then(() => {
        const ids = [...unknown];
        unknown.clear();
        refreshing = false;
        const names = ids.flatMap((id) => byId.get(id) ?? []).filter((n) => owned.has(n));
        if (names.length) o.onChange({ names });
      });
  };

  const onLine = (line: string) => {
    const ev = parseMonitorLine(line);
    if (ev.where === 'none') return;
    if (ev.where === 'host') {
      if (ev.announce) {
        // a new id (netkeeper's own `ip netns set`, or a veth's peer): no change in itself
        if (ev.announce.name) byId.set(ev.announce.nsid, [ev.announce.name]);
        return;
      }
      log.trace({ line }, 'host event');
      o.onChange({ host: true });
      return;
    }
    const names = byId.get(ev.nsid);
    if (!names) return lookUp(ev.nsid);
    const mine = names.filter((n) => owned.has(n));
    if (mine.length) {
      log.trace({ line, names: mine }, 'namespace event');
      o.onChange({ names: mine });
    }
  };

  const start = () => {
    const ip = findTool('ip') ?? 'ip';
    const p = spawn(ip, MONITOR_ARGS, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = p;
    createInterface({ input: p.stdout! }).on('line', onLine);
    createInterface({ input: p.stderr! }).on('line', (l) => {
      log.warn({ line: l }, 'ip monitor: events may have been lost; the next pass reads every namespace');
      o.onLost();
    });
    p.on('error', (e) => log.warn({ err: e }, 'cannot run ip monitor'));
    p.on('exit', (code, signal) => {
      child = undefined;
      if (closed) return;
      log.warn({ code, signal }, 'ip monitor exited; starting it again (the next pass reads every namespace)');
      o.onLost();
      restart = setTimeout(start, o.restartMs ?? 1000);
    });
    log.debug({ pid: p.pid }, 'watching kernel events');
  };
  start();

  return {
    async setOwned(names) {
      owned = new Set(names);
      const ids = await readIds();
      const missing = names.filter((n) => !ids.has(n));
      if (!missing.length) return;
      // one process for all; -force goes on past one that vanished meanwhile
      const r = await o.runner.run('ip', ['-force', '-batch', '-'], { input: missing.map((n) => `netns set ${n} auto\n`).join(''), allowFail: true });
      if (r.exitCode !== 0) log.debug({ stderr: r.stderr }, 'could not give every namespace an id');
      await readIds();
      log.debug({ count: missing.length }, 'gave namespaces a host id (their events are seen from now on)');
    },
    close() {
      closed = true;
      if (restart) clearTimeout(restart);
      child?.kill('SIGTERM');
    },
  };
}
