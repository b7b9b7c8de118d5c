import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ignoredPath, relevantEvent, watchDir } from '../../../src/shell/watch.js';

// watchDir is chokidar on a real directory: these tests use real file events and
// real time. They wait for the events themselves (polling until a deadline, never
// asserting how fast); the two fixed pauses let chokidar finish scanning a directory
// that just appeared, which it reports by no event.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nk-watch-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('which file events matter', () => {
  const d = '/etc/netkeeper/networks.d';
  it('yaml and yml files, in subfolders too', () => {
    expect(relevantEvent(d, 'change', `${d}/web.yaml`)).toBe(true);
    expect(relevantEvent(d, 'add', `${d}/teams/db.yml`)).toBe(true);
    expect(relevantEvent(d, 'addDir', `${d}/teams`)).toBe(true);
    expect(relevantEvent(d, 'unlinkDir', `${d}/teams`)).toBe(true);
  });
  it('not hidden files, editor leftovers, other files, or anything under a hidden folder (.git)', () => {
    for (const p of ['.web.yaml', 'web.yaml~', 'web.yaml.swp', '.#web.yaml', 'README.md', '.git/HEAD', '.git/refs/x.yaml', 'a/.hidden/b.yaml'])
      expect(relevantEvent(d, 'change', `${d}/${p}`), p).toBe(false);
    expect(ignoredPath(d, `${d}/.git`)).toBe(true);
    expect(ignoredPath(d, d)).toBe(false);
  });
});

describe('watchDir', () => {
  it('reports yaml changes (subfolders, renames) and nothing for ignored files', async () => {
    const root = join(dir, 'nd');
    await mkdir(join(root, 'sub'), { recursive: true });
    await writeFile(join(root, 'a.yaml'), 'x: 1\n');
    const seen: string[] = [];
    const log = pino({ level: 'silent' });
    const w = watchDir(root, (e, p) => seen.push(`${e} ${p.slice(root.length + 1)}`), log);
    await w.ready;
    const wait = async (pred: () => boolean) => {
      for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 20));
    };
    await writeFile(join(root, 'sub', 'b.yml'), 'x: 2\n');
    await wait(() => seen.some((s) => s.includes('b.yml')));
    await writeFile(join(root, '.hidden.yaml'), 'x\n');
    await writeFile(join(root, 'notes.txt'), 'x\n');
    await writeFile(join(root, 'a.yaml~'), 'x\n');
    // an editor saving through a temporary file and a rename
    await writeFile(join(root, 'a.yaml.tmp'), 'x: 3\n');
    await rename(join(root, 'a.yaml.tmp'), join(root, 'a.yaml'));
    await wait(() => seen.some((s) => s.endsWith(' a.yaml')));
    await unlink(join(root, 'sub', 'b.yml'));
    await wait(() => seen.some((s) => s.startsWith('unlink ')));
    await w.close();
    expect(seen).toContain('add sub/b.yml');
    expect(seen.some((s) => /^(change|add) a\.yaml$/.test(s))).toBe(true);
    expect(seen).toContain('unlink sub/b.yml');
    expect(seen.filter((s) => /hidden|notes|~|\.tmp/.test(s))).toEqual([]);
  });
});

describe('watchDir on a directory that comes and goes', () => {
  it('notices it appear (a checkout cloned after the start), go away and come back', async () => {
    const root = join(dir, 'later');
    const seen: string[] = [];
    const w = watchDir(root, (e, p) => seen.push(`${e} ${p.slice(root.length + 1)}`), pino({ level: 'silent' }), { pollMs: 50 });
    await w.ready;
    const wait = async (pred: () => boolean, what: string) => {
      for (let i = 0; i < 150 && !pred(); i++) await new Promise((r) => setTimeout(r, 20));
      if (!pred()) throw new Error(`no ${what}: ${seen.join(', ')}`);
    };
    await mkdir(root);
    await wait(() => seen.includes('addDir '), 'event for the new directory');
    await new Promise((r) => setTimeout(r, 200)); // chokidar's initial scan of it (no event says it is done)
    await writeFile(join(root, 'a.yaml'), 'x: 1\n');
    await wait(() => seen.includes('add a.yaml'), 'event for a file in it');
    await rm(root, { recursive: true });
    await wait(() => seen.filter((s) => s === 'unlinkDir ').length === 1, 'event for its removal');
    await mkdir(root);
    await wait(() => seen.filter((s) => s === 'addDir ').length === 2, 'event for its return');
    await new Promise((r) => setTimeout(r, 200));
    await writeFile(join(root, 'b.yaml'), 'x: 1\n');
    await wait(() => seen.includes('add b.yaml'), 'event for a file in the new one');
    await w.close();
  });
});
