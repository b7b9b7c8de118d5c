// schemas/*.json are the public contract; src/config/schemas.ts is what the
// validator compiles. They must be the same objects.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';
import { KINDS, SCHEMAS, SCHEMA_FILES } from '../../../src/config/schemas.js';

const dir = join(import.meta.dirname, '../../../schemas');

if (process.env.NK_WRITE_SCHEMAS) {
  mkdirSync(dir, { recursive: true });
  for (const k of KINDS) writeFileSync(join(dir, SCHEMA_FILES[k]), JSON.stringify(SCHEMAS[k], null, 2) + '\n');
}

function fileSchema(k: (typeof KINDS)[number]): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, SCHEMA_FILES[k]), 'utf8')) as Record<string, unknown>;
}

describe('schemas/*.json', () => {
  for (const k of KINDS) {
    test(`${SCHEMA_FILES[k]} equals the schema the validator uses`, () => {
      expect(fileSchema(k)).toEqual(SCHEMAS[k]);
    });
  }

  test('every file compiles with a plain ajv 8 (strict) given the custom formats', () => {
    const ajv = new Ajv({ strict: true, allErrors: true });
    for (const f of ['ipv4', 'ipv6', 'ip-address', 'cidr', 'route-destination']) ajv.addFormat(f, true);
    for (const k of KINDS) expect(() => ajv.compile(fileSchema(k))).not.toThrow();
  });

  test('additionalProperties is false on every object and every property has a description', () => {
    const problems: string[] = [];
    const walk = (s: unknown, path: string) => {
      if (!s || typeof s !== 'object') return;
      const o = s as Record<string, unknown>;
      if (o.type === 'object' && o.properties && o.additionalProperties !== false) problems.push(`${path}: additionalProperties`);
      if (o.properties) {
        for (const [name, p] of Object.entries(o.properties as Record<string, Record<string, unknown>>)) {
          if (typeof p.description !== 'string') problems.push(`${path}.${name}: no description`);
        }
      }
      for (const [key, v] of Object.entries(o)) walk(v, `${path}/${key}`);
    };
    for (const k of KINDS) walk(fileSchema(k), SCHEMA_FILES[k]);
    expect(problems).toEqual([]);
  });
});
