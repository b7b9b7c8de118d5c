// One registry of diagnostic codes (src/model/diagnostic-codes.ts), documented
// for users in docs/diagnostics.md. The table there is generated from the
// registry; regenerate with `NK_WRITE_DOCS=1 npx vitest run test/unit/model/diagnostic-codes.test.ts`.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DIAGNOSTIC_CODES } from '../../../src/model/diagnostic-codes.js';

const ROOT = join(import.meta.dirname, '../../..');
const DOC = join(ROOT, 'docs/diagnostics.md');
const BEGIN = '<!-- codes:begin (generated from src/model/diagnostic-codes.ts) -->';
const END = '<!-- codes:end -->';

function table(): string {
  const rows = Object.entries(DIAGNOSTIC_CODES).map(
    ([code, info]) => `| \`${code}\` | ${info.stage === 'files' ? 'files' : 'files + kernel'} | ${info.meaning.replace(/\|/g, '\\|')} |`,
  );
  return [BEGIN, '| code | decided from | meaning |', '|---|---|---|', ...rows, END].join('\n');
}

if (process.env.NK_WRITE_DOCS) {
  const text = readFileSync(DOC, 'utf8');
  const i = text.indexOf(BEGIN);
  const j = text.indexOf(END);
  writeFileSync(DOC, text.slice(0, i) + table() + text.slice(j + END.length));
}

function srcFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? srcFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('diagnostic codes', () => {
  test('docs/diagnostics.md lists every code, with the meaning the registry gives', () => {
    const text = readFileSync(DOC, 'utf8');
    expect(text).toContain(table());
  });

  test('codes are kebab-case and every one is produced somewhere in src/', () => {
    const src = srcFiles(join(ROOT, 'src'))
      .filter((f) => !f.endsWith('diagnostic-codes.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    for (const code of Object.keys(DIAGNOSTIC_CODES)) {
      expect(code).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(src.includes(`'${code}'`), `${code} is registered but nothing produces it`).toBe(true);
    }
  });
});
