// The watcher's copy of the files under /etc/netns/<ns>/ (resolv.conf, hosts,
// hostname, ...), kept between passes while inotify says nothing changed them.
// At 1000 containers a pass read ~3000 files and ~1000 links again on every pass
// (a no-change resync too); now it reads again only the namespaces whose
// directory had an event since they were read, plus:
//   - every namespace on a full pass (start, SIGHUP, retry) and when a watch
//     cannot be set up (no inotify, too many watches: that namespace is then read
//     on every pass, as before);
//   - a rolling slice on each resync (the same count as the kernel audit,
//     read-scope.ts), so a missed event (an inotify queue overflow) is found within
//     the audit window.
// The verify read after an apply does not use the copy (the pass's own writes may
// not have been reported yet), and the shared hosts files (/etc/netns/.hosts) are
// small and read on every pass. A file changed behind netkeeper's back is seen by
// the next pass (the resync) and put back, as before.

import { watch as fsWatch } from 'node:fs';
import type { EtcNetnsFile } from '../observe/files.js';

/** A directory watch: calls `onEvent` for anything in it or about it, with the name in it concerned when known. */
export type WatchDir = (path: string, onEvent: (name: string | null) => void) => { close(): void } | undefined;

/** Node's fs.watch (one inotify watch per directory); undefined when it cannot be set up. */
export const nodeWatchDir: WatchDir = (path, onEvent) => {
  try {
    const w = fsWatch(path, { persistent: false }, (_event, name) => onEvent(typeof name === 'string' ? name : null));
    w.on('error', () => onEvent(null));
    return { close: () => w.close() };
  } catch {
    return undefined;
  }
};

/** How observe reads the files of the namespace directories it lists (kernel.ts). */
export interface EtcNetnsFiles {
  read(etcNetnsDir: string, dirs: string[], readNs: (ns: string) => Promise<EtcNetnsFile[]>): Promise<EtcNetnsFile[][]>;
}

interface Kept {
  files: EtcNetnsFile[];
  watch: { close(): void };
}

export class EtcNetnsCache implements EtcNetnsFiles {
  private kept = new Map<string, Kept>();
  /** bumped by every event of a namespace's directory: a read that saw a bump meanwhile is not kept */
  private gen = new Map<string, number>();
  private root: { close(): void } | undefined;
  private cursor = '';
  private closed = false;
  /** namespaces of the last read: read again, taken from the copy */
  last = { read: 0, kept: 0 };

  constructor(
    private readonly dir: string = '/etc/netns',
    private readonly watchDir: WatchDir = nodeWatchDir,
  ) {}

  /** Namespace directories kept now. */
  get size(): number {
    return this.kept.size;
  }

  /** A pass begins: `full` reads every namespace again; else `audit` kept ones (rolling) are read again. */
  begin(full: boolean, audit = 0): void {
    if (full) this.dropAll();
    else for (const ns of this.slice(audit)) this.drop(ns);
  }

  async read(etcNetnsDir: string, dirs: string[], readNs: (ns: string) => Promise<EtcNetnsFile[]>): Promise<EtcNetnsFile[][]> {
    if (this.closed || etcNetnsDir !== this.dir) return Promise.all(dirs.map(readNs));
    // the directory itself: a namespace directory made, removed or replaced (by its name; no name: all of them)
    this.root ??= this.watchDir(this.dir, (name) => (name === null ? this.dropAll() : this.drop(name)));
    if (!this.root) return Promise.all(dirs.map(readNs));
    const listed = new Set(dirs);
    for (const ns of [...this.kept.keys()]) if (!listed.has(ns)) this.drop(ns);
    this.last = { read: 0, kept: 0 };
    return Promise.all(
      dirs.map(async (ns) => {
        const k = this.kept.get(ns);
        if (k) {
          this.last.kept++;
          return k.files;
        }
        this.last.read++;
        // watch first, then read: a change during the read is not lost
        const g = this.gen.get(ns) ?? 0;
        const w = this.watchDir(`${this.dir}/${ns}`, () => this.drop(ns));
        const files = await readNs(ns);
        if (!w) return files;
        if (this.closed || (this.gen.get(ns) ?? 0) !== g || this.kept.has(ns)) w.close();
        else this.kept.set(ns, { files, watch: w });
        return files;
      }),
    );
  }

  close(): void {
    this.closed = true;
    this.dropAll();
  }

  private drop(ns: string): void {
    this.gen.set(ns, (this.gen.get(ns) ?? 0) + 1);
    const k = this.kept.get(ns);
    if (!k) return;
    this.kept.delete(ns);
    k.watch.close();
  }

  private dropAll(): void {
    for (const ns of [...this.kept.keys(), ...this.gen.keys()]) this.drop(ns);
    this.root?.close();
    this.root = undefined;
  }

  private slice(n: number): string[] {
    if (n <= 0) return [];
    const names = [...this.kept.keys()].sort();
    if (n >= names.length) return names;
    let start = names.findIndex((p) => p > this.cursor);
    if (start < 0) start = 0;
    const out = names.slice(start, start + n);
    if (out.length < n) out.push(...names.slice(0, n - out.length));
    this.cursor = out.at(-1)!;
    return out;
  }
}
