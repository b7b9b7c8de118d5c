// The config cache on disk and in memory (src/shell/config-cache.ts): a second
// process with the same files gets the validated Config from disk; one document added
// parses one chunk; a corrupt, partial or foreign cache is ignored; invalid input is
// never written; every answer equals parseConfig's.
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type SourceFile } from '../../../src/config/index.js';
import { ConfigCache } from '../../../src/shell/config-cache.js';
import { configCache, keepConfigCacheOnDisk, loadConfig } from '../../../src/shell/load.js';

function fleet(n: number): string {
  const docs = ['kind: Network\nname: a\ninterface: br-a\nsubnets:\n  - subnet: 10.88.0.0/16\n    gateway: 10.88.0.1\n'];
  for (let i = 0; i < n; i++)
    docs.push(`kind: Container\nname: c${i}\nnetworks:\n  - network: a\n    ip: 10.88.${i >> 8}.${(i & 255) + 2}\nports:\n  - "${20000 + i}:80"\n`);
  // a warning, so that warnings are shown to come back too
  docs.push('kind: Network\nname: b\ninterface: br-b\nsubnets:\n  - subnet: 10.89.0.0/16\n');
  docs.push('kind: Container\nname: w\nnetworks:\n  - network: b\n    ip: 10.89.0.9\nlinks:\n  - c0\n');
  return docs.join('---\n');
}

let run: string;
beforeEach(async () => {
  run = await mkdtemp(join(tmpdir(), 'nk-cc-'));
});
afterEach(async () => {
  await rm(run, { recursive: true, force: true });
});

const same = (a: unknown, b: unknown) => {
  if (!isDeepStrictEqual(a, b)) expect(b).toEqual(a);
  expect(isDeepStrictEqual(a, b)).toBe(true);
};

describe('ConfigCache on disk', () => {
  const files: SourceFile[] = [{ path: 'nd/all.yaml', text: fleet(200) }];

  it('writes after a valid load; a new process with the same bytes takes the Config from disk, warnings included', async () => {
    const want = parseConfig(files);
    expect(want.ok && want.warnings?.map((w) => w.code)).toEqual(['link-no-common-network']);
    const first = new ConfigCache(run);
    same(want, await first.parse(files));
    expect(first.lastStats).toMatchObject({ config: 'parsed', parsed: 203, hits: 0 });
    expect((await stat(join(run, 'cache', 'config.json'))).isFile()).toBe(true);
    const second = new ConfigCache(run);
    same(want, await second.parse(files));
    expect(second.lastStats?.config).toBe('disk');
    // in memory now: a fresh copy each time
    const a = await second.parse(files);
    expect(second.lastStats?.config).toBe('memory');
    if (a.ok) a.value.containers.length = 0;
    same(want, await second.parse(files));
  });

  it('one document added: the other chunks come from disk, one is parsed', async () => {
    await new ConfigCache(run).parse(files);
    const added = [{ path: 'nd/all.yaml', text: `${files[0].text}---\nkind: Container\nname: new\nnetworks:\n  - network: a\n    ip: 10.88.9.9\n` }];
    const c = new ConfigCache(run);
    same(parseConfig(added), await c.parse(added));
    expect(c.lastStats).toMatchObject({ config: 'parsed', parsed: 1, hits: 203, whole: 0 });
  });

  it('ignores a partial, corrupt or foreign cache', async () => {
    await new ConfigCache(run).parse(files);
    const cfg = join(run, 'cache', 'config.json');
    const docs = join(run, 'cache', 'documents.json');
    const good = await readFile(cfg, 'utf8');
    const goodDocs = await readFile(docs, 'utf8');
    const want = parseConfig(files);
    const cases: [string, string][] = [
      [good.slice(0, good.length - 100), goodDocs], // cut short
      [good.replace('"ok":true', '"ok":tru'), goodDocs.slice(0, 1000)],
      [good.replace(/"identity":"[0-9a-f]+"/, '"identity":"other"'), goodDocs.replace(/"identity":"[0-9a-f]+"/, '"identity":"other"')],
      ['', '{"format":1,"identity":"x","chunks":{"a":[{"value":1,"pos":"no"}]}}'],
      ['\0\0\0', 'null'],
    ];
    for (const [c, d] of cases) {
      await writeFile(cfg, c);
      await writeFile(docs, d);
      const cache = new ConfigCache(run);
      same(want, await cache.parse(files));
      expect(cache.lastStats?.config).toBe('parsed');
    }
    // a chunk entry whose text is right but content wrong is never met: keys are the chunks' hashes
    await rm(join(run, 'cache'), { recursive: true });
    same(want, await new ConfigCache(run).parse(files)); // deleting it is always safe
  });

  it('never writes invalid input, and keeps the last good cache', async () => {
    const bad = [{ path: 'nd/all.yaml', text: `${files[0].text}---\nkind: Container\nname: c1\n` }];
    const c = new ConfigCache(run);
    expect((await c.parse(bad)).ok).toBe(false);
    await expect(stat(join(run, 'cache', 'config.json'))).rejects.toThrow();
    await c.parse(files);
    const before = await readFile(join(run, 'cache', 'config.json'), 'utf8');
    same(parseConfig(bad), await new ConfigCache(run).parse(bad));
    expect(await readFile(join(run, 'cache', 'config.json'), 'utf8')).toBe(before);
  });

  it('an unwritable run dir costs nothing but the cache', async () => {
    await writeFile(join(run, 'cache'), 'a file where the folder would be');
    const c = new ConfigCache(run);
    same(parseConfig(files), await c.parse(files));
  });
});

describe('loadConfig', () => {
  it('keeps the cache on disk once told to (short-lived commands), in memory otherwise', async () => {
    const dir = join(run, 'nd');
    await mkdir(dir);
    await writeFile(join(dir, 'all.yaml'), fleet(20));
    keepConfigCacheOnDisk(join(run, 'state'));
    const a = await loadConfig(dir, false);
    expect(a.ok).toBe(true);
    expect((await stat(join(run, 'state', 'cache', 'config.json'))).isFile()).toBe(true);
    const b = await loadConfig(dir, false);
    expect(configCache().lastStats?.config).toBe('memory');
    same(a, b);
  });
});
