// Bounded diagnostics (pure): a few dozen errors then a count, and values echoed
// at most ~60 characters. A directory of a million bad documents, or one name of
// 20 MB, must not turn into a million lines or a 40 MB line.

import type { Diagnostic } from './diagnostic.js';

/** Errors (or warnings) shown at most; the rest are counted. */
export const MAX_DIAGNOSTICS = 50;
/** Characters of a user's value echoed in a message at most. */
export const MAX_ECHO = 60;
/** Characters of a message at most (a message quotes a few values and lists a few names). */
export const MAX_MESSAGE = 1000;

/** The text cut to `max` characters, ending in "…" when cut. */
export function clip(s: string, max = MAX_ECHO): string {
  if (s.length <= max) return s;
  // never cut a surrogate pair in half
  let end = max - 1;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

/** A value as a message quotes it: strings in double quotes, others as JSON; at most ~MAX_ECHO characters. */
export function echo(v: unknown, max = MAX_ECHO): string {
  if (typeof v === 'string') return JSON.stringify(clip(v, max));
  if (v !== null && typeof v === 'object') {
    // a huge list or mapping: describe it rather than serialise all of it
    if (Array.isArray(v) && v.length > max) return `a list of ${v.length} items`;
    if (!Array.isArray(v) && Object.keys(v).length > max) return `a mapping of ${Object.keys(v).length} keys`;
  }
  return clip(JSON.stringify(v) ?? String(v), max);
}

/** A diagnostic whose message and object name are within bounds. */
function boundOne(d: Diagnostic): Diagnostic {
  if (d.message.length <= MAX_MESSAGE && (d.object === undefined || d.object.length <= MAX_ECHO + 20)) return d;
  const out: Diagnostic = { ...d, message: clip(d.message, MAX_MESSAGE) };
  if (d.object !== undefined) out.object = clip(d.object, MAX_ECHO + 20);
  return out;
}

const count = (n: number) => n.toLocaleString('en-US');
const noun = (n: number, plural: string) => (n === 1 ? plural.replace(/s$/, '') : plural);

/**
 * At most `limit` diagnostics, each within bounds, then one that says how many more
 * there are. `extra`: more found but not described (counted only); `stopped`:
 * checking stopped early, so there may be more than anyone counted.
 */
export function boundDiagnostics(ds: Diagnostic[], opts: { limit?: number; stopped?: boolean; extra?: number; word?: string } = {}): Diagnostic[] {
  const limit = opts.limit ?? MAX_DIAGNOSTICS;
  const word = opts.word ?? 'errors';
  const shown = ds.slice(0, limit).map(boundOne);
  const rest = ds.length - shown.length + (opts.extra ?? 0);
  if (opts.stopped) {
    const found = ds.length + (opts.extra ?? 0);
    shown.push({ code: 'too-many-diagnostics', message: `… and more: checking stopped after ${count(found)} ${noun(found, word)}; fix these and run again` });
  } else if (rest > 0) {
    shown.push({ code: 'too-many-diagnostics', message: `… and ${count(rest)} more ${noun(rest, word)}` });
  }
  return shown;
}
