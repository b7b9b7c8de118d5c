// "did you mean": the closest allowed word to a misspelt one (pure).

import { editDistance } from '../model/edit-distance.js';

/** Closest allowed word (edit distance ≤ 2), for "did you mean". */
export function closest(word: string, options: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const o of options) {
    if (Math.abs(o.length - word.length) >= bestD) continue; // too far apart (and a 20 MB word costs nothing)
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      best = o;
      bestD = d;
    }
  }
  return best;
}
