// The schemas as published in schemas/ for editors and other tools (pure): the same
// schemas netkeeper validates with, with its custom formats swapped for patterns
// every JSON Schema tool understands, plus one combined schema that picks the kind's
// schema by `kind`, so a file of several documents of several kinds validates
// (yaml-language-server checks each document of a file against it).
// netkeeper itself keeps the formats: they parse addresses exactly as the kernel
// does and word the errors; the patterns agree with them (test/unit/config/editor-schema.test.ts).

import { DEFS, type Schema } from './schema-defs.js';
import { KINDS, SCHEMAS, type Kind } from './schemas.js';

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const IPV4 = `${OCTET}(\\.${OCTET}){3}`;
const H = '[0-9A-Fa-f]{1,4}';

/** IPv6 in every RFC 4291 text form: n groups (8, or 6 before a dotted IPv4 tail), or fewer around one "::". */
function ipv6(groups: number, tail: string): string {
  const sep = tail ? ':' : '';
  const alts = [`(${H}:){${groups - 1}}${H}${sep}${tail}`];
  for (let left = 0; left < groups; left++) {
    const l = left === 0 ? '' : left === 1 ? H : `(${H}:){${left - 1}}${H}`;
    const maxRight = groups - 1 - left;
    const r = maxRight === 0 ? '' : `(${H}(:${H}){0,${maxRight - 1}})?`;
    // "::" then up to maxRight groups; before an IPv4 tail a right part needs its own ":"
    alts.push(tail ? `${l}::${maxRight === 0 ? '' : `(${H}:){0,${maxRight}}`}${tail}` : `${l}::${r}`);
  }
  return alts.join('|');
}
const IPV6 = `${ipv6(8, '')}|${ipv6(6, IPV4)}`;
const PREFIX4 = '(3[0-2]|[12]?[0-9])';
const PREFIX6 = '(12[0-8]|1[01][0-9]|[1-9]?[0-9])';
const CIDR = `(${IPV4})/${PREFIX4}|(${IPV6})/${PREFIX6}`;

/** netkeeper's custom formats, as patterns. */
export const FORMAT_PATTERNS: Record<string, string> = {
  'ip-address': `^(${IPV4}|${IPV6})$`,
  cidr: `^(${CIDR})$`,
  'route-destination': `^(default|${CIDR})$`,
};

/** A deep copy of `s` with each custom `format` replaced, in place, by its pattern. */
export function forEditors<T>(s: T): T {
  if (Array.isArray(s)) return s.map(forEditors) as T;
  if (s === null || typeof s !== 'object') return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'format' && typeof v === 'string' && v in FORMAT_PATTERNS) out.pattern = FORMAT_PATTERNS[v];
    else out[k] = forEditors(v);
  }
  return out as T;
}

/** schemas/<kind>.schema.json */
export const EDITOR_SCHEMAS: Record<Kind, Schema> = Object.fromEntries(KINDS.map((k) => [k, forEditors(SCHEMAS[k])])) as Record<Kind, Schema>;

export const COMBINED_SCHEMA_FILE = 'netkeeper.schema.json';

/** One kind's schema as a definition of the combined schema (its own `$schema`, `$id` and `definitions` dropped). */
function asDefinition(k: Kind): Schema {
  const { $schema: _s, $id: _i, definitions: _d, ...body } = EDITOR_SCHEMAS[k];
  return body;
}

/** schemas/netkeeper.schema.json: any document of networks.d, its schema chosen by `kind`. */
export const COMBINED_SCHEMA: Schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: `https://netkeeper.invalid/schemas/${COMBINED_SCHEMA_FILE}`,
  title: 'netkeeper document',
  description:
    'One document of a networks.d file, of any kind: `kind` selects the schema. For editors: put ' +
    '"# yaml-language-server: $schema=<path to schemas>/netkeeper.schema.json" at the top of a file.',
  type: 'object',
  required: ['kind'],
  properties: {
    kind: { enum: [...KINDS], description: 'What the document declares: Network, Container, Link, Host, Settings or Expect.' },
  },
  allOf: KINDS.map((k) => ({
    if: { properties: { kind: { const: k } }, required: ['kind'] },
    then: { $ref: `#/definitions/${k}` },
  })),
  definitions: {
    ...forEditors(DEFS),
    ...Object.fromEntries(KINDS.map((k) => [k, asDefinition(k)])),
  },
};
