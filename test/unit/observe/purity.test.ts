// src/observe is pure: no file system, processes, clock or environment.

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('../../../src/observe/', import.meta.url));
const FORBIDDEN = /from\s+['"](node:)?(fs|fs\/promises|child_process|os|execa|chokidar|pino)['"]|process\.env|Date\.now|new Date\(/;

describe('src/observe purity', () => {
  for (const f of readdirSync(DIR).filter((f) => f.endsWith('.ts'))) {
    it(`${f} imports no side effects`, () => {
      expect(readFileSync(DIR + f, 'utf8')).not.toMatch(FORBIDDEN);
    });
  }
});
