// The pure folders (DESIGN.md): no file system, processes, watcher, logger, clock
// or environment. Side effects live in src/shell and take their tools as parameters.
// Every .ts file below each folder is read (subfolders too); static imports,
// dynamic `import()` and `require()` of the forbidden modules all count.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');
const MODULES = String.raw`(node:)?(fs|fs\/promises|child_process|os|worker_threads|net|dgram|process|timers|timers\/promises|module)|execa|chokidar|pino|pino-pretty`;
// `from 'x'` (import and export), a bare `import 'x'`, `import('x')` and `require('x')`, in any quotes
const IMPORTS = new RegExp(String.raw`(from\s+|import\s+|import\s*\(\s*|require\s*\(\s*)['"\`](${MODULES})['"\`]`);
const AMBIENT = /process\.|globalThis\.process|Date\.now|new Date\(|performance\.now|Math\.random|setTimeout|setInterval|setImmediate/;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('the purity check itself', () => {
  it.each([
    `import { readFile } from 'node:fs/promises';`,
    `const { execa } = await import('execa');`,
    `const cp = require("child_process");`,
    `import os from 'os';`,
    `import 'node:fs';`,
    `export { readFile } from "fs";`,
    'const t = await import(`node:timers/promises`);',
    `const { createRequire } = await import ( 'node:module' );`,
  ])('catches %s', (line) => expect(line).toMatch(IMPORTS));
  it('lets model imports through', () => expect(`import { x } from '../model/ip.js';`).not.toMatch(IMPORTS));
  it.each([`process.env.HOME`, `setTimeout(f, 10)`, `Date.now()`])('catches ambient %s', (line) => expect(line).toMatch(AMBIENT));
});

describe.each(['model', 'config', 'observe', 'plan', 'render', 'status', 'view', 'expect', 'explain', 'import'])('src/%s is pure', (folder) => {
  const files = tsFiles(join(SRC, folder));
  it('has files to check', () => expect(files.length).toBeGreaterThan(0));
  for (const f of files) {
    it(relative(SRC, f), () => {
      const text = readFileSync(f, 'utf8');
      expect(text).not.toMatch(IMPORTS);
      expect(text).not.toMatch(AMBIENT);
    });
  }
});
