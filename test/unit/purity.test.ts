// The pure folders (DESIGN.md): no file system, processes, watcher, logger, clock
// or environment. Side effects live in src/shell and take their tools as parameters.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');
const IMPORTS = /from\s+['"](node:)?(fs|fs\/promises|child_process|os)['"]|from\s+['"](execa|chokidar|pino|pino-pretty)['"]/;
const AMBIENT = /process\.env|Date\.now|new Date\(|performance\.now/;

describe.each(['model', 'config', 'observe', 'plan'])('src/%s is pure', (folder) => {
  for (const f of readdirSync(join(SRC, folder)).filter((x) => x.endsWith('.ts'))) {
    it(f, () => {
      const text = readFileSync(join(SRC, folder, f), 'utf8');
      expect(text).not.toMatch(IMPORTS);
      expect(text).not.toMatch(AMBIENT);
    });
  }
});
