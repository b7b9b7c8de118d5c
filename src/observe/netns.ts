// Namespaces under /run/netns: `ip -j netns list` and grouping of bind mounts of the
// same namespace (mode container:<name>) by device+inode.

import type { NetnsListEntry } from './ip-json.js';

export function parseNetnsList(raw: NetnsListEntry[]): { name: string; id?: number }[] {
  const out: { name: string; id?: number }[] = [];
  for (const e of raw) {
    if (!e.name) continue;
    out.push(e.id === undefined ? { name: e.name } : { name: e.name, id: e.id });
  }
  return out;
}

export interface NetnsFile {
  name: string;
  /** device and inode of the namespace file (fs.stat, following the bind mount) */
  dev: number;
  ino: number;
}

export interface NetnsGroup {
  /** the name the namespace is observed under */
  primary: string;
  /** other names bound to the same namespace: origin 'shared', sharedWith = primary */
  shared: string[];
}

/**
 * Group namespace files by device+inode. The primary of a group is the first name
 * found in `prefer` (e.g. the containers that own their namespace in the config),
 * otherwise the first name in sort order.
 */
export function groupNetns(files: NetnsFile[], prefer: ReadonlySet<string> = new Set()): NetnsGroup[] {
  const byId = new Map<string, string[]>();
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const id = `${f.dev}:${f.ino}`;
    const names = byId.get(id);
    if (names) names.push(f.name);
    else byId.set(id, [f.name]);
  }
  const groups: NetnsGroup[] = [];
  for (const names of byId.values()) {
    const primary = names.find((n) => prefer.has(n)) ?? names[0];
    groups.push({ primary, shared: names.filter((n) => n !== primary) });
  }
  return groups;
}
