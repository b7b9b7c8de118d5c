import { describe, expect, it } from 'vitest';
import { ReadScope, auditCount } from '../../../src/shell/read-scope.js';
import { HOST_READ } from '../../../src/observe/batch.js';

const reads = (names: string[]) => new Map(names.map((n) => [`/run/netns/${n}`, `batch of ${n}`]));
const names = (paths: Iterable<string>) => [...paths].map((p) => p.slice('/run/netns/'.length)).sort();
const all = Array.from({ length: 10 }, (_, i) => `c${i}`);

describe('ReadScope: which namespaces a watcher pass reads again', () => {
  it('the first pass reads everything; afterwards nothing without an event', () => {
    const s = new ReadScope();
    expect(s.begin(false).reuse).toBeUndefined(); // nothing known yet: events may have been missed
    s.end(reads(all));
    const p = s.begin(false);
    expect(names(p.reuse!.keys())).toEqual(all);
    expect(p.dirty).toEqual([]);
  });

  it('an event makes its namespace read again, once', () => {
    const s = new ReadScope();
    s.begin(true);
    s.end(reads(all));
    s.changed('c3');
    s.changed('c7');
    const p = s.begin(false);
    expect(names(p.dirty)).toEqual(['c3', 'c7']);
    expect(p.reuse!.has('/run/netns/c3')).toBe(false);
    expect(p.reuse!.size).toBe(8);
    s.end(reads(all)); // the pass read them again
    expect(s.begin(false).reuse!.size).toBe(10);
  });

  it('an event that arrives during a pass is read again by the next pass, whatever that pass recorded', () => {
    const s = new ReadScope();
    s.begin(true);
    const p = s.begin(false); // the pass starts
    expect(p.reuse!.size).toBe(0);
    s.changed('c1'); // ... meanwhile
    s.end(reads(all)); // the pass's reads (c1 read before the event)
    expect(s.begin(false).reuse!.has('/run/netns/c1')).toBe(false);
  });

  it('a full pass (start, SIGHUP, retry) and lost events read everything', () => {
    const s = new ReadScope();
    s.begin(true);
    s.end(reads(all));
    expect(s.begin(true).reuse).toBeUndefined();
    s.end(reads(all));
    s.lost();
    expect(s.begin(false).reuse).toBeUndefined();
    s.end(reads(all));
    s.forget();
    expect(s.begin(false).reuse!.size).toBe(0);
  });

  it('the rolling audit reads every namespace within the window, a slice per resync, in turn', () => {
    const s = new ReadScope();
    s.begin(true);
    s.end(reads(all));
    const n = auditCount(10, 30_000, 120_000); // 4 resyncs per window
    expect(n).toBe(3);
    const seen: string[][] = [];
    for (let i = 0; i < 4; i++) {
      const p = s.begin(false, n);
      seen.push(names(p.audited));
      expect(p.reuse!.size).toBe(10 - n);
      s.end(reads(all));
    }
    expect(new Set(seen.flat())).toEqual(new Set(all));
    expect(seen[0]).toEqual(['c0', 'c1', 'c2']);
    expect(seen[3]).toEqual(['c0', 'c1', 'c9']); // wraps round
  });

  it('keeps only named namespaces (adopted ones are read on every pass)', () => {
    const s = new ReadScope();
    s.begin(true);
    s.end(new Map([...reads(['a']), ['/proc/42/ns/net', 'x']]));
    expect([...s.begin(false).reuse!.keys()]).toEqual(['/run/netns/a']);
  });

  it('namedSinceBegin: the namespaces events named after the pass began (what its reuse may have made stale)', () => {
    const s = new ReadScope();
    s.begin(true);
    s.end(reads(['a', 'b']));
    s.changed('a');
    s.begin(false); // a is read again by this pass; nothing named since
    expect(s.namedSinceBegin()).toEqual([]);
    s.changed('b');
    expect(s.namedSinceBegin()).toEqual(['/run/netns/b']);
    expect(s.begin(false).dirty).toEqual(['/run/netns/b']); // and the next pass reads it again
  });

  it('auditCount: everything when the window is not longer than the interval', () => {
    expect(auditCount(1000, 30_000, 300_000)).toBe(100);
    expect(auditCount(1000, 30_000, 30_000)).toBe(1000);
    expect(auditCount(0, 30_000, 300_000)).toBe(0);
    expect(auditCount(7, 30_000, 300_000)).toBe(1);
  });
});

describe("ReadScope: the host's own read", () => {
  const withHost = (ns: string[]) => new Map([...reads(ns), [HOST_READ, 'host batch']]);

  it('is kept like a namespace’s, and read again after a host event', () => {
    const s = new ReadScope();
    s.begin(true);
    s.end(withHost(all));
    expect(s.begin(false).reuse!.get(HOST_READ)).toBe('host batch');
    s.end(withHost(all));
    s.changedHost();
    expect(s.namedSinceBegin()).toEqual([HOST_READ]);
    const p = s.begin(false);
    expect(p.reuse!.has(HOST_READ)).toBe(false);
    expect(p.dirty).toEqual([HOST_READ]);
    expect(p.reuse!.size).toBe(10);
  });

  it('is read again in its turn by the audit, and after lost events', () => {
    const s = new ReadScope();
    s.begin(true);
    s.end(withHost(all));
    let audited = 0;
    for (let i = 0; i < 11; i++) {
      const p = s.begin(false, 1);
      if (p.audited.includes(HOST_READ)) audited++;
      s.end(withHost(all));
    }
    expect(audited).toBe(1); // 11 reads kept, one per resync: each once in 11
    s.lost();
    expect(s.begin(false).reuse).toBeUndefined();
  });
});
