// Which namespaces may be written before the host batch ends (src/shell/apply/host-waves.ts).
import { describe, expect, it } from 'vitest';
import { hostWaves, lastHostLines } from '../../../../src/shell/apply/host-waves.js';
import type { Line } from '../../../../src/render/index.js';

const veth = (ns: string, host: string, path = `/run/netns/${ns}`): Line[] => [
  { text: `link add name ${host} mtu 1500 type veth peer name eth0 netns ${path} mtu 1500`, key: `link:host/${host}` },
  { text: `link set dev ${host} addrgenmode none`, key: `link:host/${host}` },
  { text: `link set dev ${host} master br-a alias nk:veth:${ns}/eth0 up`, key: `link:host/${host}` },
];

describe('lastHostLines', () => {
  it("a namespace needs its netns add, the link whose end goes into it and every line of that link's change", () => {
    const host: Line[] = [
      { text: 'netns add web', key: 'netns:web' },
      { text: 'netns add db', key: 'netns:db' },
      { text: 'link add name br-a type bridge', key: 'link:host/br-a' },
      ...veth('db', 'nkdb'),
      ...veth('web', 'nkweb'),
      { text: 'link add name p2p0 netns /run/netns/web type veth peer name p2p0 netns /run/netns/db', key: 'link:web/p2p0' },
      { text: 'link set dev nkdb type bridge_slave hairpin on', key: 'link:host/nkdb' },
      { text: 'addr replace 10.88.0.1/16 dev br-a', key: 'addr:host/br-a/10.88.0.1/16' },
    ];
    expect(Object.fromEntries(lastHostLines(host, new Set(['web', 'db', 'idle']), {}))).toEqual({ web: 9, db: 10 });
  });

  it('finds a namespace by the path it is entered by (adopted, shared)', () => {
    const host = veth('db', 'nkdb', '/proc/77/ns/net');
    expect([...lastHostLines(host, new Set(['db']), { db: '/proc/77/ns/net' })]).toEqual([['db', 2]]);
    expect([...lastHostLines(host, new Set(['db']), {})]).toEqual([]);
  });
});

describe('hostWaves', () => {
  const names = Array.from({ length: 6 }, (_, i) => `c${i}`);
  const host: Line[] = [
    ...names.map((n) => ({ text: `netns add ${n}`, key: `netns:${n}` })),
    ...names.flatMap((n) => veth(n, `nk${n}`)),
    { text: 'addr replace 10.88.0.1/16 dev br-a', key: 'addr:host/br-a/10.88.0.1/16' },
  ];
  const jobs = [...names, 'other'].map((ns) => ({ ns }));

  it('cuts the host batch where a share of the namespaces is ready; the rest wait for all of it', () => {
    const w = hostWaves(host, jobs, {}, new Set(['c5']), { chunks: 3, minWave: 1 });
    // c0..c4 are early (c5 is held: a sysctl or a mount), 2 per chunk
    expect(w.ends).toEqual([6 + 6, 6 + 12, host.length]);
    expect(w.waves).toEqual([[0, 1], [2, 3], [4]]);
    expect(w.late).toEqual([5, 6]);
  });

  it('too few namespaces: the one batch and every namespace after it, as before', () => {
    expect(hostWaves(host, jobs, {}, new Set(), { chunks: 8, minWave: 32 })).toEqual({ ends: [host.length], waves: [[]], late: [0, 1, 2, 3, 4, 5, 6] });
    expect(hostWaves([], jobs, {}, new Set())).toEqual({ ends: [], waves: [], late: [0, 1, 2, 3, 4, 5, 6] });
  });
});
