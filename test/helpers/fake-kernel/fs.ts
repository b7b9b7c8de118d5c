// The fake kernel's file system: ordinary files kept in memory (/etc/netns/…,
// /run/netkeeper/…), and the paths the kernel itself answers — /run/netns/<name>
// (a namespace bind mount, or a stale file), /proc/<pid>/ns/net, /proc/self/ns/net,
// /proc/sys/… (the host namespace's settings) and /proc/net/{tcp,udp}[6].

import type { KernelState } from './kernel.js';
import { sysctlGet, sysctlSet } from './sysctl.js';

const NSFS_DEV = 4;
const TMPFS_DEV = 25;
const PROC_NET_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

export class FakeFs {
  readonly files = new Map<string, string>();
  private inodes = new Map<string, number>();

  constructor(private readonly kernel: KernelState) {
    this.files.set('/etc/resolv.conf', 'nameserver 192.0.2.53\n');
  }

  private ino(path: string): number {
    let n = this.inodes.get(path);
    if (n === undefined) this.inodes.set(path, (n = 1000 + this.inodes.size));
    return n;
  }

  readFile(path: string): string | undefined {
    if (path.startsWith('/proc/sys/')) {
      const v = sysctlGet(this.kernel, this.kernel.host, path.slice('/proc/sys/'.length));
      return v === undefined ? undefined : `${v}\n`;
    }
    if (/^\/proc\/net\/(tcp|udp)6?$/.test(path)) return PROC_NET_HEADER;
    return this.files.get(path);
  }

  /** Write a file; /proc/sys writes set the host's setting (throws ENOENT for one that does not exist). */
  writeFile(path: string, content: string): void {
    if (path.startsWith('/proc/sys/')) {
      if (!sysctlSet(this.kernel, this.kernel.host, path.slice('/proc/sys/'.length), content)) throw enoent('open', path);
      return;
    }
    this.files.set(path, content);
  }

  exists(path: string): boolean {
    return this.stat(path) !== undefined || this.readFile(path) !== undefined || this.isDir(path);
  }

  isDir(path: string): boolean {
    const p = path.replace(/\/+$/, '') + '/';
    if (p === '/run/netns/') return true;
    for (const f of this.files.keys()) if (f.startsWith(p)) return true;
    return false;
  }

  readdir(path: string): string[] {
    const p = path.replace(/\/+$/, '') + '/';
    const names = new Set<string>();
    const add = (full: string) => {
      if (full.startsWith(p)) names.add(full.slice(p.length).split('/')[0]);
    };
    for (const f of this.files.keys()) add(f);
    for (const m of this.kernel.mounts.keys()) add(m);
    for (const s of this.kernel.staleFiles) add(s);
    return [...names].sort();
  }

  stat(path: string): { dev: number; ino: number } | undefined {
    const t = this.kernel.resolve(path);
    if (t && 'ns' in t) return { dev: NSFS_DEV, ino: 0xf0000000 + t.ns.id };
    if (t) return { dev: TMPFS_DEV, ino: this.ino(path) };
    if (this.files.has(path)) return { dev: TMPFS_DEV, ino: this.ino(path) };
    return undefined;
  }

  rm(path: string, recursive = false): void {
    if (this.files.delete(path)) return;
    if (recursive) for (const f of [...this.files.keys()]) if (f.startsWith(path.replace(/\/+$/, '') + '/')) this.files.delete(f);
  }

  rename(from: string, to: string): void {
    if (this.files.has(from)) {
      this.files.set(to, this.files.get(from)!);
      this.files.delete(from);
      return;
    }
    const p = from.replace(/\/+$/, '') + '/';
    const moved = [...this.files.keys()].filter((f) => f.startsWith(p));
    if (moved.length === 0) throw enoent('rename', from);
    for (const f of moved) {
      this.files.set(to + '/' + f.slice(p.length), this.files.get(f)!);
      this.files.delete(f);
    }
  }
}

export function enoent(syscall: string, path: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`ENOENT: no such file or directory, ${syscall} '${path}'`);
  e.code = 'ENOENT';
  e.syscall = syscall;
  e.path = path;
  return e;
}
