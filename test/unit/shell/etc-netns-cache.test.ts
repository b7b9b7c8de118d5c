// The watcher's copy of /etc/netns (etc-netns-cache.ts), with a fake inotify: a
// namespace directory is read again after an event in it or about it, on a full
// pass, by the rolling audit, and whenever it cannot be watched.
import { describe, expect, it } from 'vitest';
import { EtcNetnsCache, type WatchDir } from '../../../src/shell/etc-netns-cache.js';
import type { EtcNetnsFile } from '../../../src/observe/files.js';

const DIR = '/etc/netns';

function fake(opts: { failing?: string[] } = {}) {
  const watches = new Map<string, (name: string | null) => void>();
  const closed: string[] = [];
  const watchDir: WatchDir = (path, onEvent) => {
    if (opts.failing?.includes(path)) return undefined;
    watches.set(path, onEvent);
    return {
      close: () => {
        closed.push(path);
        watches.delete(path);
      },
    };
  };
  const content = new Map<string, string>();
  const reads: string[] = [];
  let during: ((ns: string) => void) | undefined;
  const readNs = async (ns: string): Promise<EtcNetnsFile[]> => {
    reads.push(ns);
    during?.(ns);
    const path = `${DIR}/${ns}/hostname`;
    return [{ ns, name: 'hostname', path, content: content.get(ns) ?? `${ns}\n` }];
  };
  const cache = new EtcNetnsCache(DIR, watchDir);
  const read = async (dirs: string[]) => {
    reads.length = 0;
    const per = await cache.read(DIR, dirs, readNs);
    return { read: [...reads].sort(), files: per.flat().map((f) => `${f.ns}:${f.content.trim()}`) };
  };
  const event = (path: string, name: string | null = 'hostname') => watches.get(path)!(name);
  return { cache, read, event, watches, closed, content, setDuring: (f: typeof during) => (during = f) };
}

describe('EtcNetnsCache', () => {
  it('reads every directory once, then only the ones an event named', async () => {
    const f = fake();
    expect((await f.read(['a', 'b', 'c'])).read).toEqual(['a', 'b', 'c']);
    expect([...f.watches.keys()].sort()).toEqual([DIR, `${DIR}/a`, `${DIR}/b`, `${DIR}/c`]);
    expect(await f.read(['a', 'b', 'c'])).toEqual({ read: [], files: ['a:a', 'b:b', 'c:c'] });
    expect(f.cache.last).toEqual({ read: 0, kept: 3 });

    // a file in b edited behind netkeeper's back: b is read again, and what it holds now is what is seen
    f.content.set('b', 'edited');
    f.event(`${DIR}/b`);
    expect(await f.read(['a', 'b', 'c'])).toEqual({ read: ['b'], files: ['a:a', 'b:edited', 'c:c'] });
    // its old watch was let go, a new one set up
    expect(f.closed).toContain(`${DIR}/b`);
    expect(f.watches.has(`${DIR}/b`)).toBe(true);

    // a directory replaced (an event in /etc/netns naming it)
    f.event(DIR, 'c');
    expect((await f.read(['a', 'b', 'c'])).read).toEqual(['c']);
    // an event without a name (overflow, an error): everything
    f.event(DIR, null);
    expect((await f.read(['a', 'b', 'c'])).read).toEqual(['a', 'b', 'c']);
  });

  it('a change during the read of a directory is not lost: it is read again next time', async () => {
    const f = fake();
    f.setDuring((ns) => {
      if (ns === 'a') f.event(`${DIR}/a`);
    });
    expect((await f.read(['a', 'b'])).read).toEqual(['a', 'b']);
    f.setDuring(undefined);
    expect((await f.read(['a', 'b'])).read).toEqual(['a']);
    expect((await f.read(['a', 'b'])).read).toEqual([]);
  });

  it('a full pass reads everything; a resync reads a rolling slice; a directory gone is let go', async () => {
    const f = fake();
    await f.read(['a', 'b', 'c', 'd']);
    f.cache.begin(true);
    expect((await f.read(['a', 'b', 'c', 'd'])).read).toEqual(['a', 'b', 'c', 'd']);
    const slices: string[][] = [];
    for (let i = 0; i < 4; i++) {
      f.cache.begin(false, 2);
      slices.push((await f.read(['a', 'b', 'c', 'd'])).read);
    }
    expect(slices).toEqual([
      ['a', 'b'],
      ['c', 'd'],
      ['a', 'b'],
      ['c', 'd'],
    ]);
    f.cache.begin(false, 0);
    expect((await f.read(['a', 'b', 'd'])).read).toEqual([]);
    expect(f.watches.has(`${DIR}/c`)).toBe(false);
    expect(f.cache.size).toBe(3);
  });

  it('what cannot be watched is read on every pass', async () => {
    const f = fake({ failing: [`${DIR}/b`] });
    await f.read(['a', 'b']);
    expect((await f.read(['a', 'b'])).read).toEqual(['b']);
    const g = fake({ failing: [DIR] });
    await g.read(['a', 'b']);
    expect((await g.read(['a', 'b'])).read).toEqual(['a', 'b']);
  });

  it('another directory, or a closed cache, is read in full and keeps nothing', async () => {
    const f = fake();
    await f.read(['a']);
    const per = await f.cache.read('/elsewhere', ['a'], async (ns) => [{ ns, name: 'hostname', path: `/elsewhere/${ns}/hostname`, content: 'x' }]);
    expect(per.flat()[0].content).toBe('x');
    f.cache.close();
    expect(f.watches.size).toBe(0);
    expect((await f.read(['a'])).read).toEqual(['a']);
    expect((await f.read(['a'])).read).toEqual(['a']);
  });
});

describe('EtcNetnsCache on a real directory (inotify through fs.watch)', () => {
  it('a file written, a file replaced by rename and a directory made are all seen', async () => {
    const { mkdtemp, mkdir, writeFile, rename, readFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const root = await mkdtemp(`${tmpdir()}/nk-etc-netns-`);
    const cache = new EtcNetnsCache(root);
    const reads: string[] = [];
    const readNs = async (ns: string): Promise<EtcNetnsFile[]> => {
      reads.push(ns);
      const path = `${root}/${ns}/hostname`;
      return [{ ns, name: 'hostname', path, content: await readFile(path, 'utf8') }];
    };
    const read = async (dirs: string[]) => {
      reads.length = 0;
      const files = (await cache.read(root, dirs, readNs)).flat().map((f) => `${f.ns}:${f.content}`);
      return { read: [...reads].sort(), files };
    };
    const settle = async (what: () => boolean) => {
      for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 10));
    };
    try {
      for (const ns of ['a', 'b']) {
        await mkdir(`${root}/${ns}`);
        await writeFile(`${root}/${ns}/hostname`, ns);
      }
      expect((await read(['a', 'b'])).read).toEqual(['a', 'b']);
      expect((await read(['a', 'b'])).read).toEqual([]);
      await writeFile(`${root}/a/hostname`, 'a2');
      await settle(() => cache.size < 2);
      expect(await read(['a', 'b'])).toEqual({ read: ['a'], files: ['a:a2', 'b:b'] });
      await writeFile(`${root}/b/.tmp`, 'b3');
      await rename(`${root}/b/.tmp`, `${root}/b/hostname`);
      await settle(() => cache.size < 2);
      expect(await read(['a', 'b'])).toEqual({ read: ['b'], files: ['a:a2', 'b:b3'] });
      await mkdir(`${root}/c`);
      await writeFile(`${root}/c/hostname`, 'c');
      expect((await read(['a', 'b', 'c'])).read).toEqual(['c']);
      expect((await read(['a', 'b', 'c'])).read).toEqual([]);
    } finally {
      cache.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
