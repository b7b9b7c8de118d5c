// Reading documents through a content-keyed cache (pure): a file is cut into chunks
// at its `---` lines, and a chunk whose exact text was read before gives back its
// documents (plain values and their position tables) without parsing YAML again.
// Anything this cannot answer exactly — a chunk with a YAML error or warning, an
// alias, a value JSON cannot carry, a file it cannot cut soundly — is read the old
// way, the whole file at once, so diagnostics and positions are always the parser's.
// The store (in memory, or on disk under the run dir) is the shell's (src/shell/config-cache.ts).

import { Composer, LineCounter, Parser } from 'yaml';
import { fastChunk } from './fast-yaml.js';
import { copy, jsonSafe } from './json-data.js';
import { posTableOf, readDocuments, type PosNode, type RawDoc, type ReadStep, type SourceFile } from './documents.js';

export { copy, jsonSafe } from './json-data.js';

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
