// Unit tests mirror src/: test/unit/<folder>/<file>.test.ts tests src/<folder>/<file>.ts
// (or the folder module src/<folder>/<file>/index.ts), so the test of a file is found
// without searching. A second test file of one source file adds an aspect after a dash
// (shell/pass-fake-kernel.test.ts tests src/shell/pass.ts). Tests of the test helpers
// mirror test/helpers/ the same way (fake-kernel/kernel.test.ts). Helpers beside the
// tests are named fixtures, helpers, *-setup or fake-*.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const UNIT = join(ROOT, 'test/unit');

/** Cross-cutting tests that check the whole tree rather than one file. Keep it short. */
const CROSS_CUTTING = new Set([
  'purity.test.ts', // pure folders import no side effects
  'mirror.test.ts', // this file
  'operations-examples.test.ts', // examples/operations against the built CLI
  'plan/golden.test.ts', // golden scenario folders through the whole plan stage
  'fake-kernel/observe-roundtrip.test.ts', // the fake kernel's answers read back by src/observe
  'lint.test.ts', // biome over the tree
  'cli/command-line.test.ts', // the built command line as a user meets it (src/cli.ts, src/cli/)
  'cli/exit-codes.test.ts', // exit codes of the built command line
  'cli/run-cli.ts', // their helper: runs dist/cli.js
]);

/** Helpers beside the tests: fixtures.ts, *-fixtures.ts, helpers.ts, *-setup.ts, fake-*.ts. */
const HELPER = /(^|\/|-)fixtures\.ts$|(^|\/)helpers\.ts$|-setup\.ts$|(^|\/)fake-[a-z0-9-]+\.ts$/;

/** The source files a test may stand for: the same path, the folder's index, and without trailing -aspects. */
function candidates(stem: string): string[] {
  const out: string[] = [];
  for (let s = stem; ; ) {
    for (const root of ['src', 'test/helpers']) out.push(`${root}/${s}.ts`, `${root}/${s}/index.ts`);
    const cut = s.lastIndexOf('-');
    if (cut <= s.lastIndexOf('/') + 1) return out;
    s = s.slice(0, cut);
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Why a file under test/unit does not mirror src/, or undefined when it does. */
function mirrorProblem(rel: string, srcExists: (p: string) => boolean): string | undefined {
  if (CROSS_CUTTING.has(rel)) return undefined;
  if (!rel.endsWith('.ts')) return `${rel}: not a TypeScript file (fixtures live in test/fixtures/)`;
  if (!rel.endsWith('.test.ts'))
    return HELPER.test(rel) ? undefined : `${rel}: a helper must be named fixtures.ts, *-fixtures.ts, helpers.ts, *-setup.ts or fake-*.ts`;
  const stem = rel.slice(0, -'.test.ts'.length);
  if (candidates(stem).some(srcExists)) return undefined;
  return `${rel}: no src/${stem}.ts (or src/${stem}/index.ts, or test/helpers/${stem}.ts) to mirror`;
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
    const src = new Set(['src/plan/diff.ts', 'src/plan/topology/index.ts', 'src/shell/watch-pass.ts', 'test/helpers/fake-kernel/kernel.ts']);
    const has = (p: string) => src.has(p);
    expect(mirrorProblem('plan/diff.test.ts', has)).toBeUndefined();
    expect(mirrorProblem('plan/topology.test.ts', has)).toBeUndefined();
    expect(mirrorProblem('plan/topology/index.test.ts', has)).toBeUndefined();
    expect(mirrorProblem('plan/topology/fixtures.ts', has)).toBeUndefined();
    expect(mirrorProblem('shell/watch-pass-fake.test.ts', has)).toBeUndefined();
    expect(mirrorProblem('fake-kernel/kernel.test.ts', has)).toBeUndefined();
    expect(mirrorProblem('shell/watch.test.ts', has)).toMatch(/no src\/shell\/watch\.ts/);
    expect(mirrorProblem('plan/diffs.test.ts', has)).toMatch(/no src\/plan\/diffs\.ts/);
    expect(mirrorProblem('firewall/build.test.ts', has)).toMatch(/no src\/firewall\/build\.ts/);
    expect(mirrorProblem('plan/topo.ts', has)).toMatch(/a helper must be named/);
  });
});
