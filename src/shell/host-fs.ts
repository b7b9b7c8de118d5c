// The host's file system as a pass sees it: every file a pass reads or writes
// (observe's /run/netns, /etc/netns and /proc reads, the netns identity check,
// apply's /etc/netns files and /proc/sys writes, the crash journal, the files
// record, the host sysctls record, the RA guard) goes through one HostFs given to
// runPass — so a pass runs entirely against a fake (runner, fs) pair in tests.
//
// Reads never throw (a missing or unreadable file is `undefined`, a missing
// directory `[]`); writes throw as node:fs does.

import {
  readFileSync,
  readlinkSync,
  mkdir as mkdirCb,
  readFile as readFileCb,
  rename as renameCb,
  stat as statCb,
  symlink as symlinkCb,
  unlink as unlinkCb,
  writeFile as writeFileCb,
} from 'node:fs';
import { readdir, readlink, rm, rmdir } from 'node:fs/promises';
import type { Runner } from './runner.js';

/** The reads observe needs (a HostFs is one). */
export interface ObserveFs {
  /** file text, or undefined when it does not exist / cannot be read */
  readFile(path: string): Promise<string | undefined>;
  /** entry names of a directory ([] when it does not exist) */
  readdir(path: string): Promise<string[]>;
  /** device and inode (following bind mounts/symlinks), undefined when missing */
  stat(path: string): Promise<{ dev: number; ino: number } | undefined>;
  /** target of a symbolic link, undefined when the path is not one (or missing); absent: no links */
  readlink?(path: string): Promise<string | undefined>;
  /**
   * readFile and readlink at once, for the many small files of /etc/netns (3000 at 1000
   * containers: one thread-pool round trip per system call made reading them ~4x slower);
   * absent: the async ones are used
   */
  readFileNow?(path: string): string | undefined;
  readlinkNow?(path: string): string | undefined;
}

export interface WriteOptions {
  /** permission bits of a file created (default 0o666 & ~umask) */
  mode?: number;
  /** append instead of replacing (creates the file when missing: a `touch`) */
  append?: boolean;
}

export interface HostFs extends ObserveFs {
  /** write (create or truncate) a file; also how a /proc/sys value is set */
  writeFile(path: string, content: string, opts?: WriteOptions): Promise<void>;
  /** make a directory and its parents (no error when it exists) */
  mkdir(path: string, opts?: { mode?: number }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** make a symbolic link at `path` holding `target` (throws when the path exists) */
  symlink(target: string, path: string): Promise<void>;
  /** remove a file, or a directory with everything in it; nothing when missing */
  rm(path: string): Promise<void>;
  /** remove a directory only when it is empty (throws otherwise) */
  rmdir(path: string): Promise<void>;
}

/** A node:fs callback as a promise. */
const done = (run: (cb: (err: NodeJS.ErrnoException | null) => void) => void): Promise<void> =>
  new Promise((resolve, reject) => run((err) => (err ? reject(err) : resolve())));

// readFile, stat and the writes through node:fs's callbacks: a pass reads a few files per
// namespace and a converge writes 3000 at 1000 containers; fs/promises' FileHandle path
// costs 2-3x the CPU per file (writing 3000 files: ~0.75 s of CPU through it, ~0.4 s so)
export const nodeHostFs: HostFs = {
  readFile: (p) => new Promise((resolve) => readFileCb(p, 'utf8', (err, text) => resolve(err ? undefined : text))),
  readdir: (p) => readdir(p).catch(() => []),
  stat: (p) => new Promise((resolve) => statCb(p, (err, s) => resolve(err ? undefined : { dev: s.dev, ino: s.ino }))),
  writeFile: (p, content, opts = {}) =>
    done((cb) => writeFileCb(p, content, { ...(opts.mode !== undefined ? { mode: opts.mode } : {}), flag: opts.append ? 'a' : 'w' }, cb)),
  mkdir: (p, opts = {}) => done((cb) => mkdirCb(p, { recursive: true, ...(opts.mode !== undefined ? { mode: opts.mode } : {}) }, (err) => cb(err))),
  readlink: (p) => readlink(p).catch(() => undefined),
  readFileNow: (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
  readlinkNow: (p) => {
    try {
      return readlinkSync(p);
    } catch {
      return undefined;
    }
  },
  rename: (a, b) => done((cb) => renameCb(a, b, cb)),
  symlink: (t, p) => done((cb) => symlinkCb(t, p, cb)),
  // a file (the common case: one unlink, none when missing), else a directory and what is in it
  rm: (p) =>
    done((cb) => unlinkCb(p, (err) => cb(err?.code === 'ENOENT' ? null : err))).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EISDIR' || err.code === 'EPERM') return rm(p, { recursive: true, force: true });
      throw err;
    }),
  rmdir: (p) => rmdir(p),
};

/**
 * HostFs through a Runner (e.g. inside a test sandbox's mount namespace, which
 * node's own fs calls do not see). Slow: one process per call.
 */
export function runnerFs(runner: Runner): HostFs {
  const sh = async (script: string, args: string[], input?: string): Promise<void> => {
    await runner.run('sh', ['-c', script, 'sh', ...args], input !== undefined ? { input } : {});
  };
  return {
    async readFile(p) {
      const r = await runner.run('cat', ['--', p], { allowFail: true });
      return r.exitCode === 0 ? r.stdout : undefined;
    },
    async readdir(p) {
      const r = await runner.run('ls', ['-A1', '--', p], { allowFail: true });
      return r.exitCode === 0 ? r.stdout.split('\n').filter(Boolean) : [];
    },
    async readlink(p) {
      const r = await runner.run('readlink', ['--', p], { allowFail: true });
      return r.exitCode === 0 ? r.stdout.replace(/\n$/, '') : undefined;
    },
    async stat(p) {
      const r = await runner.run('stat', ['-L', '-c', '%d %i', '--', p], { allowFail: true });
      if (r.exitCode !== 0) return undefined;
      const [dev, ino] = r.stdout.trim().split(' ').map(Number);
      return { dev, ino };
    },
    writeFile: (p, content, opts = {}) =>
      sh(`${opts.mode !== undefined ? `umask ${(0o777 & ~opts.mode).toString(8)}; ` : ''}cat ${opts.append ? '>>' : '>'} "$1"`, [p], content),
    mkdir: (p, opts = {}) => sh(`mkdir -p ${opts.mode !== undefined ? `-m ${opts.mode.toString(8)} ` : ''}-- "$1"`, [p]),
    rename: (a, b) => sh('mv -fT -- "$1" "$2"', [a, b]),
    symlink: (t, p) => sh('ln -s -- "$1" "$2"', [t, p]),
    rm: (p) => sh('rm -rf -- "$1"', [p]),
    rmdir: (p) => sh('rmdir -- "$1"', [p]),
  };
}
