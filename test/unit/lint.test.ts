// Lint (Biome, biome.jsonc) is part of the test run. The formatter is configured
// to the code's style but not checked yet (see biome.jsonc).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('lint', () => {
  it('biome lint finds no errors', () => {
    const r = spawnSync(`${ROOT}node_modules/.bin/biome`, ['lint', '--max-diagnostics=50', '.'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(r.status, r.stdout + r.stderr).toBe(0);
  }, 120_000);
});
