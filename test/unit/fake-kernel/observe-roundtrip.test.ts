// The fake kernel answers observe as the real kernel did: capture.sh replayed on the
// fake, observed through src/shell/observe.ts, gives the objects the real capture gives
// (test/fixtures/ip, parsed by assembleObserved) — but for MACs and ifindexes the
// kernel chose at random.

import { describe, expect, it } from 'vitest';
import type { Resource } from '../../../src/model/resources.js';
import type { EtcNetnsFile } from '../../../src/observe/files.js';
import { assembleObserved, type NsCapture } from '../../../src/observe/observed.js';
import { observe } from '../../../src/shell/observe/kernel.js';
import { observeFs } from '../../helpers/fake-kernel/index.js';
import { fixture, fixtureJson } from '../observe/fixtures.js';
import { captureOnFake } from './capture-setup.js';

const ns = (name: string): NsCapture => ({ name, path: `/run/netns/${name}`, origin: 'named', batch: fixture(`ns_${name}_batch.txt`) });

function realObserved() {
  return assembleObserved({
    hostBatch: fixture('host_batch.txt'),
    fdb: { devs: ['vx-nk'], stdout: fixture('fdb_batch.txt') },
    namespaces: [ns('foreign'), ns('r1'), ns('r2'), ns('web'), { name: 'side', path: '/run/netns/side', origin: 'shared', sharedWith: 'web' }],
    files: fixtureJson<EtcNetnsFile[]>('etc_netns.json'),
    resolvConf: 'nameserver 192.0.2.53\n',
    hostname: 'node-a',
  });
}

/** What the kernel picks at random: MACs nobody set, ifindexes. */
function comparable(r: Resource): Resource {
  if (r.kind !== 'link') return r;
  const { ifindex: _i, mac, ...rest } = r;
  return mac === '02:42:ac:12:00:0a' ? { ...rest, mac } : rest;
}

describe('fake kernel: observe round trip against the real capture', () => {
  it('gives the same resources and facts as the captured iproute2 6.1 output', async () => {
    const k = captureOnFake();
    const fake = await observe(k, { fs: observeFs(k), hostname: 'node-a', preferPrimary: ['web'] });
    const real = realObserved();
    const sortK = (m: Map<string, Resource>) => [...m.values()].map(comparable).sort((a, b) => (a.key < b.key ? -1 : 1));
    expect(sortK(fake.resources)).toEqual(sortK(real.resources));
    const { linkMtu: _a, ...fakeFacts } = fake.facts;
    const { linkMtu: _b, ...realFacts } = real.facts;
    expect(fakeFacts).toEqual(realFacts);
    expect(fake.facts.linkMtu).toEqual(real.facts.linkMtu);
  });

  it('reads each namespace with one batch through the sh workers, and the FDB with one bridge batch', async () => {
    const k = captureOnFake();
    await observe(k, { fs: observeFs(k), hostname: 'node-a', concurrency: 2 });
    expect(k.calls.map((c) => c[0]).sort()).toEqual(['bridge', 'ip', 'sh', 'sh']);
  });
});
