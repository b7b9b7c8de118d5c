// Reads networks.d from disk: every *.yaml / *.yml under the directory,
// subfolders included, sorted by path. Hidden files and folders and editor
// leftovers (*~, *.swp, .#*) are skipped. Paths keep the directory as given
// (e.g. "networks.d/web.yaml"), so diagnostics read the way the user typed it.

import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface ConfigFiles {
  files: { path: string; text: string }[];
  /** false when the directory does not exist (the deletion guard treats it like an empty one) */
  exists: boolean;
}

export function isConfigFileName(name: string): boolean {
  if (name.startsWith('.')) return false; // hidden, and emacs lock files ".#x.yaml"
  if (name.endsWith('~') || name.endsWith('.swp')) return false;
  return /\.ya?ml$/.test(name);
}

export async function readConfigDir(dir: string): Promise<ConfigFiles> {
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { files: [], exists: false };
    throw err;
  }
  const paths: string[] = [];
  const visited = new Set<string>();
  async function walk(d: string): Promise<void> {
    const real = await realpath(d);
    if (visited.has(real)) return; // a symlink loop
    visited.add(real);
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const t = await stat(p).catch(() => undefined); // a dangling link is skipped
        isDir = t?.isDirectory() ?? false;
        isFile = t?.isFile() ?? false;
      }
      if (isDir) await walk(p);
      else if (isFile && isConfigFileName(e.name)) paths.push(p);
    }
  }
  await walk(dir);
  paths.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const files = await Promise.all(paths.map(async (path) => ({ path, text: await readFile(path, 'utf8') })));
  return { files, exists: true };
}
