// The load stage's module (src/shell/load.ts) and the shell's config cache do not load
// the loader (YAML parser, schema validators, rules) until files must be parsed (issue 16:
// a command whose files are all cached starts ~0.1 s sooner); what they answer meanwhile
// is the loader's own answer.
import { isDeepStrictEqual } from 'node:util';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMPTY_CONFIG } from '../../../src/shell/load.js';
import { parseConfig } from '../../../src/config/index.js';

const ROOT = join(import.meta.dirname, '../../..');

describe('EMPTY_CONFIG', () => {
  it('is what the loader makes of no files', () => {
    const r = parseConfig([]);
    expect(r.ok).toBe(true);
    expect(isDeepStrictEqual(EMPTY_CONFIG, r.ok && r.value)).toBe(true);
  });
});

/** The modules `entry` loads at start: its static imports (not `import type`, not `await import()`), transitively. */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    if (!f.startsWith('/')) continue; // a package
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
      const spec = m[1];
      if (spec.startsWith('.')) todo.push(resolve(dirname(f), spec).replace(/\.js$/, '.ts'));
      else todo.push(spec);
    }
  }
  return seen;
}

describe('the loader is loaded only to parse', () => {
  it('the pass, the watcher and the commands that read the files do not load the YAML parser or the rules at start', () => {
    for (const entry of ['src/shell/pass.ts', 'src/commands/reconcile.ts', 'src/commands/watch.ts', 'src/commands/status.ts', 'src/commands/plan.ts']) {
      const mods = [...staticClosure(join(ROOT, entry))];
      expect(
        mods.filter((m) => m === 'yaml' || m.endsWith('/src/config/index.ts') || m.endsWith('/src/config/validators.gen.ts')),
        entry,
      ).toEqual([]);
      expect(
        mods.some((m) => m.endsWith('/src/shell/load.ts')),
        entry,
      ).toBe(true);
    }
  });
});
