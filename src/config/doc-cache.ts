// Reading documents through a content-keyed cache (pure): a file is cut into chunks
// at its `---` lines, and a chunk whose exact text was read before gives back its
// documents (plain values and their position tables) without parsing YAML again.
// Anything this cannot answer exactly — a chunk with a YAML error or warning, an
// alias, a value JSON cannot carry, a file it cannot cut soundly — is read the old
// way, the whole file at once, so diagnostics and positions are always the parser's.
// The store (in memory, or on disk under the run dir) is the shell's (src/shell/config-cache.ts).

import { Composer, LineCounter, Parser } from 'yaml';
import { fastChunk } from './fast-yaml.js';
import { posTableOf, readDocuments, type PosNode, type RawDoc, type ReadStep, type SourceFile } from './documents.js';

/** What one chunk of text held: its non-empty documents, or `false` when it must be read with its file. */
export type CachedChunk = { value: unknown; pos: PosNode }[] | false;

/** The chunks' store, keyed by their exact text (the store may hash it). */
export interface ChunkStore {
  get(text: string): CachedChunk | undefined;
  set(text: string, chunk: CachedChunk): void;
}

/** Counts, for tests and the debug log. */
export interface ChunkStats {
  hits: number;
  parsed: number;
  /** files read whole (a chunk that cannot be cached, or a file that cannot be cut) */
  whole: number;
}

export interface Chunk {
  text: string;
  /** lines of the file before it */
  lineBase: number;
}

/**
 * The file cut at lines that are exactly `---` (a document start: YAML forbids that
 * line inside any scalar or collection); undefined when the file holds anything that
 * may make one document depend on another or shift columns — a directive (`%`), a
 * document end (`...`), a carriage return, a byte-order mark.
 */
export function splitChunks(text: string): Chunk[] | undefined {
  if (text.includes('\r') || text.startsWith('\uFEFF') || /^(%|\.\.\.)/m.test(text)) return undefined;
  const chunks: Chunk[] = [];
  let start = 0;
  let line = 0;
  let startLine = 0;
  for (let at = 0; at <= text.length; ) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl;
    if (end - at === 3 && text.startsWith('---', at)) {
      chunks.push({ text: text.slice(start, at), lineBase: startLine });
      start = nl < 0 ? text.length : nl + 1;
      startLine = line + 1;
    }
    line++;
    if (nl < 0) break;
    at = nl + 1;
  }
  chunks.push({ text: text.slice(start), lineBase: startLine });
  return chunks;
}

/**
 * A chunk read alone: its documents, or false when it is not one the cache may answer for.
 * The plainest text is read by fast-yaml.ts (the same answer, ~50× sooner); the rest by `yaml`.
 */
export function readChunk(text: string): CachedChunk {
  return fastChunk(text) ?? readChunkWithYaml(text);
}

/** readChunk through the `yaml` package alone (what fastChunk must equal). */
export function readChunkWithYaml(text: string): CachedChunk {
  const lc = new LineCounter();
  const composer = new Composer({ prettyErrors: false });
  const out: { value: unknown; pos: PosNode }[] = [];
  let any = false;
  for (const doc of composer.compose(new Parser(lc.addNewLine).parse(text))) {
    any = true;
    if (doc.errors.length > 0 || doc.warnings.length > 0) return false;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch {
      return false;
    }
    if (value === null || value === undefined) continue;
    const pos = posTableOf(doc, lc);
    if (!pos || !jsonSafe(value)) return false;
    out.push({ value, pos });
  }
  if (!any) {
    const info = composer.streamInfo();
    if (info.errors.length + info.warnings.length > 0) return false;
  }
  return out;
}

/** Plain data that JSON gives back as it was: no undefined, no -0, NaN or Infinity, only plain objects and arrays. */
export function jsonSafe(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object': {
      if (v === null) return true;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!(i in v) || !jsonSafe(v[i])) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      const o = v as Record<string, unknown>;
      const names = Object.getOwnPropertyNames(o);
      let n = 0;
      for (const k in o) {
        if (!jsonSafe(o[k])) return false;
        n++;
      }
      // a non-enumerable or symbol key would not survive JSON
      return n === names.length && Object.getOwnPropertySymbols(o).length === 0;
    }
    default:
      return false;
  }
}

/**
 * A fresh copy of a cached value (callers may keep or change what they are given).
 * Values are plain JSON data (jsonSafe, or JSON.parse's from the disk): copied by hand,
 * ~3× faster than structuredClone on a thousand small documents (issue 16). A key
 * `__proto__` is defined as an own property, as JSON.parse and structuredClone make it;
 * like structuredClone, every object comes out with Object.prototype.
 */
export function copy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
    return out;
  }
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    if (k === '__proto__') Object.defineProperty(out, k, { value: copy(o[k]), enumerable: true, writable: true, configurable: true });
    else out[k] = copy(o[k]);
  }
  return out;
}

/**
 * readDocuments through the store: the same steps, in the same order, with the
 * same values and positions. A file is answered from chunks only when every chunk
 * of it is (from the store, or parsed alone and clean); otherwise the whole file is
 * read as before.
 */
export function* readDocumentsCached(files: SourceFile[], store: ChunkStore, stats?: ChunkStats): Generator<ReadStep> {
  for (const f of files) {
    const docs = chunkDocs(f, store, stats);
    if (!docs) {
      if (stats) stats.whole++;
      yield* readDocuments([f]);
      continue;
    }
    for (const doc of docs) yield { doc, errors: [], warnings: [] };
  }
}

function chunkDocs(f: SourceFile, store: ChunkStore, stats?: ChunkStats): RawDoc[] | undefined {
  const chunks = splitChunks(f.text);
  if (!chunks) return undefined;
  const docs: RawDoc[] = [];
  for (const c of chunks) {
    let got = store.get(c.text);
    if (got === undefined) {
      got = readChunk(c.text);
      store.set(c.text, got);
      if (stats) stats.parsed++;
    } else if (stats) stats.hits++;
    if (got === false) return undefined;
    for (const d of got) docs.push({ file: f.path, value: copy(d.value), where: { root: d.pos, lineBase: c.lineBase } });
  }
  return docs;
}

/** A store in memory (the watcher's, and the first layer of the disk cache). */
export class MemoryChunkStore implements ChunkStore {
  readonly map = new Map<string, CachedChunk>();
  get(text: string): CachedChunk | undefined {
    return this.map.get(text);
  }
  set(text: string, chunk: CachedChunk): void {
    this.map.set(text, chunk);
  }
}
