// The result of probing one expectation, and its words (pure).

import type { ExpectResult } from '../model/expect.js';

export type ProbeVerdict = 'reachable' | 'unreachable' | 'unknown';

export interface ExpectOutcome {
  name: string;
  /** "web → db:5432/tcp (172.18.0.3)" */
  text: string;
  expected: ExpectResult;
  /** what the probe found; skipped: not probed (see detail) */
  verdict: ProbeVerdict | 'skipped';
  /** whether it holds: true, false, or undefined when skipped */
  held?: boolean;
  /** "connected", "no answer within 1000 ms", a skip's reason */
  detail: string;
  /** why it fails, when a reason is known (the explain path, attached by the caller) */
  why?: string;
  /** when it was probed (ISO) */
  at: string;
  ms: number;
}

/** The expectations that failed (skipped ones never count). */
export const failedExpectations = (rs: ExpectOutcome[]): ExpectOutcome[] => rs.filter((r) => r.held === false);

/** One line per expectation: "ok    web-db  web → db:5432/tcp (…): reachable (connected)". */
export function formatOutcomes(rs: ExpectOutcome[]): string[] {
  const width = Math.max(0, ...rs.map((r) => r.name.length));
  return rs.map((r) => {
    const mark = r.held === undefined ? 'skip' : r.held ? 'ok' : 'FAIL';
    const found = r.verdict === 'skipped' ? `skipped: ${r.detail}` : `${r.verdict} (${r.detail})${r.held === false ? `, expected ${r.expected}` : ''}`;
    const why = r.why
      ? `\n      why:\n${r.why
          .split('\n')
          .map((l) => `        ${l}`)
          .join('\n')}`
      : '';
    return `${mark.padEnd(4)}  ${r.name.padEnd(width)}  ${r.text}: ${found}${why}`;
  });
}

/** "3 expectations: 2 hold, 1 failed (web-db), 0 skipped" */
export function summarizeOutcomes(rs: ExpectOutcome[]): string {
  const failed = failedExpectations(rs);
  const held = rs.filter((r) => r.held === true).length;
  const skipped = rs.filter((r) => r.held === undefined).length;
  return `${rs.length} expectation${rs.length === 1 ? '' : 's'}: ${held} hold, ${failed.length} failed${failed.length ? ` (${failed.map((f) => f.name).join(', ')})` : ''}, ${skipped} skipped`;
}
