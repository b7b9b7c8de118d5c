// File events for networks.d: chokidar on the directory, subfolders included,
// reporting only files the loader reads (*.yaml / *.yml, not hidden, not editor
// leftovers). Events only say "look again": the pass reads the directory itself,
// and the periodic resync re-reads it anyway, so a missed event costs latency,
// never correctness.

import { watch, type FSWatcher } from 'chokidar';
import { basename, relative, sep } from 'node:path';
import type { Stats } from 'node:fs';
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

export function watchDir(dir: string, onChange: (event: string, path: string) => void, log: Logger): DirWatcher {
  const w: FSWatcher = watch(dir, {
    ignoreInitial: true,
    ignored: (p: string, stats?: Stats) => ignoredPath(dir, p, stats),
    // editors that save by rename (vim, git checkout) show up as one change
    atomic: true,
    followSymlinks: true,
    ignorePermissionErrors: true,
  });
  w.on('all', (event, path) => {
    if (!relevantEvent(dir, event, path)) return;
    log.debug({ event, path }, 'file event');
    onChange(event, path);
  });
  w.on('error', (e) => log.warn({ err: e }, 'file watcher error (the periodic resync still reads the directory)'));
  const ready = new Promise<void>((resolve) => w.once('ready', () => resolve()));
  return { ready, close: () => w.close() };
}
