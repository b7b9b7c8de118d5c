// Validate an output against schemas/<name>.schema.json (ajv 8, strict): the list of problems, empty when valid.
// Union types ("type": ["string", "number"]) are standard JSON Schema; ajv's strict mode only prefers to be told they are meant.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';

export function validator(name: string): (x: unknown) => string[] {
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, `../../schemas/${name}.schema.json`), 'utf8')) as object;
  const v = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true }).compile(schema);
  return (x) => (v(x) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
}
