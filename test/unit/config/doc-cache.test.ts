// The content-keyed document cache gives exactly what parsing gives: the same steps,
// values, errors, warnings and positions (posAt over every path of every document),
// and the same parseConfig Result, over the examples and thousands of random edits.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { rng } from '../../helpers/rng.js';
import { parseConfig } from '../../../src/config/index.js';
import { posAt, readDocuments, type Path, type RawDoc, type ReadStep, type SourceFile } from '../../../src/config/documents.js';
import { copy, jsonSafe, MemoryChunkStore, readDocumentsCached, splitChunks, type ChunkStats } from '../../../src/config/doc-cache.js';

const ROOT = join(import.meta.dirname, '../../..');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Each example directory as the loader reads it. */
const EXAMPLES: SourceFile[][] = readdirSync(join(ROOT, 'examples'))
  .map((d) => yamlFiles(join(ROOT, 'examples', d)).map((p) => ({ path: relative(ROOT, p), text: readFileSync(p, 'utf8') })))
  .filter((fs) => fs.length > 0);

/** Every path into a value, plus a missing field and a missing item under each. */
function paths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at, [...at, 'nosuchfield'], [...at, 99]);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const k of Object.keys(v)) paths((v as Record<string, unknown>)[k], [...at, k], out);
  return out;
}

function sameDoc(a: RawDoc, b: RawDoc): void {
  if (b.file !== a.file || !isDeepStrictEqual(b.value, a.value)) expect([b.file, b.value]).toEqual([a.file, a.value]);
  const ps = paths(a.value);
  const where = (d: RawDoc) => ps.flatMap((p) => [posAt(d, p), posAt(d, p, true)]);
  const [wa, wb] = [where(a), where(b)];
  if (!isDeepStrictEqual(wa, wb)) expect(wb).toEqual(wa);
}

/** A step that says something (an empty document's step holds nothing, and the cache skips it). */
const full = (s: ReadStep) => s.doc !== undefined || s.errors.length > 0 || s.warnings.length > 0;

/** readDocuments with and without the store: step for step the same. */
function compareSteps(files: SourceFile[], store: MemoryChunkStore, stats?: ChunkStats): void {
  const plain = [...readDocuments(files)].filter(full);
  const cached = [...readDocumentsCached(files, store, stats)].filter(full);
  if (cached.length !== plain.length) expect(cached.length).toBe(plain.length);
  plain.forEach((s, i) => {
    const c = cached[i];
    if (!isDeepStrictEqual([c.errors, c.warnings, c.doc === undefined], [s.errors, s.warnings, s.doc === undefined]))
      expect([c.errors, c.warnings, c.doc === undefined]).toEqual([s.errors, s.warnings, s.doc === undefined]);
    if (s.doc && c.doc) sameDoc(s.doc, c.doc);
  });
}

function compareResults(files: SourceFile[], store: MemoryChunkStore): void {
  const a = parseConfig(files);
  const b = parseConfig(files, { store });
  if (!isDeepStrictEqual(a, b)) {
    expect(b).toEqual(a); // toEqual shows the difference
    expect.unreachable('the results differ in a way toEqual does not show (undefined fields, -0, prototypes)');
  }
}

const SNIPPETS = [
  '---\n',
  '\n---\n',
  '--- ',
  '---',
  '...\n',
  '%YAML 1.2\n',
  '\n',
  ' ',
  '  ',
  '\t',
  ':',
  ': ',
  '- ',
  '-',
  '"',
  "'",
  '#',
  '# c\n',
  '&a ',
  '*a',
  '<<: *a\n',
  '|',
  '|+\n',
  '>-\n',
  '{',
  '}',
  '[',
  ']',
  ',',
  '?',
  '!',
  '!!str ',
  '!foo ',
  '~',
  'null',
  '-0',
  '.nan',
  '.inf',
  '0x1F',
  '1e3',
  '\r\n',
  '\uFEFF',
  'é',
  'kind: Container\n',
  'name: x\n',
  'kind: Network\nname: n2\n',
  'ip: 10.0.0.300\n',
  'ports:\n  - "80:80"\n',
  '__proto__: 1\n',
  'a: 1\na: 2\n',
  '"1": a\n1: b\n',
];

function edit(text: string, r: () => number): string {
  const at = Math.floor(r() * (text.length + 1));
  const lines = text.split('\n');
  switch (Math.floor(r() * 6)) {
    case 0:
      return text.slice(0, at) + SNIPPETS[Math.floor(r() * SNIPPETS.length)] + text.slice(at);
    case 1:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(r() * 8));
    case 2: {
      const i = Math.floor(r() * lines.length);
      lines.splice(i, 0, lines[Math.floor(r() * lines.length)]);
      return lines.join('\n');
    }
    case 3: {
      const i = Math.floor(r() * lines.length);
      lines.splice(i, 1);
      return lines.join('\n');
    }
    case 4: // a whole document added or repeated
      return r() < 0.5 ? `${text}---\nkind: Container\nname: extra${at}\n` : `${text}---\n${text.split('---\n')[0]}`;
    default:
      return text.replace(/\d/, String(Math.floor(r() * 10)));
  }
}

describe('splitChunks', () => {
  it('cuts at lines that are exactly ---, keeping each chunk at its line', () => {
    expect(splitChunks('a: 1\n---\nb: 2\n---\n')).toEqual([
      { text: 'a: 1\n', lineBase: 0 },
      { text: 'b: 2\n', lineBase: 2 },
      { text: '', lineBase: 4 },
    ]);
    expect(splitChunks('--- # c\na: 1\n')).toEqual([{ text: '--- # c\na: 1\n', lineBase: 0 }]);
  });
  it('refuses what may tie documents together or move columns', () => {
    for (const t of ['%YAML 1.2\n---\na: 1\n', 'a: 1\n...\n---\nb: 2\n', 'a: 1\r\n---\r\n', '\uFEFFa: 1\n']) expect(splitChunks(t)).toBeUndefined();
  });
});

describe('jsonSafe', () => {
  it('takes only what JSON gives back as it was', () => {
    expect(jsonSafe({ a: [1, 'x', null, true, { b: 2 }] })).toBe(true);
    expect(jsonSafe(Object.create(null))).toBe(true);
    for (const v of [
      { a: undefined },
      new Array(3), // holes
      { a: -0 },
      NaN,
      Infinity,
      new Map(),
      new Date(0),
      1n,
      Object.defineProperty({}, 'x', { value: 1 }),
      { [Symbol()]: 1 },
    ])
      expect(jsonSafe(v)).toBe(false);
  });
});

describe('copy', () => {
  it('gives what structuredClone gives for plain JSON data, as a fresh copy (own __proto__ keys included)', () => {
    const values: unknown[] = [
      null,
      'x',
      0,
      1.5,
      true,
      [],
      {},
      [1, [2, { a: [3] }], 'b'],
      { kind: 'Container', name: 'c', networks: [{ network: 'n', ip: '10.0.0.2' }], ports: ['80:80'], labels: { a: null } },
      JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1, "toString": [2]}'),
      JSON.parse('[{"__proto__": [1]}]'),
    ];
    for (const v of values) {
      const c = copy(v);
      expect(isDeepStrictEqual(c, structuredClone(v))).toBe(true);
      expect(JSON.stringify(c)).toBe(JSON.stringify(v));
      if (v && typeof v === 'object') expect(c).not.toBe(v);
    }
    const o = copy(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('the cached reader equals the parser', () => {
  it('on every example: cold, then warm (every chunk a hit)', () => {
    const store = new MemoryChunkStore();
    for (const files of EXAMPLES) {
      compareSteps(files, store);
      const stats: ChunkStats = { hits: 0, parsed: 0, whole: 0 };
      compareSteps(files, store, stats);
      expect(stats.parsed).toBe(0);
      compareResults(files, store);
    }
  });

  it('on a 300-document file with one document added: the added chunk alone is parsed', () => {
    const docs = Array.from({ length: 300 }, (_, i) => `kind: Container\nname: c${i}\nnetworks:\n  - network: a\n    ip: 10.88.${i >> 8}.${(i & 255) + 2}\n`);
    const base = `kind: Network\nname: a\nsubnets:\n  - subnet: 10.88.0.0/16\n---\n${docs.join('---\n')}`;
    const store = new MemoryChunkStore();
    const files = [{ path: 'n/all.yaml', text: base }];
    compareResults(files, store);
    const added = [{ path: 'n/all.yaml', text: `${base}---\nkind: Container\nname: new\nnetworks:\n  - network: a\n    ip: 10.88.9.9\n` }];
    const stats: ChunkStats = { hits: 0, parsed: 0, whole: 0 };
    expect(isDeepStrictEqual(parseConfig(added, { store, stats }), parseConfig(added))).toBe(true);
    expect(stats).toEqual({ hits: 301, parsed: 1, whole: 0 });
  });

  it('cached values are copies: changing what one load gave does not change the next', () => {
    const store = new MemoryChunkStore();
    const files = EXAMPLES[0];
    const a = [...readDocumentsCached(files, store)];
    (a[0].doc!.value as Record<string, unknown>).name = 'changed';
    compareSteps(files, store);
  });

  // 3000 edits took ~80 s on the loaded 2-core VM: the suite runs 600, NK_CACHE_EDITS=3000 the full proof (NK_CACHE_SEED: other edits)
  const EDITS = Number(process.env.NK_CACHE_EDITS ?? 600);
  it(`over ${EDITS} random edits of the examples (one store shared by all: keyed by content alone)`, () => {
    const r = rng(Number(process.env.NK_CACHE_SEED ?? 16));
    const store = new MemoryChunkStore();
    let served = 0;
    for (let n = 0; n < EDITS; n++) {
      const files = EXAMPLES[n % EXAMPLES.length].map((f) => ({ ...f }));
      const f = files[Math.floor(r() * files.length)];
      const times = 1 + Math.floor(r() * 3);
      for (let i = 0; i < times; i++) f.text = edit(f.text, r);
      const stats: ChunkStats = { hits: 0, parsed: 0, whole: 0 };
      compareSteps(files, store, stats);
      compareResults(files, store);
      served += stats.hits;
    }
    expect(served).toBeGreaterThan(EDITS); // the cache did answer, and answered right
  }, 600_000);
});
