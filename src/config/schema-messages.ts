// ajv's schema errors -> diagnostics worded for people, at file:line:col (pure).
// The code a user sees (schema, invalid-name, ifname-too-long, invalid-port, ...)
// is chosen here from the definition the failing value was checked against.

import type { DefinedError, ErrorObject } from 'ajv';
import type { Diagnostic } from '../model/diagnostic.js';
import { clip, echo, MAX_ECHO } from '../model/diagnostic-bounds.js';
import { closest } from './did-you-mean.js';
import { posAt, type Path, type RawDoc } from './documents.js';
import { parsePortString } from './ports.js';
import { SCHEMAS, type Kind } from './schemas.js';

/** "/networks/0/ip" → ['networks', 0, 'ip'] */
export function toPath(instancePath: string): Path {
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

/** One ajv error in the user's words, at the position of the value (or key) it is about; null: not worth a line. */
export function describe(err: ErrorObject, kind: Kind, raw: RawDoc): Omit<Diagnostic, 'object'> | null {
  // the schemas use only ajv's own keywords, whose errors ajv types by keyword (as its docs show)
  const e = err as DefinedError;
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
      const extra = e.params.additionalProperty;
      const allowed = Object.keys((parent.properties as Record<string, unknown>) ?? {});
      const guess = closest(extra, allowed);
      return {
        code: 'schema',
        message: `${pre}unknown field ${echo(extra)}${guess ? ` (did you mean "${guess}"?)` : ''}; allowed: ${allowed.join(', ')}`,
        pos: at([...path, extra], true),
      };
    }
    case 'required': {
      const missing = e.params.missingProperty;
      return { code: 'schema', message: `${pre}missing required field "${missing}"`, pos: at() };
    }
    case 'type': {
      let want = typeWord(e.params.type);
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
      return { code: 'schema', message: `${pre}must be ${show(e.params.allowedValue)}`, pos: at() };
    case 'enum': {
      const allowed = e.params.allowedValues.map(String);
      const guess = typeof data === 'string' ? closest(data, allowed) : undefined;
      return {
        code: 'schema',
        message: `${pre}${show(data)} is not one of ${allowed.join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`,
        pos: at(),
      };
    }
    case 'format': {
      const fmt = e.params.format;
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
