// A HostFs in memory (files in a Map, directories in a Set), for unit tests of what a pass reads and writes.
import type { HostFs } from '../../src/shell/host-fs.js';

/** A file system in a Map: files by path, directories as a set. */
export function memoryFs(files: Record<string, string> = {}): HostFs & { files: Map<string, string>; dirs: Set<string> } {
  const f = new Map(Object.entries(files));
  const dirs = new Set<string>();
  const parent = (p: string) => p.slice(0, p.lastIndexOf('/'));
  for (const p of f.keys()) for (let d = parent(p); d; d = parent(d)) dirs.add(d);
  const children = (d: string) => [...new Set([...f.keys(), ...dirs].filter((p) => parent(p) === d).map((p) => p.slice(d.length + 1)))];
  return {
    files: f,
    dirs,
    // a symbolic link is kept as '\0link:' and its target
    readFile: async (p) => {
      const v = f.get(p);
      if (!v?.startsWith('\0link:')) return v;
      const t = v.slice('\0link:'.length);
      return f.get(t.startsWith('/') ? t : `${parent(p)}/${t}`.replace(/\/[^/]+\/\.\.\//, '/'));
    },
    readlink: async (p) => (f.get(p)?.startsWith('\0link:') ? f.get(p)!.slice('\0link:'.length) : undefined),
    symlink: async (t, p) => {
      if (f.has(p)) throw new Error(`EEXIST: ${p}`);
      if (!dirs.has(parent(p))) throw new Error(`ENOENT: ${p}`);
      f.set(p, `\0link:${t}`);
    },
    readdir: async (p) => (dirs.has(p) ? children(p) : []),
    stat: async (p) => (f.has(p) || dirs.has(p) ? { dev: 1, ino: p.length } : undefined),
    writeFile: async (p, c, o = {}) => {
      if (!dirs.has(parent(p))) throw new Error(`ENOENT: ${p}`);
      f.set(p, o.append ? (f.get(p) ?? '') + c : c);
    },
    mkdir: async (p) => {
      for (let d = p; d; d = parent(d)) dirs.add(d);
    },
    rename: async (a, b) => {
      if (f.has(a)) {
        f.set(b, f.get(a)!);
        f.delete(a);
        return;
      }
      if (!dirs.has(a)) throw new Error(`ENOENT: ${a}`);
      for (const p of [...f.keys()]) if (p.startsWith(`${a}/`)) f.set(b + p.slice(a.length), f.get(p)!), f.delete(p);
      dirs.delete(a);
      dirs.add(b);
    },
    rm: async (p) => {
      f.delete(p);
      for (const q of [...f.keys()]) if (q.startsWith(`${p}/`)) f.delete(q);
      for (const d of [...dirs]) if (d === p || d.startsWith(`${p}/`)) dirs.delete(d);
    },
    rmdir: async (p) => {
      if (children(p).length) throw new Error(`ENOTEMPTY: ${p}`);
      dirs.delete(p);
    },
  };
}
