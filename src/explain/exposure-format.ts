// The exposure audit as a table (one row per published port or reachable
// container address, who reaches it) with warnings after it, or as JSON. Pure.

import type { Exposure } from './exposure.js';

export function formatExposure(e: Exposure): string {
  if (!e.rows.length) return 'no published ports, and no container address another machine reaches\n';
  const w = Math.max(...e.rows.map((r) => r.what.length), 'WHAT'.length);
  const lines = [`${'WHAT'.padEnd(w)}  REACHED BY`, ...e.rows.map((r) => `${r.what.padEnd(w)}  ${r.reach.join('; ')}`)];
  for (const x of e.warnings) lines.push(`warning: ${x}`);
  return lines.join('\n') + '\n';
}

export function exposureJson(e: Exposure): object {
  return { formatVersion: 1, rows: e.rows, warnings: e.warnings };
}
