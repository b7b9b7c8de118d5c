// Test helpers: YAML text with a » marking where a diagnostic must point.
import { expect } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import type { Config, SourcePos } from '../../../src/model/config.js';
import { formatDiagnostic, type Diagnostic, type DiagnosticCode } from '../../../src/model/diagnostic.js';

export const MARK = '»';

/** Strip the first » of each file and say where it was (1-based line/col). */
export function marked(files: Record<string, string>): { files: { path: string; text: string }[]; marks: SourcePos[] } {
  const marks: SourcePos[] = [];
  const out = Object.entries(files).map(([path, raw]) => {
    const text = dedent(raw);
    const i = text.indexOf(MARK);
    if (i < 0) return { path, text };
    const before = text.slice(0, i).split('\n');
    marks.push({ file: path, line: before.length, col: before[before.length - 1].length + 1 });
    return { path, text: text.slice(0, i) + text.slice(i + MARK.length) };
  });
  return { files: out, marks };
}

/** A template literal starting with a newline: drop that line and the common indentation. */
export function dedent(s: string): string {
  if (!s.startsWith('\n')) return s;
  const lines = s.replace(/^\n/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

export function ok(files: Record<string, string> | string): Config {
  const r = parseConfig(marked(typeof files === 'string' ? { 'networks.d/a.yaml': files } : files).files);
  if (!r.ok) throw new Error('expected a valid config, got:\n' + r.errors.map(formatDiagnostic).join('\n'));
  return r.value;
}

export function errors(files: Record<string, string> | string): Diagnostic[] {
  const r = parseConfig(marked(typeof files === 'string' ? { 'networks.d/a.yaml': files } : files).files);
  if (r.ok) return [];
  return r.errors;
}

/**
 * The config is refused with `code` at the » marker, and (unless `others` is
 * true) with no other error.
 */
export function refused(
  files: Record<string, string> | string,
  code: DiagnosticCode,
  opts: { message?: string | RegExp; object?: string; others?: boolean } = {},
): Diagnostic {
  const m = marked(typeof files === 'string' ? { 'networks.d/a.yaml': files } : files);
  const r = parseConfig(m.files);
  if (r.ok) throw new Error(`expected error ${code}, but the config is valid`);
  const shown = r.errors.map(formatDiagnostic).join('\n');
  const d = r.errors.find((e) => e.code === code);
  expect(d, `no ${code} among:\n${shown}`).toBeDefined();
  expect(m.marks.length, 'test text has no » marker').toBe(1);
  expect(d!.pos, shown).toEqual(m.marks[0]);
  if (opts.message instanceof RegExp) expect(d!.message).toMatch(opts.message);
  else if (opts.message !== undefined) expect(d!.message).toBe(opts.message);
  if (opts.object !== undefined) expect(d!.object).toBe(opts.object);
  if (!opts.others) expect(r.errors.length, shown).toBe(1);
  return d!;
}
