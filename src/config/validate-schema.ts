// Schema check of each document against its kind's JSON Schema (ajv): a valid
// document comes out typed by its kind (the type derived from the same schema,
// schemas.ts); an invalid one as diagnostics worded by schema-messages.ts (pure).

import type { ValidateFunction } from 'ajv';
import type { Diagnostic } from '../model/diagnostic.js';
import { clip, echo } from '../model/diagnostic-bounds.js';
import { posAt, type RawDoc } from './documents.js';
import { describe } from './schema-messages.js';
import { isKind, KINDS, type Kind, type RawDocuments } from './schemas.js';
import * as precompiled from './validators.gen.js';

export { fieldName } from './schema-messages.js';

// ajv's standalone code for the schemas (validators.gen.ts, generated from schemas.ts by
// schema-code.ts with all errors, verbose, strict; formats in schema-formats.ts): compiling
// them at start-up cost every command ~0.1-0.3 s. ajv's type guard is where the schema is
// trusted to match the type derived from it.
const validators = precompiled as unknown as { [K in Kind]: ValidateFunction<RawDocuments[K]> };

/** A document valid against its kind's schema, typed by that schema. */
export type TypedDoc<K extends Kind = Kind> = {
  [P in K]: {
    kind: P;
    raw: RawDoc;
    /** the document's data, valid against its kind's schema */
    data: RawDocuments[P];
  };
}[K];

export function objectLabel(kind: string, data: unknown): string {
  const name = data && typeof data === 'object' && 'name' in data ? data.name : undefined;
  return typeof name === 'string' ? `${kind} ${clip(name)}` : kind;
}

export function checkSchemas(docs: RawDoc[]): { typed: TypedDoc[]; errors: Diagnostic[] } {
  const typed: TypedDoc[] = [];
  const errors: Diagnostic[] = [];
  for (const raw of docs) {
    const r = checkSchema(raw);
    if (r.typed) typed.push(r.typed);
    errors.push(...r.errors);
  }
  return { typed, errors };
}

/** One document against its kind's schema: typed when valid, else its errors (at most `limit` described, the rest counted). */
export function checkSchema(raw: RawDoc, limit = Infinity): { typed?: TypedDoc; errors: Diagnostic[]; more: number } {
  const data = raw.value;
  const fail = (message: string, pos: Diagnostic['pos']) => ({ errors: [{ code: 'schema' as const, message, ...(pos ? { pos } : {}) }], more: 0 });
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return fail('a document must be a mapping with `kind` and `name`', posAt(raw, []));
  const kind = 'kind' in data ? data.kind : undefined;
  if (kind === undefined) return fail('missing required field "kind" (one of ' + KINDS.join(', ') + ')', posAt(raw, []));
  if (!isKind(kind)) return fail(`unknown kind ${echo(kind)}: expected one of ${KINDS.join(', ')}`, posAt(raw, ['kind']));
  return checkKind(kind, raw, data, limit);
}

function checkKind<K extends Kind>(k: K, raw: RawDoc, data: object, limit: number): { typed?: TypedDoc<K>; errors: Diagnostic[]; more: number } {
  const validate = validators[k];
  if (validate(data)) return { typed: { kind: k, raw, data }, errors: [], more: 0 };
  const label = objectLabel(k, data);
  const seen = new Set<string>();
  const errors: Diagnostic[] = [];
  let more = 0;
  for (const e of validate.errors ?? []) {
    if (errors.length >= limit) {
      more++; // counted, not described (ajv's own errors may hold a few repeats)
      continue;
    }
    const d = describe(e, k, raw);
    if (!d) continue;
    const diag: Diagnostic = { ...d, object: label };
    const key = `${diag.pos?.line}:${diag.pos?.col}:${diag.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(diag);
  }
  return { errors, more };
}
