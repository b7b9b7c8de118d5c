// Lint and format (Biome, biome.jsonc) are part of the test run: `biome check`
// fails on a lint error or on code the formatter would change.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('lint', () => {
  it('biome check (lint and format) finds nothing', () => {
    const r = spawnSync(`${ROOT}node_modules/.bin/biome`, ['check', '--max-diagnostics=50', '.'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 120_000);
});
