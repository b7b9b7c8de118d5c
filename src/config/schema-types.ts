// The raw (as-written) type of a document, derived from its JSON Schema at compile
// time: the schema is the one source, and a field added there is a field in the
// type. Covers the subset the schemas use: $ref into DEFS, if/then/else (the union
// of both branches), const, enum, object properties (required or optional), arrays,
// and string/integer/number/boolean. Keywords that only narrow values (pattern,
// minimum, minProperties, ...) are checked by ajv and do not show in the type.

import type { DEFS } from './schema-defs.js';

type Defs = typeof DEFS;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

type ObjectOf<P, R> = Simplify<{ -readonly [K in keyof P & R]: FromSchema<P[K]> } & { -readonly [K in Exclude<keyof P, R>]?: FromSchema<P[K]> }>;

export type FromSchema<S> = S extends { $ref: `#/definitions/${infer D}` }
  ? D extends keyof Defs
    ? FromSchema<Defs[D]>
    : never
  : S extends { if: unknown; then: infer T; else: infer E }
    ? FromSchema<T> | FromSchema<E>
    : S extends { const: infer C }
      ? C
      : S extends { enum: readonly (infer E)[] }
        ? E
        : S extends { properties: infer P }
          ? ObjectOf<P, S extends { required: readonly (infer R)[] } ? R : never>
          : S extends { type: 'array'; items: infer I }
            ? FromSchema<I>[]
            : S extends { type: 'string' }
              ? string
              : S extends { type: 'integer' | 'number' }
                ? number
                : S extends { type: 'boolean' }
                  ? boolean
                  : unknown;
