// YAML text → documents that remember where every node was written (pure).

import { Composer, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Parser } from 'yaml';
import type { Document, Node } from 'yaml';
import type { SourcePos } from '../model/config.js';
import type { Diagnostic } from '../model/diagnostic.js';

export type Path = (string | number)[];

/** One non-empty YAML document of one file. */
export interface RawDoc {
  file: string;
  /** the document as plain data */
  value: unknown;
  /** where its nodes were written: the YAML AST, or a table of positions taken from it (doc-cache.ts) */
  where: { doc: Document.Parsed; lc: LineCounter } | PosTable;
}

/**
 * A document's node positions without its AST (what the content cache keeps): the
 * tree posAt walks, with each node's line and column as its chunk of text had them;
 * `lineBase` is added to each line (the lines of the file before the chunk).
 */
export interface PosTable {
  root: PosNode;
  lineBase: number;
}

/** [line, col] within the chunk, or 0 where the AST node had no range. */
export type LineCol = [number, number] | 0;

/**
 * A node: its position, and for a mapping its pairs with scalar keys (the first of
 * each key as text) as [key, key position, value is null, value], for a sequence
 * its items. JSON, so that the cache can keep it on disk.
 */
export interface PosNode {
  p: LineCol;
  m?: [string, LineCol, boolean, PosNode | 0][];
  s?: PosNode[];
}

export interface SourceFile {
  path: string;
  text: string;
}

/** One step of reading: a document (unless it failed), with its errors and warnings. */
export interface ReadStep {
  doc?: RawDoc;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/**
 * The documents of the files one at a time, in order, so that a caller that has
 * seen enough errors can stop: the YAML parser is lazy, and reading the rest of a
 * 20 MB file of bad documents is what costs.
 */
export function* readDocuments(files: SourceFile[]): Generator<ReadStep> {
  for (const f of files) {
    const lc = new LineCounter();
    const composer = new Composer({ prettyErrors: false });
    const at = (offset: number): SourcePos => ({ file: f.path, ...lc.linePos(offset) });
    const yamlDiags = (list: readonly { message: string; pos: [number, number] }[]) =>
      list.map((e): Diagnostic => ({ code: 'yaml', message: `YAML: ${e.message}`, pos: at(e.pos[0]) }));
    let any = false;
    for (const doc of composer.compose(new Parser(lc.addNewLine).parse(f.text))) {
      any = true;
      const step: ReadStep = { errors: yamlDiags(doc.errors), warnings: yamlDiags(doc.warnings) };
      if (doc.errors.length === 0) {
        try {
          const value = doc.toJS({ maxAliasCount: 1000 });
          // an empty document (only comments, or a stray ---) is no object
          if (value !== null && value !== undefined) step.doc = { file: f.path, value, where: { doc, lc } };
        } catch (err) {
          const pos = doc.contents?.range ? at(doc.contents.range[0]) : { file: f.path, line: 1, col: 1 };
          step.errors.push({ code: 'yaml', message: `YAML: ${(err as Error).message}`, pos });
        }
      }
      yield step;
    }
    if (!any) {
      // a stream with no document: what the parser found outside one
      const info = composer.streamInfo();
      if (info.errors.length + info.warnings.length > 0) yield { errors: yamlDiags(info.errors), warnings: yamlDiags(info.warnings) };
    }
  }
}

export function loadDocuments(files: SourceFile[]): { docs: RawDoc[]; errors: Diagnostic[]; warnings: Diagnostic[] } {
  const docs: RawDoc[] = [];
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  for (const step of readDocuments(files)) {
    if (step.doc) docs.push(step.doc);
    errors.push(...step.errors);
    warnings.push(...step.warnings);
  }
  return { docs, errors, warnings };
}

function resolve(doc: Document.Parsed, n: unknown): unknown {
  return isAlias(n) ? n.resolve(doc) : n;
}

function posOfNode(file: string, lc: LineCounter, n: Node | null | undefined): SourcePos | undefined {
  if (!n || !n.range) return undefined;
  return { file, ...lc.linePos(n.range[0]) };
}

/**
 * Where the node at `path` was written. `key`: point at the key of the last
 * segment rather than its value (used for unknown fields). Walks as far as the
 * path exists and answers the deepest position found (the object, when a field
 * is missing).
 */
export function posAt(d: RawDoc, path: Path, key = false): SourcePos {
  if (!('doc' in d.where)) return posInTable(d.file, d.where, path, key);
  const { doc, lc } = d.where;
  let node: unknown = doc.contents;
  let best: SourcePos = posOfNode(d.file, lc, node as Node) ?? { file: d.file, line: 1, col: 1 };
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    node = resolve(doc, node);
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return best;
      const keyPos = posOfNode(d.file, lc, pair.key as Node);
      const written = pair.value as Node | null;
      if ((last && key) || isNullValue(written)) return keyPos ?? best;
      node = written;
      best = posOfNode(d.file, lc, written) ?? keyPos ?? best;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined) return best;
      node = item;
      best = posOfNode(d.file, lc, item as Node) ?? best;
    } else {
      return best;
    }
  }
  return best;
}

function isNullValue(written: Node | null): boolean {
  return !written || (isScalar(written) && written.value === null && !written.source);
}

/** posAt over a PosTable: the same walk, the same answers. */
function posInTable(file: string, t: PosTable, path: Path, key: boolean): SourcePos {
  const at = (lc: LineCol): SourcePos | undefined => (lc === 0 ? undefined : { file, line: lc[0] + t.lineBase, col: lc[1] });
  let node: PosNode = t.root;
  let best: SourcePos = at(node.p) ?? { file, line: 1, col: 1 };
  for (let i = 0; i < path.length; i++) {
    const seg = String(path[i]);
    const last = i === path.length - 1;
    if (node.m) {
      const pair = node.m.find((p) => p[0] === seg);
      if (!pair) return best;
      const keyPos = at(pair[1]);
      if ((last && key) || pair[2] || pair[3] === 0) return keyPos ?? best;
      node = pair[3];
      best = at(node.p) ?? keyPos ?? best;
    } else if (node.s) {
      const item = node.s[Number(path[i])];
      if (item === undefined) return best;
      node = item;
      best = at(item.p) ?? best;
    } else {
      return best;
    }
  }
  return best;
}

/**
 * The table of a document's positions (lines as `lc` counts them), or undefined
 * when it holds an alias (a node reached by two paths: left to the AST).
 */
export function posTableOf(doc: Document.Parsed, lc: LineCounter): PosNode | undefined {
  const lineCol = (n: unknown): LineCol => {
    const r = (n as Node | null)?.range;
    if (!r) return 0;
    const p = lc.linePos(r[0]);
    return [p.line, p.col];
  };
  const walk = (n: unknown): PosNode => {
    if (isAlias(n)) throw ALIAS;
    const out: PosNode = { p: lineCol(n) };
    if (isMap(n)) {
      const m: NonNullable<PosNode['m']> = [];
      const seen = new Set<string>();
      for (const p of n.items) {
        if (isAlias(p.key) || isAlias(p.value)) throw ALIAS;
        if (!isPair(p) || !isScalar(p.key)) continue;
        const k = String(p.key.value);
        if (seen.has(k)) continue;
        seen.add(k);
        const written = p.value as Node | null;
        const isNull = isNullValue(written);
        m.push([k, lineCol(p.key), isNull, isNull ? 0 : walk(written)]);
      }
      out.m = m;
    } else if (isSeq(n)) {
      out.s = n.items.map(walk);
    }
    return out;
  };
  try {
    return walk(doc.contents);
  } catch (e) {
    if (e === ALIAS) return undefined;
    throw e;
  }
}

const ALIAS = new Error('alias');
