// Unit tests mirror src/: test/unit/<folder>/<file>.test.ts tests src/<folder>/<file>.ts
// (or the folder module src/<folder>/<file>/index.ts), so the test of a file is found
// without searching. Helpers beside the tests are named fixtures, helpers or fake-*.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const UNIT = join(ROOT, 'test/unit');

/** Cross-cutting tests that check the whole tree rather than one file. Keep it short. */
export const CROSS_CUTTING = new Set([
  'purity.test.ts', // pure folders import no side effects
  'mirror.test.ts', // this file
  'operations-examples.test.ts', // examples/operations against the built CLI
]);

/** Helpers beside the tests: fixtures.ts, *-fixtures.ts, helpers.ts, fake-*.ts. */
export const HELPER = /(^|\/|-)fixtures\.ts$|(^|\/)helpers\.ts$|(^|\/)fake-[a-z0-9-]+\.ts$/;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Why a file under test/unit does not mirror src/, or undefined when it does. */
export function mirrorProblem(rel: string, srcExists: (p: string) => boolean): string | undefined {
  if (CROSS_CUTTING.has(rel)) return undefined;
  if (!rel.endsWith('.ts')) return `${rel}: not a TypeScript file (fixtures live in test/fixtures/)`;
  if (!rel.endsWith('.test.ts')) return HELPER.test(rel) ? undefined : `${rel}: a helper must be named fixtures.ts, *-fixtures.ts, helpers.ts or fake-*.ts`;
  const stem = rel.slice(0, -'.test.ts'.length);
  if (srcExists(`src/${stem}.ts`) || srcExists(`src/${stem}/index.ts`)) return undefined;
  return `${rel}: no src/${stem}.ts (or src/${stem}/index.ts) to mirror`;
}

describe('test/unit mirrors src/', () => {
  it('every unit test file has a source file of the same path', () => {
    const problems = walk(UNIT)
      .map((f) => relative(UNIT, f).split('\\').join('/'))
      .map((rel) => mirrorProblem(rel, (p) => existsSync(join(ROOT, p))))
      .filter((p): p is string => p !== undefined);
    expect(problems).toEqual([]);
  });

  it('refuses a test without a source file and an oddly named helper', () => {
    const src = new Set(['src/plan/diff.ts', 'src/plan/topology/index.ts']);
    const has = (p: string) => src.has(p);
    expect(mirrorProblem('plan/diff.test.ts', has)).toBeUndefined();
    expect(mirrorProblem('plan/topology.test.ts', has)).toBeUndefined();
    expect(mirrorProblem('plan/topology/index.test.ts', has)).toBeUndefined();
    expect(mirrorProblem('plan/topology/fixtures.ts', has)).toBeUndefined();
    expect(mirrorProblem('firewall/build.test.ts', has)).toMatch(/no src\/firewall\/build\.ts/);
    expect(mirrorProblem('plan/topo.ts', has)).toMatch(/a helper must be named/);
  });
});
