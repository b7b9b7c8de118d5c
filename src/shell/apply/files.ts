// The files apply writes: /etc/netns/<name>/* (written whole and renamed into
// place; a namespace's directory renamed away, then removed) and the host's
// /proc/sys values. Everything through the HostFs the pass was given.

import { dirname } from 'node:path';
import type { HostFs } from '../host-fs.js';
import { nodeHostFs } from '../host-fs.js';

/** Prefix of a namespace's /etc/netns directory on its way out: a name only netkeeper gives. */
export const TRASH_PREFIX = '.nk-gone-';
/** Infix of a file being written (renamed over the real one when complete). */
export const TMP_MARK = '.nk-tmp-';

/**
 * Write a file whole, or (with `link`) make it a symbolic link: made beside it, then
 * renamed over it. `dirMade`: its directory is known to exist (a file was just written there).
 */
export async function writeAtomic(fs: HostFs, path: string, content: string, link?: string, dirMade = false): Promise<void> {
  if (!dirMade) await fs.mkdir(dirname(path));
  const tmp = `${path}${TMP_MARK}${process.pid}`;
  if (link !== undefined) {
    await fs.rm(tmp); // a link cannot be made over what a killed run left
    await fs.symlink(link, tmp);
  } else await fs.writeFile(tmp, content, { mode: 0o644 });
  await fs.rename(tmp, path);
}

/**
 * Remove a directory whole: renamed first (atomic), so a run killed half-way leaves
 * no directory `ip netns exec` would use and nothing that looks like a container's;
 * sweepTrash removes what a killed run left.
 */
export async function removeDir(fs: HostFs, path: string): Promise<void> {
  const trash = `${dirname(path)}/${TRASH_PREFIX}${path.slice(dirname(path).length + 1)}-${process.pid}`;
  await fs.rename(path, trash);
  await fs.rm(trash);
}

/**
 * What a killed run left under /etc/netns: directories it renamed away (removeDir)
 * and temporary files it wrote but did not rename (writeAtomic). Call under the lock:
 * then no other writer's temporary file can be there.
 */
export async function sweepTrash(dir: string, fs: HostFs = nodeHostFs): Promise<void> {
  // the directories side by side: one after the other, 1000 of them kept every pass waiting ~0.1 s
  await Promise.all(
    (await fs.readdir(dir)).map(async (f) => {
      if (f.startsWith(TRASH_PREFIX)) return fs.rm(`${dir}/${f}`);
      for (const g of await fs.readdir(`${dir}/${f}`)) if (g.includes(TMP_MARK)) await fs.rm(`${dir}/${f}/${g}`);
    }),
  );
}

export async function removeFile(fs: HostFs, path: string): Promise<void> {
  await fs.rm(path);
  // a write killed between its temporary file and the rename leaves one behind
  for (const f of await fs.readdir(dirname(path))) if (f.includes(TMP_MARK)) await fs.rm(`${dirname(path)}/${f}`);
  await fs.rmdir(dirname(path)).catch(() => undefined); // only when empty
}

/** /proc/sys path of a dotted sysctl name; the interface part of net.ipv{4,6}.conf.<if>.<key> may hold dots. */
export function sysctlPath(name: string): string {
  const m = /^(net\.ipv[46]\.(?:conf|neigh))\.(.+)\.([^.]+)$/.exec(name);
  const parts = m ? [...m[1].split('.'), m[2], m[3]] : name.split('.');
  return `/proc/sys/${parts.join('/')}`;
}
