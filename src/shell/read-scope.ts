// Which namespaces a watcher pass reads from the kernel, and which it may take
// from the previous pass's reads (no fs, no process, no clock: unit-tested).
//
// Kernel events (netns-events.ts) say which namespaces changed; a namespace with
// no event since it was last read is as that read found it, so a pass reuses that
// read instead of starting a process to read it again. What a pass applies is
// still planned from real reads: every namespace that had an event is read again,
// and so are
//   - every namespace, when the pass is a full one (start, SIGHUP, a retry) or
//     when events may have been lost (the monitor restarted or overflowed);
//   - a rolling slice of the others on each resync (the audit), so that each
//     namespace is read in full at least once per audit window even if an event
//     was missed.
// Only reads of named namespaces (/run/netns/NAME) are kept: those are the ones
// events name. Adopted namespaces are read on every pass. The host's own read
// (HOST_READ) is kept the same way: a host event (a link, address, route,
// permanent neighbour or netconf of the host changed) dirties it, and the audit
// takes it in its turn like a namespace.

import { NETNS_DIR } from '../model/netns-path.js';
import { HOST_READ } from '../observe/batch.js';

export interface PassScope {
  /** reads to use instead of reading again (undefined: read everything) */
  reuse: Map<string, string> | undefined;
  /** namespace paths read again because of an event */
  dirty: string[];
  /** namespace paths read again by the rolling audit */
  audited: string[];
}

export class ReadScope {
  private cache = new Map<string, string>();
  private dirty = new Set<string>();
  private lostEvents = true;
  /** the last path the audit read (it goes on after it, in name order) */
  private cursor = '';

  constructor(private readonly netnsDir: string = NETNS_DIR) {}

  /** Something changed inside namespace `name` (a /run/netns name). */
  changed(name: string): void {
    this.dirty.add(`${this.netnsDir}/${name}`);
  }

  /** Something changed in the host namespace itself. */
  changedHost(): void {
    this.dirty.add(HOST_READ);
  }

  /** The namespaces (paths, and HOST_READ) events named since the last `begin`: reads a running pass reuses may be stale. */
  namedSinceBegin(): string[] {
    return [...this.dirty];
  }

  /** Events may have been lost: the next pass reads everything. */
  lost(): void {
    this.lostEvents = true;
  }

  /** Namespace reads kept from the last pass. */
  get size(): number {
    return this.cache.size;
  }

  /**
   * Start a pass: what it may reuse. `full` reads everything; `audit` namespaces
   * (at most) of those not dirty are read again, continuing where the last audit stopped.
   */
  begin(full: boolean, audit = 0): PassScope {
    const dirty = [...this.dirty].filter((p) => this.cache.has(p)).sort();
    this.dirty.clear();
    if (full || this.lostEvents) {
      this.lostEvents = false;
      this.cache.clear();
      return { reuse: undefined, dirty, audited: [] };
    }
    for (const p of dirty) this.cache.delete(p);
    const audited = this.slice(audit);
    for (const p of audited) this.cache.delete(p);
    return { reuse: new Map(this.cache), dirty, audited };
  }

  /** The reads a pass ended with (its last observation of every namespace). */
  end(reads: ReadonlyMap<string, string>): void {
    this.cache = new Map([...reads].filter(([p]) => p === HOST_READ || p.startsWith(`${this.netnsDir}/`)));
  }

  /** The reads kept now (a second run in the same pass: the last good configuration). */
  current(): Map<string, string> {
    return new Map(this.cache);
  }

  /** A pass failed before it could tell what it read: read everything next time. */
  forget(): void {
    this.cache.clear();
  }

  private slice(n: number): string[] {
    if (n <= 0) return [];
    const paths = [...this.cache.keys()].sort();
    if (n >= paths.length) {
      this.cursor = paths.at(-1) ?? '';
      return paths;
    }
    let start = paths.findIndex((p) => p > this.cursor);
    if (start < 0) start = 0;
    const out = [...paths.slice(start, start + n)];
    if (out.length < n) out.push(...paths.slice(0, n - out.length));
    this.cursor = out.at(-1)!;
    return out;
  }
}

/** Namespaces the audit reads per resync so that all `n` are read within `windowMs` at one resync per `intervalMs`. */
export function auditCount(n: number, intervalMs: number, windowMs: number): number {
  if (n === 0) return 0;
  if (windowMs <= intervalMs) return n;
  return Math.ceil((n * intervalMs) / windowMs);
}
