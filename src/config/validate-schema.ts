// Schema check of each document against its kind's JSON Schema (ajv), with
// errors mapped back to file:line:col and worded for people (pure).

import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Diagnostic } from '../model/diagnostic.js';
import { posAt, type Path, type RawDoc } from './documents.js';
import { parseCidr, parseIP } from '../model/ip.js';
import { parsePortString } from './ports.js';
import { KINDS, SCHEMAS, type Kind } from './schemas.js';
import { clip, echo, MAX_ECHO } from '../model/diagnostic-bounds.js';

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: true, allowUnionTypes: true });
ajv.addFormat('ipv4', { type: 'string', validate: (s: string) => parseIP(s)?.family === 4 });
ajv.addFormat('ipv6', { type: 'string', validate: (s: string) => parseIP(s)?.family === 6 });
ajv.addFormat('ip-address', { type: 'string', validate: (s: string) => parseIP(s) !== undefined });
ajv.addFormat('cidr', { type: 'string', validate: (s: string) => parseCidr(s) !== undefined });
ajv.addFormat('route-destination', { type: 'string', validate: (s: string) => s === 'default' || parseCidr(s) !== undefined });

// compiled on first use: compiling costs ~100 ms at start-up for all five kinds,
// and most directories use two or three of them
const validators = new Map<Kind, ValidateFunction>();
function validatorFor(k: Kind): ValidateFunction {
  let v = validators.get(k);
  if (!v) validators.set(k, (v = ajv.compile(SCHEMAS[k])));
  return v;
}

export interface TypedDoc {
  kind: Kind;
  raw: RawDoc;
  /** the document's data, valid against its kind's schema */
  data: Record<string, unknown>;
}

export function objectLabel(kind: string, data: unknown): string {
  const name = data && typeof data === 'object' ? (data as Record<string, unknown>).name : undefined;
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
  const v = raw.value;
  const fail = (message: string, pos: Diagnostic['pos']) => ({ errors: [{ code: 'schema' as const, message, ...(pos ? { pos } : {}) }], more: 0 });
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('a document must be a mapping with `kind` and `name`', posAt(raw, []));
  const data = v as Record<string, unknown>;
  const kind = data.kind;
  if (kind === undefined) return fail('missing required field "kind" (one of ' + KINDS.join(', ') + ')', posAt(raw, []));
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind)) {
    return fail(`unknown kind ${echo(kind)}: expected one of ${KINDS.join(', ')}`, posAt(raw, ['kind']));
  }
  const k = kind as Kind;
  const validate = validatorFor(k);
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

/** "/networks/0/ip" → ['networks', 0, 'ip'] */
function toPath(instancePath: string): Path {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s));
}

/** ['networks', 0, 'ip'] → "networks[0].ip" */
export function fieldName(path: Path): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

function schemaAt(kind: Kind, schemaPath: string): Record<string, unknown> | undefined {
  let node: unknown = SCHEMAS[kind];
  for (const seg of schemaPath.replace(/^#\/?/, '').split('/')) {
    if (seg === '') continue;
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[seg];
  }
  return node as Record<string, unknown> | undefined;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  object: 'a mapping',
  array: 'a list',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'empty',
};
const typeWord = (t: unknown): string => (Array.isArray(t) ? t.map(typeWord).join(' or ') : (TYPE_WORDS[String(t)] ?? String(t)));

function show(v: unknown): string {
  return echo(v);
}

/** Closest allowed word (edit distance ≤ 2), for "did you mean". */
function closest(word: string, options: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const o of options) {
    if (Math.abs(o.length - word.length) >= bestD) continue; // too far apart (and a 20 MB word costs nothing)
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      best = o;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

function describe(e: ErrorObject, kind: Kind, raw: RawDoc): Omit<Diagnostic, 'object'> | null {
  if (e.keyword === 'if') return null; // the failing then/else branch reports the detail
  const path = toPath(e.instancePath);
  const field = fieldName(path);
  const pre = field ? `${clip(field, MAX_ECHO + 20)}: ` : '';
  const def = /#\/definitions\/([^/]+)\//.exec(e.schemaPath)?.[1];
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const data = e.data;
  const at = (p: Path = path, key = false) => posAt(raw, p, key);

  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((parent.properties as Record<string, unknown>) ?? {});
      const guess = closest(extra, allowed);
      return {
        code: 'schema',
        message: `${pre}unknown field ${echo(extra)}${guess ? ` (did you mean "${guess}"?)` : ''}; allowed: ${allowed.join(', ')}`,
        pos: at([...path, extra], true),
      };
    }
    case 'required': {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      return { code: 'schema', message: `${pre}missing required field "${missing}"`, pos: at() };
    }
    case 'type': {
      let want = typeWord((e.params as { type: unknown }).type);
      const elseAt = e.schemaPath.lastIndexOf('/else/');
      if (elseAt >= 0) {
        const alt = schemaAt(kind, e.schemaPath.slice(0, elseAt) + '/if') as { type?: unknown } | undefined;
        if (alt?.type) want = `${typeWord(alt.type)} or ${want}`;
      }
      if (def === 'portString') {
        const r = parsePortString(String(data));
        if (!r.ok) return { code: 'invalid-port', message: `${pre}${r.message}`, pos: at() };
      }
      return { code: 'schema', message: `${pre}must be ${want}, not ${show(data)}`, pos: at() };
    }
    case 'const':
      return { code: 'schema', message: `${pre}must be ${show((e.params as { allowedValue: unknown }).allowedValue)}`, pos: at() };
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const guess = typeof data === 'string' ? closest(data, allowed) : undefined;
      return {
        code: 'schema',
        message: `${pre}${show(data)} is not one of ${allowed.join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`,
        pos: at(),
      };
    }
    case 'format': {
      const fmt = (e.params as { format: string }).format;
      const what: Record<string, string> = {
        ipv4: 'an IPv4 address',
        ipv6: 'an IPv6 address',
        'ip-address': 'an IP address (IPv4 or IPv6, without prefix)',
        cidr: 'an address with prefix length, like 10.0.0.0/24',
        'route-destination': '"default" or a CIDR like 10.25.0.0/16',
      };
      return { code: 'schema', message: `${pre}${show(data)} is not ${what[fmt] ?? fmt}`, pos: at() };
    }
    case 'pattern':
    case 'maxLength':
    case 'minLength': {
      const s = String(data);
      if (def === 'name') {
        return {
          code: 'invalid-name',
          message: `${pre}${show(data)} is not a valid name: use letters, digits, "_", "." and "-", start with a letter or digit, at most 63 characters`,
          pos: at(),
        };
      }
      if (def === 'ifname') {
        const bytes = new TextEncoder().encode(s).length;
        if (bytes > 15) {
          return {
            code: 'ifname-too-long',
            message: `${pre}interface name ${show(data)} is ${bytes} bytes long; the kernel allows at most 15`,
            pos: at(),
          };
        }
        return {
          code: 'ifname-invalid',
          message: `${pre}${show(data)} is not a valid interface name: use letters, digits, "_", "." and "-", not starting with "." or "-"`,
          pos: at(),
        };
      }
      if (def === 'mac') {
        return { code: 'invalid-mac', message: `${pre}${show(data)} is not a MAC address like 02:42:ac:12:00:0a`, pos: at() };
      }
      if (def === 'portString') {
        const r = parsePortString(s);
        const message = r.ok ? `port ${show(data)} is not [hostIP:]hostPort:containerPort[/tcp|udp]` : r.message;
        return { code: 'invalid-port', message: `${pre}${message}`, pos: at() };
      }
      if (def === 'portOrRange') {
        return { code: 'invalid-port', message: `${pre}${show(data)} is not a port or a range like 9000-9003`, pos: at() };
      }
      if (kind === 'Container' && field === 'mode') {
        const guess = closest(s, ['bridge', 'none', 'host']);
        return {
          code: 'schema',
          message: `mode: ${show(data)} is not one of bridge, none, host, container:<name>${guess ? ` (did you mean "${guess}"?)` : ''}`,
          pos: at(),
        };
      }
      const desc = typeof parent.description === 'string' ? parent.description : `must match ${String(parent.pattern)}`;
      return { code: 'schema', message: `${pre}${show(data)} is not valid: ${desc}`, pos: at() };
    }
    case 'minimum':
    case 'maximum': {
      const lo = parent.minimum;
      const hi = parent.maximum;
      const code = def === 'portOrRange' || field.includes('ports') ? 'invalid-port' : 'schema';
      const range = lo !== undefined && hi !== undefined ? `${lo}-${hi}` : e.message;
      return { code, message: `${pre}${show(data)} is out of range (${range})`, pos: at() };
    }
    case 'minItems':
    case 'maxItems': {
      if (kind === 'Link' && field === 'endpoints') {
        return { code: 'link-endpoints', message: `a Link has exactly two endpoints, not ${(data as unknown[]).length}`, pos: at() };
      }
      return { code: 'schema', message: `${pre}${e.message}`, pos: at() };
    }
    case 'minProperties':
    case 'maxProperties':
      if (field === 'netns') {
        return { code: 'schema', message: 'netns: give exactly one of {path: ...} or {pid: ...}', pos: at() };
      }
      return { code: 'schema', message: `${pre}${e.message}`, pos: at() };
    default:
      return { code: 'schema', message: `${pre}${e.message ?? 'is not valid'}`, pos: at() };
  }
}
