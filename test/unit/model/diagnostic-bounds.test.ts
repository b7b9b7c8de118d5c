// Bounded diagnostics: a few dozen errors then a count, values echoed at most ~60
// characters, and reading stops once enough errors are in hand.
import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { boundDiagnostics, clip, echo, MAX_DIAGNOSTICS } from '../../../src/model/diagnostic-bounds.js';
import { formatDiagnostic, type Diagnostic } from '../../../src/model/diagnostic.js';

const errorsOf = (text: string): Diagnostic[] => {
  const r = parseConfig([{ path: 'd/a.yaml', text }]);
  if (r.ok) throw new Error('expected errors');
  return r.errors;
};

describe('clip and echo', () => {
  test('short values unchanged, long ones cut to the limit with …', () => {
    expect(clip('abc')).toBe('abc');
    const long = clip('x'.repeat(1000));
    expect(long).toHaveLength(60);
    expect(long.endsWith('…')).toBe(true);
    expect(echo('y'.repeat(10_000))).toBe(`"${'y'.repeat(59)}…"`);
    expect(echo(42)).toBe('42');
    expect(echo(Array.from({ length: 5000 }, (_, i) => i))).toBe('a list of 5000 items');
  });
  test('a surrogate pair is never cut in half', () => {
    const s = 'a'.repeat(58) + '😀' + 'b'.repeat(10);
    const c = clip(s);
    expect(c).toBe('a'.repeat(58) + '…');
    expect(() => encodeURIComponent(c)).not.toThrow();
  });
  test('boundDiagnostics keeps the first ones and counts the rest', () => {
    const ds: Diagnostic[] = Array.from({ length: 953_250 }, (_, i) => ({ code: 'schema', message: `m${i}` }));
    const b = boundDiagnostics(ds);
    expect(b).toHaveLength(MAX_DIAGNOSTICS + 1);
    expect(b[MAX_DIAGNOSTICS]).toEqual({ code: 'too-many-diagnostics', message: '… and 953,200 more errors' });
    expect(boundDiagnostics(ds.slice(0, 51))[50].message).toBe('… and 1 more error');
    expect(boundDiagnostics(ds.slice(0, 50))).toHaveLength(50);
  });
});

describe('a directory of many bad documents', () => {
  test('stops reading after a few dozen errors and says so', () => {
    const text = '---\nkind: Network\nname: "x!"\n'.repeat(10_000) + '---\nkind: Late\nname: z\n';
    const errs = errorsOf(text);
    expect(errs).toHaveLength(MAX_DIAGNOSTICS + 1);
    expect(errs.slice(0, MAX_DIAGNOSTICS).every((e) => e.code === 'invalid-name')).toBe(true);
    expect(errs[MAX_DIAGNOSTICS].code).toBe('too-many-diagnostics');
    expect(errs[MAX_DIAGNOSTICS].message).toMatch(/^… and more: checking stopped after 51 errors/);
    // the last document was never read
    expect(errs.some((e) => e.message.includes('Late'))).toBe(false);
  });
  test('YAML errors count too', () => {
    const errs = errorsOf('---\nkind: Network\nname: a\n  bad: [\n'.repeat(200));
    expect(errs.length).toBeLessThanOrEqual(MAX_DIAGNOSTICS + 1);
    expect(errs[errs.length - 1].code).toBe('too-many-diagnostics');
  });
  test('errors of the rules are counted exactly', () => {
    const text = Array.from({ length: 81 }, () => 'kind: Host\nname: h\naddress: 10.0.0.1\n').join('---\n');
    const errs = errorsOf(text);
    expect(errs).toHaveLength(MAX_DIAGNOSTICS + 1);
    expect(errs[MAX_DIAGNOSTICS]).toEqual({ code: 'too-many-diagnostics', message: '… and 30 more errors' });
  });
  test('one document with thousands of bad entries', () => {
    const ports = Array.from({ length: 5000 }, () => '  - {hostPort: 0, containerPort: 80}').join('\n');
    const errs = errorsOf(`kind: Container\nname: c\nports:\n${ports}\n`);
    expect(errs).toHaveLength(MAX_DIAGNOSTICS + 1);
    expect(errs[MAX_DIAGNOSTICS].message).toMatch(/checking stopped after [0-9,]+ errors/);
  });
});

describe('huge values are not echoed whole', () => {
  test('a 1 MB name', () => {
    const errs = errorsOf(`kind: Network\nname: ${'a'.repeat(1 << 20)}\n`);
    expect(errs).toHaveLength(1);
    const line = formatDiagnostic(errs[0]);
    expect(errs[0].code).toBe('invalid-name');
    expect(line.length).toBeLessThan(400);
    expect(errs[0].object).toBe(`Network ${'a'.repeat(59)}…`);
    expect(errs[0].message).toContain(`"${'a'.repeat(59)}…"`);
  });
  test('a huge unknown field, kind, and wrongly typed value', () => {
    const big = 'k'.repeat(1 << 20);
    for (const text of [`kind: Network\nname: n\n${big}: 1\n`, `kind: ${big}\nname: n\n`, `kind: Network\nname: n\nmtu: ${big}\n`]) {
      const errs = errorsOf(text);
      for (const e of errs) expect(formatDiagnostic(e).length).toBeLessThan(600);
    }
  });
  test("a value the schema lets through is still clipped in a rule's message", () => {
    const errs = errorsOf(`kind: Container\nname: c\nextraHosts: ["h:${'1'.repeat(100_000)}"]\n`);
    expect(errs).toHaveLength(1);
    expect(formatDiagnostic(errs[0]).length).toBeLessThan(400);
  });
});
