// The fake kernel's file system: ordinary files kept in memory (/etc/netns/…,
// /run/netkeeper/…), and the paths the kernel itself answers — /run/netns/<name>
// (a namespace bind mount, or a stale file), /proc/<pid>/ns/net, /proc/self/ns/net,
// /proc/sys/… (the host namespace's settings) and /proc/net/{tcp,udp}[6].

import { dirname } from 'node:path';
import type { HostFs } from '../../../src/shell/host-fs.js';
import type { KernelState } from './kernel.js';
import { sysctlGet, sysctlSet } from './sysctl.js';

const NSFS_DEV = 4;
const TMPFS_DEV = 25;
/** A symbolic link is kept in `files` as this prefix and its target. */
export const LINK_PREFIX = '\0link:';
const PROC_NET_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

export class FakeFs {
  readonly files = new Map<string, string>();
  /** directories made explicitly (others exist while a file is in them) */
  readonly dirs = new Set<string>(['/etc', '/run', '/run/netns', '/proc']);
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
    const f = this.files.get(path);
    const link = this.readlink(path);
    if (link !== undefined) return link.startsWith('/') ? this.readFile(link) : this.readFile(`${dirname(path)}/${link}`.replace(/\/[^/]+\/\.\.\//, '/'));
    return f;
  }

  readlink(path: string): string | undefined {
    const f = this.files.get(path);
    return f?.startsWith(LINK_PREFIX) ? f.slice(LINK_PREFIX.length) : undefined;
  }

  symlink(target: string, path: string): void {
    if (this.files.has(path)) throw Object.assign(new Error(`EEXIST: ${path}`), { code: 'EEXIST' });
    if (!this.isDir(dirname(path))) throw enoent('symlink', path);
    this.files.set(path, LINK_PREFIX + target);
  }

  /** Write a file; /proc/sys writes set the host's setting (throws ENOENT for one that does not exist). */
  writeFile(path: string, content: string, append = false): void {
    if (path.startsWith('/proc/sys/')) {
      if (!sysctlSet(this.kernel, this.kernel.host, path.slice('/proc/sys/'.length), content)) throw enoent('open', path);
      return;
    }
    // a file under /run/netns is a mount point: a namespace file with nothing mounted on it yet
    if (path.startsWith('/run/netns/')) {
      if (!this.kernel.mounts.has(path)) this.kernel.staleFiles.add(path);
      return;
    }
    if (!this.isDir(dirname(path))) throw enoent('open', path);
    this.files.set(path, append ? (this.files.get(path) ?? '') + content : content);
  }

  mkdir(path: string): void {
    const parts = path.replace(/\/+$/, '').split('/');
    for (let i = 2; i <= parts.length; i++) this.dirs.add(parts.slice(0, i).join('/'));
  }

  /** Remove a directory only when empty. */
  rmdir(path: string): void {
    const p = path.replace(/\/+$/, '');
    if (!this.isDir(p)) throw enoent('rmdir', p);
    if (this.readdir(p).length) {
      const e: NodeJS.ErrnoException = new Error(`ENOTEMPTY: directory not empty, rmdir '${p}'`);
      e.code = 'ENOTEMPTY';
      throw e;
    }
    this.dirs.delete(p);
  }

  exists(path: string): boolean {
    return this.stat(path) !== undefined || this.readFile(path) !== undefined || this.isDir(path);
  }

  isDir(path: string): boolean {
    if (this.dirs.has(path.replace(/\/+$/, ''))) return true;
    const p = path.replace(/\/+$/, '') + '/';
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
    for (const d of this.dirs) add(d);
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

  /** Remove a file, or a directory with everything in it; nothing when missing. */
  rm(path: string): void {
    if (this.files.delete(path)) return;
    const p = path.replace(/\/+$/, '');
    if (p.startsWith('/run/netns/')) {
      this.kernel.staleFiles.delete(p);
      return;
    }
    for (const f of [...this.files.keys()]) if (f.startsWith(p + '/')) this.files.delete(f);
    for (const d of [...this.dirs]) if (d === p || d.startsWith(p + '/')) this.dirs.delete(d);
  }

  rename(from: string, to: string): void {
    if (this.files.has(from)) {
      this.files.set(to, this.files.get(from)!);
      this.files.delete(from);
      return;
    }
    if (!this.isDir(from)) throw enoent('rename', from);
    const p = from.replace(/\/+$/, '') + '/';
    for (const f of [...this.files.keys()].filter((x) => x.startsWith(p))) {
      this.files.set(to + '/' + f.slice(p.length), this.files.get(f)!);
      this.files.delete(f);
    }
    for (const d of [...this.dirs].filter((x) => x === from || x.startsWith(p))) {
      this.dirs.delete(d);
      this.dirs.add(to + d.slice(from.length));
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

/** The fake file system as the pass's HostFs: async, reads never throw. */
export function fakeHostFs(fs: FakeFs): HostFs {
  return {
    readFile: async (p) => fs.readFile(p),
    readdir: async (p) => fs.readdir(p),
    stat: async (p) => fs.stat(p),
    writeFile: async (p, c, o = {}) => fs.writeFile(p, c, o.append ?? false),
    mkdir: async (p) => fs.mkdir(p),
    readlink: async (p) => fs.readlink(p),
    rename: async (a, b) => fs.rename(a, b),
    symlink: async (t, p) => fs.symlink(t, p),
    rm: async (p) => fs.rm(p),
    rmdir: async (p) => fs.rmdir(p),
  };
}
