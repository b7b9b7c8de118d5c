// A fast reader for the plainest YAML (pure, issue 16): block mappings and
// sequences of plain keys and one-line scalars, what networks.d files mostly are.
// It answers a chunk of text exactly as the `yaml` package would through readChunk
// (doc-cache.ts): the same value and the same position table. Anything outside its
// small subset (plus one-line flow collections and comments after a value) —
// multi-line flow, anchors, tags, block or multi-line scalars, escapes,
// tabs, non-ASCII, null words, floats, a duplicate key, an odd indentation — makes it
// answer undefined, and the chunk is read by `yaml`,
// so diagnostics and positions stay the parser's. Parsing 1000 container documents
// with `yaml` took ~0.5 s of a cold converge; this takes a few ms.

import type { LineCol, PosNode } from './documents.js';

interface Line {
  /** 1-based line number in the chunk */
  no: number;
  /** 0-based column of `text` */
  col: number;
  text: string;
}

type Parsed = { value: unknown; pos: PosNode };

class Bail extends Error {}
const BAIL = new Bail('outside the fast subset');

/** A plain key: a name-like word that YAML's core schema reads as a string. */
const KEY = /^[A-Za-z_][A-Za-z0-9_./-]*/;
/** A plain scalar value in the subset: no indicator first, none of `#'"[]{}&*!|>?\`` or tab anywhere. */
const PLAIN = /^[A-Za-z0-9_/][A-Za-z0-9_/.:+=,()@% -]*$/;
/** Plain scalars the core schema reads as something other than a string or a decimal integer (null, floats, hex, octal...). */
const NOT_STRING = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^[-+]?[0-9]+$/, // an integer too long for INT
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
  /^0o[0-7]+$/,
  /^0x[0-9a-fA-F]+$/,
];
/** Outside comments, printable ASCII only; */
const ASCII = /^[\x20-\x7e]*$/;
/** and nowhere a control character (but newline), a carriage return, NEL, a line or paragraph separator, a byte-order mark. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const NEVER = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]/;
const INT = /^[0-9]{1,15}$/;
const TRUE = /^(?:[Tt]rue|TRUE)$/;
const FALSE = /^(?:[Ff]alse|FALSE)$/;
const SPECIAL_KEY = /^(?:[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE|__proto__)$/;

/** The chunk's one document, as readChunk gives it; undefined when the text is outside the subset. */
export function fastChunk(text: string): { value: unknown; pos: PosNode }[] | undefined {
  if (text.length > 1_000_000 || NEVER.test(text)) return undefined;
  const lines: Line[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i];
    let col = 0;
    while (col < l.length && l.charCodeAt(col) === 32) col++;
    if (col === l.length || l.charCodeAt(col) === 35 /* # */) continue; // blank, or a whole-line comment (any text but NEVER's)
    if (!ASCII.test(l)) return undefined;
    if (l.length > 1000) return undefined; // YAML limits implicit keys to 1024 characters
    if (col === 0 && (l.startsWith('---') || l.startsWith('...') || l.startsWith('%'))) return undefined;
    lines.push({ no: i + 1, col, text: l.slice(col).trimEnd() });
  }
  if (lines.length === 0 || lines[0].col !== 0) return undefined;
  try {
    const r = new Reader(lines);
    const doc = r.block(0, 0);
    if (r.i !== lines.length) return undefined;
    return [doc];
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  }
}

class Reader {
  i = 0;
  constructor(private readonly lines: Line[]) {}

  /** The block starting at line `i`, indented `n`. */
  block(i: number, n: number): Parsed {
    const l = this.lines[i];
    if (l.col !== n) throw BAIL;
    return isItem(l.text) ? this.seq(n) : this.map(n);
  }

  map(n: number): Parsed {
    const value: Record<string, unknown> = {};
    const m: NonNullable<PosNode['m']> = [];
    const first = this.lines[this.i];
    const out: PosNode = { p: [first.no, first.col + 1], m };
    while (this.i < this.lines.length) {
      const l = this.lines[this.i];
      if (l.col < n) break;
      if (l.col > n || isItem(l.text)) throw BAIL;
      const k = KEY.exec(l.text);
      if (!k) throw BAIL;
      const key = k[0];
      const after = l.text.slice(key.length);
      if (SPECIAL_KEY.test(key) || Object.hasOwn(value, key)) throw BAIL;
      const keyPos: LineCol = [l.no, l.col + 1];
      if (after !== ':' && !after.startsWith(': ')) throw BAIL;
      let at = key.length + 1;
      while (l.text.charCodeAt(at) === 32) at++;
      if (at === l.text.length || l.text.charCodeAt(at) === 35 /* # */) {
        // `key:` (a comment may follow): null, or the block on the next lines
        this.i++;
        const next = this.lines[this.i];
        if (next && (next.col > n || (next.col === n && isItem(next.text)))) {
          const child = next.col > n ? this.block(this.i, next.col) : this.seq(n);
          value[key] = child.value;
          m.push([key, keyPos, false, child.pos]);
        } else {
          value[key] = null;
          m.push([key, keyPos, true, 0]);
        }
        continue;
      }
      const s = oneLine(l.text.slice(at), l.no, l.col + at + 1);
      value[key] = s.value;
      m.push([key, keyPos, false, s.pos]);
      this.i++;
      const next = this.lines[this.i];
      if (next && next.col > n) throw BAIL; // a continuation line, or a nested block after a value
    }
    return { value, pos: out };
  }

  seq(n: number): Parsed {
    const value: unknown[] = [];
    const s: PosNode[] = [];
    const first = this.lines[this.i];
    const out: PosNode = { p: [first.no, first.col + 1], s };
    while (this.i < this.lines.length) {
      const l = this.lines[this.i];
      if (l.col < n || (l.col === n && !isItem(l.text))) break;
      if (l.col > n) throw BAIL;
      let at = 1;
      while (l.text.charCodeAt(at) === 32) at++;
      const rest = l.text.slice(at);
      if (rest === '' || isItem(rest) || rest.charCodeAt(0) === 35 /* # */) throw BAIL;
      const k = KEY.exec(rest);
      if (k && (rest.length === k[0].length + 1 || rest.charCodeAt(k[0].length + 1) === 32) && rest.charCodeAt(k[0].length) === 58 /* : */) {
        // `- key: ...`: a mapping indented at its first key
        this.lines[this.i] = { no: l.no, col: l.col + at, text: rest };
        const item = this.map(l.col + at);
        value.push(item.value);
        s.push(item.pos);
        continue;
      }
      const v = oneLine(rest, l.no, l.col + at + 1);
      value.push(v.value);
      s.push(v.pos);
      this.i++;
      const next = this.lines[this.i];
      if (next && next.col > n) throw BAIL;
    }
    return { value, pos: out };
  }
}

function isItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** A value written on one line (a scalar or a flow collection), a comment after it, at line `no`, column `col` (1-based). */
function oneLine(t: string, no: number, col: number): Parsed {
  const q = t.charCodeAt(0);
  if (q === 91 /* [ */ || q === 123 /* { */) return flow(t, no, col);
  if (q === 34 /* " */ || q === 39 /* ' */) {
    const close = t.indexOf(t[0], 1);
    if (close < 0) throw BAIL;
    comment(t.slice(close + 1));
    return scalar(t.slice(0, close + 1), no, col);
  }
  const hash = t.indexOf(' #');
  return scalar(hash < 0 ? t : t.slice(0, hash).trimEnd(), no, col);
}

/** What may follow a value on its line: nothing, or spaces and a comment. */
function comment(tail: string): void {
  if (tail !== '' && !/^ +#/.test(tail)) throw BAIL;
}

/**
 * A flow collection written on one line — `[a, "b", 3]`, `{network: apps, ip: 10.0.0.2}`,
 * nested — of plain or simply quoted scalars; no trailing comma, no empty or
 * implicit values, no `:` inside a plain scalar.
 */
function flow(t: string, no: number, col: number): Parsed {
  const r = new FlowReader(t, no, col);
  const node = r.node();
  comment(t.slice(r.i));
  return node;
}

class FlowReader {
  i = 0;
  constructor(
    private readonly t: string,
    private readonly no: number,
    private readonly col: number,
  ) {}

  private skip(): void {
    while (this.t.charCodeAt(this.i) === 32) this.i++;
  }

  node(): Parsed {
    const t = this.t;
    const c = t[this.i];
    const at = this.col + this.i;
    if (c === '[' || c === '{') return this.collection(c === '{');
    if (c === '"' || c === "'") {
      const close = t.indexOf(c, this.i + 1);
      if (close < 0) throw BAIL;
      const v = scalar(t.slice(this.i, close + 1), this.no, at);
      this.i = close + 1;
      return v;
    }
    let j = this.i;
    while (j < t.length && !',[]{}'.includes(t[j])) j++;
    const raw = t.slice(this.i, j).trimEnd();
    // `a: b` would be a mapping, `a:b` a key in a flow mapping: keep to the plainest
    if (raw === '' || raw.includes(':')) throw BAIL;
    const v = scalar(raw, this.no, at);
    this.i = j;
    return v;
  }

  private collection(isMap: boolean): Parsed {
    const t = this.t;
    const p: LineCol = [this.no, this.col + this.i];
    const end = isMap ? '}' : ']';
    const items: unknown[] = [];
    const s: PosNode[] = [];
    const value: Record<string, unknown> = {};
    const m: NonNullable<PosNode['m']> = [];
    this.i++;
    this.skip();
    if (t[this.i] === end) {
      this.i++;
      return isMap ? { value, pos: { p, m } } : { value: items, pos: { p, s } };
    }
    for (;;) {
      this.skip();
      if (isMap) {
        const k = KEY.exec(t.slice(this.i));
        if (!k || t[this.i + k[0].length] !== ':' || t[this.i + k[0].length + 1] !== ' ') throw BAIL;
        const key = k[0];
        if (SPECIAL_KEY.test(key) || Object.hasOwn(value, key)) throw BAIL;
        const keyPos: LineCol = [this.no, this.col + this.i];
        this.i += key.length + 1;
        this.skip();
        if (t[this.i] === ',' || t[this.i] === end) throw BAIL; // an empty value
        const v = this.node();
        value[key] = v.value;
        m.push([key, keyPos, false, v.pos]);
      } else {
        const v = this.node();
        items.push(v.value);
        s.push(v.pos);
      }
      this.skip();
      if (t[this.i] === ',') {
        this.i++;
        this.skip();
        if (t[this.i] === end) throw BAIL; // a trailing comma
        continue;
      }
      if (t[this.i] !== end) throw BAIL;
      this.i++;
      return isMap ? { value, pos: { p, m } } : { value: items, pos: { p, s } };
    }
  }
}

/** A one-line scalar at line `no`, column `col` (1-based). */
function scalar(t: string, no: number, col: number): Parsed {
  const pos: PosNode = { p: [no, col] };
  const q = t.charCodeAt(0);
  if (q === 34 /* " */ || q === 39 /* ' */) {
    const body = t.slice(1, -1);
    if (t.length < 2 || t.charCodeAt(t.length - 1) !== q || body.includes(String.fromCharCode(q)) || body.includes('\\')) throw BAIL;
    return { value: body, pos };
  }
  if (!PLAIN.test(t) || t.endsWith(':') || t.includes(': ')) throw BAIL;
  if (INT.test(t)) return { value: parseInt(t, 10), pos };
  if (TRUE.test(t)) return { value: true, pos };
  if (FALSE.test(t)) return { value: false, pos };
  for (const re of NOT_STRING) if (re.test(t)) throw BAIL;
  return { value: t, pos };
}
