// The watcher's cache of parsed namespace reads: the same text gives the same
// observation without parsing again, a text that differs in a byte is parsed, what
// two passes did not see is dropped, and assembling never changes what it shares.
import { describe, expect, it } from 'vitest';
import { assembleObserved, type NsCapture } from '../../../src/observe/observed.js';
import { NsBatchCache } from '../../../src/observe/ns-batch-cache.js';
import type { EtcNetnsFile } from '../../../src/observe/files.js';
import { fixture, fixtureJson } from './fixtures.js';

const NAMES = ['foreign', 'r1', 'r2', 'web'];
const ns = (name: string, batch = fixture(`ns_${name}_batch.txt`)): NsCapture => ({ name, path: `/run/netns/${name}`, origin: 'named', batch });

function capture(namespaces = NAMES.map((n) => ns(n))) {
  return {
    hostBatch: fixture('host_batch.txt'),
    fdb: { devs: ['vx-nk'], stdout: fixture('fdb_batch.txt') },
    namespaces: [...namespaces, { name: 'side', path: '/run/netns/side', origin: 'shared', sharedWith: 'web' } as NsCapture],
    files: fixtureJson<EtcNetnsFile[]>('etc_netns.json'),
    resolvConf: 'nameserver 192.0.2.53\n',
    hostname: 'node-a',
  };
}

function deepFreeze(o: unknown): void {
  if (o === null || typeof o !== 'object' || Object.isFrozen(o)) return;
  Object.freeze(o);
  for (const v of Object.values(o)) deepFreeze(v);
}

describe('NsBatchCache', () => {
  it('assembles what parsing every read assembles, and parses a read seen before only once', () => {
    const plain = assembleObserved(capture());
    const cache = new NsBatchCache();
    const first = assembleObserved({ ...capture(), nsBatches: cache });
    expect(first).toEqual(plain);
    expect([cache.hits, cache.misses]).toEqual([0, 4]);
    cache.settle();
    const second = assembleObserved({ ...capture(), nsBatches: cache });
    expect(second).toEqual(plain);
    expect([cache.hits, cache.misses]).toEqual([4, 0]);
  });

  it('shares nothing it changes: assembling from frozen parsed reads gives the same observation', () => {
    const cache = new NsBatchCache();
    const plain = assembleObserved(capture());
    for (const n of NAMES) deepFreeze(cache.parse(fixture(`ns_${n}_batch.txt`), n));
    // would throw (ESM is strict) if assembling wrote into a shared parsed document
    expect(assembleObserved({ ...capture(), nsBatches: cache })).toEqual(plain);
    expect(assembleObserved({ ...capture(), nsBatches: cache })).toEqual(plain);
  });

  it('a read that differs in one byte is parsed again, and is what the observation shows', () => {
    const cache = new NsBatchCache();
    assembleObserved({ ...capture(), nsBatches: cache });
    cache.settle();
    const web = fixture('ns_web_batch.txt');
    expect(web).toContain('172.18.0.10');
    const changed = web.replaceAll('172.18.0.10', '172.18.0.11');
    const o = assembleObserved({ ...capture([...NAMES.filter((n) => n !== 'web').map((n) => ns(n)), ns('web', changed)]), nsBatches: cache });
    expect([cache.hits, cache.misses]).toEqual([3, 1]);
    expect(o.resources.has('addr:web/eth0/172.18.0.11/24')).toBe(true);
    expect(o.resources.has('addr:web/eth0/172.18.0.10/24')).toBe(false);
  });

  it('keeps what the last two passes parsed or reused, and drops the rest', () => {
    const cache = new NsBatchCache();
    cache.parse(fixture('ns_web_batch.txt'), 'web');
    cache.parse(fixture('ns_r1_batch.txt'), 'r1');
    cache.settle();
    cache.parse(fixture('ns_web_batch.txt'), 'web');
    expect(cache.size).toBe(2);
    cache.settle();
    expect(cache.size).toBe(1); // r1 was not seen in the last pass
    cache.parse(fixture('ns_web_batch.txt'), 'web');
    expect([cache.hits, cache.misses]).toEqual([1, 0]);
  });
});
