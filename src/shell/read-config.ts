// Reads networks.d from disk: every *.yaml / *.yml under the directory,
// subfolders included, sorted by path. Hidden files and folders and editor
// leftovers (*~, *.swp, .#*) are skipped. Paths keep the directory as given
// (e.g. "networks.d/web.yaml"), so diagnostics read the way the user typed it.

import { closeSync, type Dirent, openSync, readdirSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic, DiagnosticCode } from '../model/diagnostic.js';

export interface ConfigFiles {
  files: { path: string; text: string }[];
  /** false when the directory does not exist */
  exists: boolean;
  /**
   * What could not be read: a dangling or looping symlink, an unreadable file or
   * folder, `dir` not being a directory. Any of them makes the files unusable as
   * a whole: what they declared is unknown, and reading its absence as "delete
   * it" would remove live containers.
   */
  problems: Diagnostic[];
}

/** A missing --dir is a typo or a lost mount, never "no objects": --allow-empty does not apply to it. */
export const missingDirReason = (dir: string): string => `directory ${dir} does not exist (check --dir)`;

export function isConfigFileName(name: string): boolean {
  if (name.startsWith('.')) return false; // hidden, and emacs lock files ".#x.yaml"
  if (name.endsWith('~') || name.endsWith('.swp')) return false;
  return /\.ya?ml$/.test(name);
}

/** A name that may stand for files netkeeper reads: a config file, or (no extension) a folder. */
function mayHoldConfig(name: string): boolean {
  return isConfigFileName(name) || (!name.startsWith('.') && !/\.[^.]+$/.test(name));
}

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

function why(e: unknown): string {
  switch (code(e)) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'a symlink loop';
    case 'ENOENT':
      return 'it does not exist';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return (e as Error)?.message ?? String(e);
  }
}

function problem(c: DiagnosticCode, path: string, message: string, inside = true): Diagnostic {
  return { code: c, object: path, message: inside ? `${message}; what it declared is unknown: fix or remove it` : message };
}

let buf = Buffer.allocUnsafe(64 * 1024);

/**
 * A file's text as readFileSync(path, 'utf8') gives it, in three system calls (open,
 * read, close: no fstat, one buffer for every file); a file larger than the buffer
 * grows it and is read to its end.
 */
function readText(path: string): string {
  const fd = openSync(path, 'r');
  try {
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    const text = buf.toString('utf8', 0, n);
    if (buf.length > 1024 * 1024) buf = Buffer.allocUnsafe(64 * 1024); // a big file's buffer is not kept
    return text;
  } finally {
    closeSync(fd);
  }
}

/**
 * Synchronous on purpose (issue 16): a thousand small files read through the
 * promise API cost four thread-pool round trips each (open, fstat, read, close),
 * ~0.2 s of a watcher's resync on a busy host; read in turn, ~10 ms.
 */
export async function readConfigDir(dir: string): Promise<ConfigFiles> {
  return readConfigDirSync(dir);
}

export function readConfigDirSync(dir: string): ConfigFiles {
  try {
    const st = statSync(dir);
    if (!st.isDirectory())
      return { files: [], exists: true, problems: [problem('not-a-directory', dir, 'not a directory (--dir names the networks.d folder)', false)] };
  } catch (err) {
    if (code(err) === 'ENOENT') return { files: [], exists: false, problems: [] };
    if (code(err) === 'ENOTDIR')
      return { files: [], exists: false, problems: [problem('not-a-directory', dir, 'not a directory (a part of the path is a file)', false)] };
    return { files: [], exists: true, problems: [problem('unreadable-path', dir, `cannot read the directory: ${why(err)}`, false)] };
  }
  const paths: string[] = [];
  const problems: Diagnostic[] = [];
  const visited = new Set<string>();
  function walk(d: string): void {
    let entries: Dirent[];
    try {
      const real = realpathSync(d);
      if (visited.has(real)) return; // a folder reached twice (a symlink back up the tree): its files are read once
      visited.add(real);
      entries = readdirSync(d, { withFileTypes: true });
    } catch (err) {
      problems.push(problem('unreadable-path', d, `cannot read this folder: ${why(err)}`));
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const t = statSync(p);
          isDir = t.isDirectory();
          isFile = t.isFile();
        } catch (err) {
          // a link that leads nowhere: what it held is unknown, so nothing it declared may be deleted
          if (mayHoldConfig(e.name)) {
            const c = code(err) === 'ELOOP' ? 'symlink-loop' : code(err) === 'ENOENT' ? 'dangling-symlink' : 'unreadable-path';
            let target = '?';
            try {
              target = readlinkSync(p);
            } catch {
              // unreadable: '?'
            }
            const text =
              c === 'dangling-symlink' ? `a symlink to ${target}, which does not exist` : `a symlink (to ${target}) that cannot be followed: ${why(err)}`;
            problems.push(problem(c, p, text));
          }
          continue;
        }
      }
      if (isDir) walk(p);
      else if (isConfigFileName(e.name)) {
        if (isFile) paths.push(p);
        else problems.push(problem('not-a-file', p, 'not a regular file (a pipe, socket or device is never read)'));
      }
    }
  }
  walk(dir);
  paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const files: { path: string; text: string }[] = [];
  for (const path of paths) {
    try {
      files.push({ path, text: readText(path) });
    } catch (err) {
      problems.push(problem('unreadable-path', path, `cannot read this file: ${why(err)}`));
    }
  }
  return { files, exists: true, problems };
}
