import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isConfigFileName, readConfigDir } from '../../../src/shell/read-config.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'nk-read-config-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function tree(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  for (const [p, text] of Object.entries(files)) {
    await mkdir(join(dir, p, '..'), { recursive: true });
    await writeFile(join(dir, p), text);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

describe('readConfigDir', () => {
  test('every *.yaml / *.yml, subfolders included, sorted by path, with the directory as given', async () => {
    const dir = await tree('a', {
      'z.yaml': 'z',
      'b.yml': 'b',
      'sub/c.yaml': 'c',
      'sub/deeper/d.yaml': 'd',
      'a.yaml': 'a',
    });
    const given = relative(process.cwd(), dir);
    const r = await readConfigDir(given);
    expect(r.exists).toBe(true);
    expect(r.files).toEqual([
      { path: join(given, 'a.yaml'), text: 'a' },
      { path: join(given, 'b.yml'), text: 'b' },
      { path: join(given, 'sub/c.yaml'), text: 'c' },
      { path: join(given, 'sub/deeper/d.yaml'), text: 'd' },
      { path: join(given, 'z.yaml'), text: 'z' },
    ]);
    expect(r.files[0].path.startsWith(given)).toBe(true);
  });

  test('hidden files and folders, editor leftovers and other extensions are ignored', async () => {
    const dir = await tree('b', {
      'keep.yaml': 'k',
      '.hidden.yaml': 'x',
      '.git/config.yaml': 'x',
      '.hiddendir/e.yaml': 'x',
      'web.yaml~': 'x',
      '.web.yaml.swp': 'x',
      'web.swp': 'x',
      '.#web.yaml': 'x',
      'notes.txt': 'x',
      'README.md': 'x',
      'sub/.#lock.yml': 'x',
    });
    const r = await readConfigDir(dir);
    expect(r.files.map((f) => relative(dir, f.path))).toEqual(['keep.yaml']);
  });

  test('symlinks are followed; a folder reached twice (a link back up the tree) is read once', async () => {
    const dir = await tree('c', { 'real/n.yaml': 'n' });
    await symlink(join(dir, 'real/n.yaml'), join(dir, 'link.yaml'));
    await symlink(dir, join(dir, 'real/loop'));
    const r = await readConfigDir(dir);
    expect(r.files.map((f) => relative(dir, f.path))).toEqual(['link.yaml', 'real/n.yaml']);
    expect(r.problems).toEqual([]);
  });

  test('a dangling or looping symlink that may hold config is a problem, never a silent skip', async () => {
    const dir = await tree('d', { 'n.yaml': 'n' });
    await symlink(join(dir, 'missing.yaml'), join(dir, 'dangling.yaml'));
    await symlink('self.yml', join(dir, 'self.yml'));
    await symlink(join(dir, 'gone'), join(dir, 'shared')); // a folder link: it could have held files
    await symlink(join(dir, 'gone.txt'), join(dir, 'notes.txt')); // not config: ignored
    await symlink(join(dir, 'gone'), join(dir, '.hidden')); // hidden: ignored
    const r = await readConfigDir(dir);
    expect(r.files.map((f) => relative(dir, f.path))).toEqual(['n.yaml']);
    expect(r.problems.map((p) => [p.code, relative(dir, p.object!)])).toEqual([
      ['dangling-symlink', 'dangling.yaml'],
      ['symlink-loop', 'self.yml'],
      ['dangling-symlink', 'shared'],
    ]);
    expect(r.problems[0].message).toContain(join(dir, 'missing.yaml'));
  });

  test('a pipe named *.yaml is a problem (never read: it would block)', async () => {
    const dir = await tree('p', { 'n.yaml': 'n' });
    execFileSync('mkfifo', [join(dir, 'fifo.yaml')]);
    const r = await readConfigDir(dir);
    expect(r.problems.map((p) => p.code)).toEqual(['not-a-file']);
  });

  test('a missing directory: exists false, no files, no problem (the caller says it does not exist)', async () => {
    expect(await readConfigDir(join(root, 'nope'))).toEqual({ files: [], exists: false, problems: [] });
  });

  test('an empty directory: exists true, no files', async () => {
    const dir = await tree('empty', {});
    expect(await readConfigDir(dir)).toEqual({ files: [], exists: true, problems: [] });
  });

  test('a file given as the directory, or a path through a file, is a not-a-directory problem', async () => {
    const dir = await tree('f', { 'x.yaml': 'x' });
    for (const p of [join(dir, 'x.yaml'), join(dir, 'x.yaml', 'sub')]) {
      const r = await readConfigDir(p);
      expect(r.files).toEqual([]);
      expect(r.problems.map((d) => d.code)).toEqual(['not-a-directory']);
      expect(r.problems[0].message).toContain('not a directory');
    }
  });
});

test('isConfigFileName', () => {
  expect(['a.yaml', 'a.yml', 'a.b.yaml'].map(isConfigFileName)).toEqual([true, true, true]);
  expect(['.a.yaml', 'a.yaml~', 'a.yaml.swp', '.#a.yaml', 'a.json', 'yaml'].map(isConfigFileName)).toEqual([false, false, false, false, false, false]);
});

describe('readConfigDir does not queue behind the thread pool (issue 16)', () => {
  test('a directory is read while every libuv worker is busy (a watcher resync on a busy host)', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 50; i++) files[`c${i}.yaml`] = `kind: Container\nname: c${i}\n`;
    const dir = await tree('busy-pool', files);
    const { pbkdf2 } = await import('node:crypto');
    const { promisify } = await import('node:util');
    const size = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    let busyDone = 0;
    // each worker busy for a while (hundreds of ms)
    const busy = Array.from({ length: size }, () => promisify(pbkdf2)('x', 'y', 300_000, 32, 'sha256').then(() => busyDone++));
    const r = await readConfigDir(dir);
    const doneWhenRead = busyDone;
    await Promise.all(busy);
    expect(r.files).toHaveLength(50);
    expect(doneWhenRead).toBe(0);
  });
});

describe('readConfigDir reads each file whole, as readFileSync does', () => {
  test('large files (past the read buffer), multi-byte characters, a byte-order mark, an empty file', async () => {
    const { readFileSync } = await import('node:fs');
    const big = `# ${'é€😀x'.repeat(60_000)}\nkind: Container\nname: big\n`;
    const dir = await tree('whole', { 'a.yaml': big, 'b.yaml': '\uFEFFkind: Network\nname: n\n', 'c.yaml': '', 'd.yaml': 'x'.repeat(65536) });
    const r = await readConfigDir(dir);
    expect(r.files.map((f) => f.text)).toEqual(['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml'].map((n) => readFileSync(join(dir, n), 'utf8')));
    expect(r.files[0].text).toBe(big);
    // and again, after the big file: the buffer is reused, nothing of an earlier file leaks into a later one
    const again = await readConfigDir(dir);
    expect(again.files).toEqual(r.files);
  });
});
