// schemas/*.json are the public contract: the editor form (src/config/editor-schema.ts)
// of the schemas the validator compiles (src/config/schemas.ts). They must be equal.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';
import { COMBINED_SCHEMA, COMBINED_SCHEMA_FILE, EDITOR_SCHEMAS } from '../../../src/config/editor-schema.js';
import { KINDS, SCHEMA_FILES } from '../../../src/config/schemas.js';

const dir = join(import.meta.dirname, '../../../schemas');
const FILES: [string, Record<string, unknown>][] = [
  ...KINDS.map((k): [string, Record<string, unknown>] => [SCHEMA_FILES[k], EDITOR_SCHEMAS[k]]),
  [COMBINED_SCHEMA_FILE, COMBINED_SCHEMA],
];

if (process.env.NK_WRITE_SCHEMAS) {
  mkdirSync(dir, { recursive: true });
  for (const [file, schema] of FILES) writeFileSync(join(dir, file), JSON.stringify(schema, null, 2) + '\n');
}

function fileSchema(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
}

describe('schemas/*.json', () => {
  for (const [file, schema] of FILES) {
    test(`${file} equals the editor form of the schema the validator uses`, () => {
      expect(fileSchema(file)).toEqual(schema);
    });
  }

  test('every file compiles with a plain ajv 8 (strict), no custom formats registered', () => {
    const ajv = new Ajv({ strict: true, allErrors: true });
    for (const [file] of FILES) expect(() => ajv.compile(fileSchema(file)), file).not.toThrow();
  });

  test("no file uses a `format` (editors know few, netkeeper's own none)", () => {
    for (const [file] of FILES) expect(readFileSync(join(dir, file), 'utf8'), file).not.toMatch(/"format"/);
  });

  test('additionalProperties is false on every object and every property has a description', () => {
    const problems: string[] = [];
    const walk = (s: unknown, path: string) => {
      if (!s || typeof s !== 'object') return;
      const o = s as Record<string, unknown>;
      if (o.type === 'object' && o.properties && o.additionalProperties !== false && path !== COMBINED_SCHEMA_FILE) {
        problems.push(`${path}: additionalProperties`);
      }
      if (o.properties) {
        for (const [name, p] of Object.entries(o.properties as Record<string, Record<string, unknown>>)) {
          if (typeof p.description !== 'string' && !path.includes('/if')) problems.push(`${path}.${name}: no description`);
        }
      }
      for (const [key, v] of Object.entries(o)) walk(v, `${path}/${key}`);
    };
    for (const [file] of FILES) walk(fileSchema(file), file);
    expect(problems).toEqual([]);
  });
});
