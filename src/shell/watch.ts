// File events for networks.d: chokidar on the directory, subfolders included,
// reporting only files the loader reads (*.yaml / *.yml, not hidden, not editor
// leftovers). Events only say "look again": the pass reads the directory itself,
// and the periodic resync re-reads it anyway, so a missed event costs latency,
// never correctness.

import { watch, type FSWatcher } from 'chokidar';
import { basename, relative, sep } from 'node:path';
import { existsSync, type Stats } from 'node:fs';
import { isConfigFileName } from './read-config.js';
import type { Logger } from './log.js';

export interface DirWatcher {
  /** resolves once the initial scan is done (events after this are changes) */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Whether chokidar should skip `path` under `dir` (stats may be missing on the first call). */
export function ignoredPath(dir: string, path: string, stats?: Stats): boolean {
  const rel = relative(dir, path);
  if (rel === '') return false;
  // a hidden folder anywhere on the way (.git of a checkout) hides everything under it
  if (rel.split(sep).some((part) => part.startsWith('.'))) return true;
  if (stats && !stats.isDirectory()) return !isConfigFileName(basename(path));
  return false;
}

/** Whether an event on `path` concerns the configuration. */
export function relevantEvent(dir: string, event: string, path: string): boolean {
  if (ignoredPath(dir, path)) return false;
  // a folder appearing or going away may carry config files with it
  if (event === 'addDir' || event === 'unlinkDir') return relative(dir, path) !== '';
  return isConfigFileName(basename(path));
}

export interface WatchDirOptions {
  /** how often to look for a directory that does not exist (yet, or any more); default 1000 ms */
  pollMs?: number;
}

/**
 * Watch `dir`. A directory that does not exist yet (a checkout still to be cloned)
 * or goes away (removed and cloned again) is looked for every `pollMs`; when it
 * appears, watching starts and that counts as a change.
 */
export function watchDir(dir: string, onChange: (event: string, path: string) => void, log: Logger, opts: WatchDirOptions = {}): DirWatcher {
  let w: FSWatcher | undefined;
  let poll: NodeJS.Timeout | undefined;
  let closed = false;
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));

  const start = () => {
    const fsw = watch(dir, {
      ignoreInitial: true,
      ignored: (p: string, stats?: Stats) => ignoredPath(dir, p, stats),
      // editors that save by rename (vim, git checkout) show up as one change
      atomic: true,
      followSymlinks: true,
      ignorePermissionErrors: true,
    });
    w = fsw;
    fsw.on('all', (event, path) => {
      if (event === 'unlinkDir' && relative(dir, path) === '') {
        gone();
        return;
      }
      if (!relevantEvent(dir, event, path)) return;
      log.debug({ event, path }, 'file event');
      onChange(event, path);
    });
    fsw.on('error', (e) => log.warn({ err: e }, 'file watcher error (the periodic resync still reads the directory)'));
    fsw.once('ready', () => resolveReady());
  };

  /** The directory itself went away (chokidar may or may not say so: the poll below checks too). */
  const gone = () => {
    if (!w) return;
    log.info({ dir }, 'the directory went away; looking for it again');
    const old = w;
    w = undefined;
    void old.close();
    onChange('unlinkDir', dir);
  };

  // one timer for both directions: a directory that appears is watched, one that
  // vanished while watched is let go (and looked for again)
  poll = setInterval(() => {
    if (closed) return;
    const exists = existsSync(dir);
    if (w && !exists) gone();
    else if (!w && exists) {
      log.info({ dir }, 'the directory is there: watching it');
      start();
      onChange('addDir', dir);
    }
  }, opts.pollMs ?? 1000);

  if (existsSync(dir)) start();
  else {
    log.warn({ dir }, 'the directory does not exist; watching for it to appear');
    resolveReady();
  }
  return {
    ready,
    close: async () => {
      closed = true;
      if (poll) clearInterval(poll);
      await w?.close();
    },
  };
}
