import type { SourcePos } from './config.js';
import type { DiagnosticCode } from './diagnostic-codes.js';

export type { DiagnosticCode } from './diagnostic-codes.js';

/**
 * An expected problem, returned as a value. `code` is stable (tests and scripts
 * may match on it; every code is listed, with its meaning, in diagnostic-codes.ts);
 * `message` is for people.
 */
export interface Diagnostic {
  code: DiagnosticCode;
  message: string;
  /** "Network frontend", "Container web", ... when an object is concerned */
  object?: string;
  pos?: SourcePos;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.pos ? `${d.pos.file}:${d.pos.line}:${d.pos.col}: ` : '';
  const obj = d.object ? `${d.object}: ` : '';
  return `${where}${obj}${d.message} [${d.code}]`;
}

export type Result<T> = { ok: true; value: T; warnings?: Diagnostic[] } | { ok: false; errors: Diagnostic[] };
