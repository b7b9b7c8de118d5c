// The fast reader of plain YAML (src/config/fast-yaml.ts) answers a chunk exactly as
// the `yaml` package does through readChunk — the same values and position tables —
// or not at all: over the examples' chunks, hand-written edge cases, and thousands of
// random documents built from YAML's tricky pieces.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { rng } from '../../helpers/rng.js';
import { fastChunk } from '../../../src/config/fast-yaml.js';
import { readChunk, readChunkWithYaml, splitChunks } from '../../../src/config/doc-cache.js';

const ROOT = join(import.meta.dirname, '../../..');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? yamlFiles(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** fastChunk answers what yaml answers (when it answers); true when it did. */
function same(text: string): boolean {
  const fast = fastChunk(text);
  if (fast === undefined) return false;
  const slow = readChunkWithYaml(text);
  if (!isDeepStrictEqual(fast, slow)) expect({ text, fast }).toEqual({ text, fast: slow });
  return true;
}

describe('fastChunk', () => {
  it("answers most of the examples' documents, each exactly as yaml does", () => {
    let chunks = 0;
    let answered = 0;
    for (const p of yamlFiles(join(ROOT, 'examples'))) {
      for (const c of splitChunks(readFileSync(p, 'utf8')) ?? []) {
        chunks++;
        if (same(c.text)) answered++;
      }
    }
    expect(chunks).toBeGreaterThan(20);
    expect(answered).toBeGreaterThan(chunks / 3);
  });

  it('answers the plain shapes, and the generated 1000-container documents', () => {
    const plain = [
      'kind: Container\nname: c0\nnetworks:\n  - network: front\nports:\n  - 8080:80\n',
      'kind: Container\nname: c1\nnetworks:\n  - network: back\n    ip: 10.81.0.3\nports:\n  - "20001:80"\n',
      'a:\n- x\n- y\nb: 1\n',
      '- a:\n  - x\n',
      '- a: 1\n  b: "q"\n- c\n',
      "a:\n  b:\n    c: d e\n  # c\n  f: 'g'\n",
      'a: 007\nb: true\nc: False\nd:\n',
      'a:\n    - x\n    -   y\n',
      '- a:\n  b: 2\n',
      '# head\n\nkind: Network   \nname:    n\n\n# tail\n',
      'a: x:y\nb: /p/q\nc: a=b,c (d) @e %f +g\n',
      'a: 1 # comment\nb: "x" # c\nc: # c\n  - y # c\n  - [p, "8080:80", 3] # c\nd: []\ne: [ x ]\n',
      '# a comment with → and é in it\nkind: Expect\n',
      'a: [1, [2, [x]], {b: [c]}]\n',
      'networks: [{network: apps, ip: 10.30.0.10}, {network: db}]\ndns: {servers: [10.0.0.2], search: [example.com], options: ["ndots:2"]}\nx: {}\n',
    ];
    for (const t of plain) expect(same(t), t).toBe(true);
  });

  it('declines what it does not read, and yaml reads it', () => {
    const declined = [
      '',
      '# only a comment\n',
      '  a: 1\n',
      'a: b#c\n',
      'a: [1, ]\n',
      'a: [a: b]\n',
      'a: [x, y: z]\n',
      'a: {x}\n',
      'a: {x: }\n',
      'a: {x:1}\n',
      'a: {x: 1,}\n',
      'a: {"x": 1}\n',
      'a: {x: 1, x: 2}\n',
      'a: {x: 1\n',
      'a: {x: 1} y\n',
      'a: {true: 1}\n',
      'a: [{x: 1}, {y: z: w}]\n',
      'a: "x" y\n',
      'a: [1, 2] z\n',
      'a: [1,\n  2]\n',
      '- # c\n  a: 1\n',
      'a: 1 \u2028# c\n',
      '# \u0085\na: 1\n',
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: |\n  x\n',
      'a: b\n  c\n',
      'a: 1.5\n',
      'a: 0x1F\n',
      'a: ~\n',
      'a: null\n',
      'a: "x\\ty"\n',
      "a: 'it''s'\n",
      'a: 1\na: 2\n',
      'null: 1\n',
      '__proto__: 1\n',
      'a:\tb\n',
      'a: é\n',
      'a: b: c\n',
      '-\n  a: 1\n',
      '- - x\n',
      'a:\n  - x\n b: 1\n',
      '"a": 1\n',
      'a: 1\n---\nb: 2\n',
      'a: 12345678901234567890\n',
    ];
    for (const t of declined) {
      expect(fastChunk(t), t).toBeUndefined();
      expect(readChunk(t)).toEqual(readChunkWithYaml(t));
    }
  });

  // random documents from YAML's pieces: whatever fastChunk answers, yaml answers the same
  const N = Number(process.env.NK_FAST_YAML_CASES ?? 4000);
  it(`over ${N} random documents`, () => {
    const r = rng(Number(process.env.NK_CACHE_SEED ?? 16));
    const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
    const keys = ['a', 'b', 'kind', 'name', 'x.y', 'a-b', 'k_1', 'a/b', 'true', 'Null', 'on', 'y', 'a:b', '__proto__', '1', '-a'];
    const scalars = [
      'x',
      'x y',
      '1',
      '0',
      '007',
      '-1',
      '+1',
      '1.5',
      '1e3',
      '.5',
      '0x1f',
      '0o7',
      'true',
      'False',
      'null',
      '~',
      'yes',
      'on',
      '10.0.0.1',
      '10.0.0.0/16',
      '8080:80',
      'a:b',
      'a: b',
      'a #b',
      'a#b',
      '"q"',
      "'q'",
      '"a\\"b"',
      "'a''b'",
      '"',
      "'",
      '""',
      "''",
      '[]',
      '{}',
      '&a x',
      '*a',
      '!t x',
      '|',
      '>',
      '-',
      '- x',
      '?',
      '%x',
      '@x',
      '`x',
      'x:',
      ':x',
      'é',
      'x  ',
      '',
      ' x',
      '[a, b]',
      '["8080:80", 2]',
      '[ x ]',
      '[a,b]',
      '[1, ]',
      '[a: b]',
      '[a, [b]]',
      '[a:b]',
      '[\'q\', "r"]',
      '[x y, 1.5]',
      '[true, null]',
      'x # c',
      '"q" # c',
      "'q'#c",
      '[x] # c',
      '[x]#c',
      'x #',
      '#c',
      '# c',
      'x # é',
      '{a: 1}',
      '{network: x, ip: 10.0.0.1}',
      '[{a: b}, {c: "d"}]',
      '{a: [1, 2]}',
      '{a}',
      '{a: }',
      '{a:b}',
      '{a: 1,}',
      '{ }',
      '{true: 1}',
      '{a: b: c}',
      '{a: 1} # c',
    ];
    const indents = ['', ' ', '  ', '   ', '    ', '\t'];
    let answered = 0;
    for (let n = 0; n < N; n++) {
      const lines: string[] = [];
      const count = 1 + Math.floor(r() * 7);
      for (let i = 0; i < count; i++) {
        const ind = i === 0 && r() < 0.8 ? '' : pick(indents);
        const kind = r();
        if (kind < 0.45) lines.push(`${ind}${pick(keys)}: ${pick(scalars)}`);
        else if (kind < 0.6) lines.push(`${ind}${pick(keys)}:`);
        else if (kind < 0.75) lines.push(`${ind}- ${pick(scalars)}`);
        else if (kind < 0.88) lines.push(`${ind}- ${pick(keys)}: ${pick(scalars)}`);
        else if (kind < 0.93) lines.push(`${ind}- ${pick(keys)}:`);
        else if (kind < 0.97) lines.push(`${ind}# ${pick(scalars)}`);
        else lines.push(ind);
      }
      if (same(lines.join('\n') + (r() < 0.8 ? '\n' : ''))) answered++;
    }
    expect(answered).toBeGreaterThan(N / 40); // most random documents are not plain (or not YAML)
  });

  it(`over ${N} random well-formed trees (block style, random indents, comments and blank lines)`, () => {
    const r = rng(Number(process.env.NK_CACHE_SEED ?? 16) + 1);
    const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
    const keys = ['a', 'b', 'kind', 'name', 'x.y', 'a-b', 'k_1', 'a/b', 'ports', 'networks', 'ip', 'True', 'on', 'Yes'];
    const scalars = [
      'x',
      'x y',
      '1',
      '0',
      '007',
      '12345678901234567',
      '1.5',
      'true',
      'FALSE',
      'null',
      '~',
      'yes',
      'off',
      '10.0.0.1',
      '10.0.0.0/16',
      '8080:80',
      'a:b',
      '"8080:80"',
      "'q'",
      '""',
      'x:',
      'a #b',
      '2001:db8::1',
      'br-front',
      'c0',
      '-1',
      '0o17',
      '1_000',
      '[a, b]',
      '["8080:80", 53]',
      '[]',
      '[ x , y ]',
      '[10.0.0.0/8]',
      'x # note',
      '"q" # note',
      '[a] # note',
      '# note',
      '{network: x, ip: 10.0.0.1}',
      '[{a: b}, {c: [1, "d"]}]',
      '{}',
      '{ a: x y }',
    ];
    let answered = 0;
    for (let n = 0; n < N; n++) {
      const out: string[] = [];
      const step = 1 + Math.floor(r() * 4);
      const noise = () => {
        if (r() < 0.05) out.push('');
        if (r() < 0.05) out.push(`${' '.repeat(Math.floor(r() * 6))}# note`);
      };
      // a value after "key:" (on the next lines) or as a sequence item
      const block = (ind: number, depth: number, first: string | undefined): void => {
        const seq = r() < 0.4;
        const count = 1 + Math.floor(r() * 3);
        for (let i = 0; i < count; i++) {
          const lead = i === 0 && first !== undefined ? first : ' '.repeat(ind);
          noise();
          if (seq) {
            if (r() < 0.5 || depth > 2) out.push(`${lead}- ${pick(scalars)}`);
            else {
              const inner = ind + 2;
              out.push(`${lead}- ${pick(keys)}: ${pick(scalars)}`);
              if (r() < 0.5) out.push(`${' '.repeat(inner)}${pick(keys)}: ${pick(scalars)}`);
            }
          } else {
            const k = pick(keys);
            if (r() < 0.6 || depth > 2) out.push(`${lead}${k}: ${r() < 0.1 ? '' : pick(scalars)}`.trimEnd());
            else {
              out.push(`${lead}${k}:`);
              const sameIndentSeq = r() < 0.2;
              block(sameIndentSeq ? ind : ind + step, depth + 1, undefined);
            }
          }
        }
      };
      block(0, 0, undefined);
      if (same(`${out.join('\n')}\n`)) answered++;
    }
    expect(answered).toBeGreaterThan(N / 4);
  });
});
