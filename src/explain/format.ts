// An Explanation as text: one line per hop with the rule or route that decided it
// and where netkeeper declared it, then the verdict. Pure.

import type { Explanation } from './types.js';

export function formatExplanation(e: Explanation): string {
  const lines: string[] = [];
  e.hops.forEach((h, i) => {
    const mark = h.outcome === 'drop' ? '✗' : h.outcome === 'unknown' ? '?' : h.kind === 'reply' ? '↩' : '→';
    lines.push(`${String(i + 1).padStart(2)} ${mark} ${h.text}`);
    if (h.rule) lines.push(`       ${h.rule}`);
    if (h.declared) lines.push(`       declared by ${h.declared.what} at ${h.declared.at}`);
  });
  lines.push(`verdict: ${e.verdict} (${e.reason})`);
  return lines.join('\n') + '\n';
}

export const EXPLAIN_FORMAT_VERSION = 1;

/** `--json`: {formatVersion, verdict, reason, query, packet, hops}. */
export function explanationJson(e: Explanation): object {
  return {
    formatVersion: EXPLAIN_FORMAT_VERSION,
    verdict: e.verdict,
    reason: e.reason,
    query: e.query,
    ...(e.packet ? { packet: e.packet } : {}),
    ...(e.delivered ? { delivered: e.delivered } : {}),
    hops: e.hops,
  };
}
