// YAML text → documents that remember where every node was written (pure).

import { Composer, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Parser } from 'yaml';
import type { Document, Node } from 'yaml';
import type { SourcePos } from '../model/config.js';
import type { Diagnostic } from '../model/diagnostic.js';

export type Path = (string | number)[];

/** One non-empty YAML document of one file. */
export interface RawDoc {
  file: string;
  doc: Document.Parsed;
  lc: LineCounter;
  /** the document as plain data */
  value: unknown;
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
          if (value !== null && value !== undefined) step.doc = { file: f.path, doc, lc, value };
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

function resolve(d: RawDoc, n: unknown): unknown {
  return isAlias(n) ? n.resolve(d.doc) : n;
}

function posOfNode(d: RawDoc, n: Node | null | undefined): SourcePos | undefined {
  if (!n || !n.range) return undefined;
  return { file: d.file, ...d.lc.linePos(n.range[0]) };
}

/**
 * Where the node at `path` was written. `key`: point at the key of the last
 * segment rather than its value (used for unknown fields). Walks as far as the
 * path exists and answers the deepest position found (the object, when a field
 * is missing).
 */
export function posAt(d: RawDoc, path: Path, key = false): SourcePos {
  let node: unknown = d.doc.contents;
  let best: SourcePos = posOfNode(d, node as Node) ?? { file: d.file, line: 1, col: 1 };
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    node = resolve(d, node);
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) return best;
      const keyPos = posOfNode(d, pair.key as Node);
      const written = pair.value as Node | null;
      const isNull = !written || (isScalar(written) && written.value === null && !written.source);
      if ((last && key) || isNull) return keyPos ?? best;
      node = written;
      best = posOfNode(d, written) ?? keyPos ?? best;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined) return best;
      node = item;
      best = posOfNode(d, item as Node) ?? best;
    } else {
      return best;
    }
  }
  return best;
}
