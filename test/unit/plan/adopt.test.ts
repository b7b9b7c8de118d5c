// Issue 14: adoption of live objects netkeeper did not make (src/plan/adopt.ts, diff.ts).
import { describe, expect, it } from 'vitest';
import { buildDesired } from '../../../src/plan/desired.js';
import { diff } from '../../../src/plan/diff.js';
import { renderIp as render } from '../../../src/render/ip.js';
import { adoptOwners, adoptScope, essentialDiff, parseAdoptFlag, type AdoptScope } from '../../../src/plan/adopt.js';
import { nextAdopted } from '../../../src/shell/adoption-record.js';
import type { LinkRes, Resource } from '../../../src/model/resources.js';
import type { Config } from '../../../src/model/config.js';
import type { Desired } from '../../../src/model/plan.js';
import type { Topology } from '../../../src/model/topology.js';
import { container, observedFrom, topology } from './fixtures.js';

const RESOLV = 'nameserver 10.0.0.2\n';
const topo = topology([container('web', '172.18.0.10')]);
const desired = buildDesired(topo, RESOLV);
const D = desired.resources;

/** The live host as a hand-made script leaves it: the objects the files describe, without netkeeper's marks. */
function handMade(change: (r: Resource) => Resource = (r) => r): Resource[] {
  const out: Resource[] = [];
  for (const r of D.values()) {
    if (r.kind !== 'netns' && r.kind !== 'link' && r.kind !== 'addr') continue;
    const bare = { ...r, owned: false } as Resource;
    if (bare.kind === 'link') {
      delete (bare as Partial<LinkRes>).alias;
      (bare as LinkRes).addrgenNone = false;
    }
    out.push(change(bare));
  }
  return out;
}

const all = (replace = false): AdoptScope => ({
  may: () => true,
  replace,
  owner: () => ({ object: 'Container web', pos: { file: 'a.yaml', line: 3, col: 1 }, adopt: false }),
});

describe('adopting live objects', () => {
  it('without adoption an unmarked namespace and interfaces are in the way, as before', () => {
    const plan = diff(desired, observedFrom(handMade()), { prune: true });
    expect(plan.conflicts.map((c) => c.code)).toContain('unowned-in-the-way');
    expect(plan.changes.some((c) => c.action === 'adopt')).toBe(false);
  });

  it('with adoption: the namespace, bridge and both veth ends are adopted, nothing deleted or made anew', () => {
    const plan = diff(desired, observedFrom(handMade()), { prune: true, adopt: all() });
    expect(plan.conflicts).toEqual([]);
    const adopted = plan.changes.filter((c) => c.action === 'adopt').map((c) => c.key);
    expect(adopted.sort()).toEqual(['link:host/br-frontend', 'link:host/nkweb0', 'link:web/eth0', 'netns:web']);
    expect(plan.changes.filter((c) => c.action === 'delete' || c.action === 'replace')).toEqual([]);
    // the mark is written in place: `link set … alias nk:…`, never `link add`/`link del`/`netns add`
    const prog = render(plan.changes, [...D.values()]);
    const lines = [...prog.host, ...[...prog.nsPost.values()].flat(), ...[...prog.nsPre.values()].flat()].map((l) => l.text);
    expect(lines.filter((l) => /^(link add|link del|netns add|netns delete)/.test(l))).toEqual([]);
    expect(lines).toContain('link set dev br-frontend alias nk:net:frontend');
    expect(lines.some((l) => l.startsWith('link set dev lo') && l.includes('alias nk:netns'))).toBe(true);
  });

  it('a live object that differs in an essential attribute is refused with the document and left alone', () => {
    const live = handMade((r) => (r.kind === 'link' && r.ifname === 'br-frontend' ? { ...r, type: 'veth' } : r));
    const plan = diff(desired, observedFrom(live), { prune: true, adopt: all() });
    const c = plan.conflicts.find((x) => x.code === 'adopt-mismatch')!;
    expect(c.message).toBe('cannot adopt interface br-frontend: type veth → bridge; left alone (--adopt=replace makes it anew, dropping its traffic)');
    expect(c.object).toBe('Container web');
    expect(c.pos).toEqual({ file: 'a.yaml', line: 3, col: 1 });
    expect(plan.changes.some((x) => x.key === 'link:host/br-frontend')).toBe(false);
    // and --adopt=replace makes it anew
    const replaced = diff(desired, observedFrom(live), { prune: true, adopt: all(true) });
    expect(replaced.changes.find((x) => x.key === 'link:host/br-frontend')?.action).toBe('replace');
  });

  it('a veth whose other end is elsewhere is essential; MTU, MAC, master are not', () => {
    const d = D.get('link:web/eth0') as LinkRes;
    expect(essentialDiff(d, { ...d, owned: false, peer: { ns: 'host', ifname: 'veth9' } })).toBe('peer host/veth9 → host/nkweb0');
    expect(essentialDiff(d, { ...d, owned: false, peer: undefined, alias: undefined })).toBe('its other end is not in the host namespace as nkweb0');
    expect(essentialDiff(d, { ...d, owned: false, mtu: 9000, mac: '02:00:00:00:00:01', master: null })).toBeUndefined();
  });

  it('only what the scope allows is adopted (a document without adopt: true stays in the way)', () => {
    const only: AdoptScope = { ...all(), may: (k) => k === 'link:host/br-frontend' };
    const plan = diff(desired, observedFrom(handMade()), { prune: true, adopt: only });
    expect(plan.changes.filter((c) => c.action === 'adopt').map((c) => c.key)).toEqual(['link:host/br-frontend']);
    expect(plan.conflicts.some((c) => c.code === 'unowned-in-the-way' && c.keys?.includes('netns:web'))).toBe(true);
  });

  it('--adopt parses to a mode, and refuses an unknown one', () => {
    expect(parseAdoptFlag(undefined)).toBeUndefined();
    expect(parseAdoptFlag(true)).toEqual({ all: true, replace: false });
    expect(parseAdoptFlag('replace')).toEqual({ all: true, replace: true });
    expect(parseAdoptFlag('rules')).toEqual({ error: '--adopt takes match (the default) or replace, not rules' });
  });

  it('the adoption record gains what was adopted and forgets what netkeeper later deletes or makes anew', () => {
    const o = handMade().find((r) => r.key === 'netns:web')!;
    const d = D.get('netns:web')!;
    const rec = nextAdopted(new Map(), [{ action: 'adopt', key: 'netns:web', before: o, after: d, reason: '' }], new Set(['netns:web']), 'T1');
    expect([...rec]).toEqual([['netns:web', 'T1']]);
    expect([...nextAdopted(rec, [{ action: 'delete', key: 'netns:web', before: d, reason: '' }], new Set(['netns:web']), 'T2')]).toEqual([]);
    // not done: kept
    expect([...nextAdopted(rec, [{ action: 'delete', key: 'netns:web', before: d, reason: '' }], new Set(), 'T2')]).toEqual([['netns:web', 'T1']]);
  });
});

describe('adoption owners at scale (issue 16: a no-op pass at 1000 containers)', () => {
  // only the fields adoptOwners reads
  const N = 300;
  const specs = Array.from({ length: N }, (_, i) => ({ name: `c${i}`, pos: { file: 'f.yaml', line: i + 1, col: 1 }, adopt: i === 7 ? true : undefined }));
  const files = Array.from({ length: N }, (_, i) =>
    ['hosts', 'hostname', 'resolv.conf'].map((f) => ({ kind: 'file', key: `file:/etc/netns/c${i}/${f}`, path: `/etc/netns/c${i}/${f}` })),
  ).flat();
  const topo = {
    networks: [{ name: 'a', bridge: 'br-a' }],
    containers: specs.map((s) => ({
      name: s.name,
      local: true,
      netns: s.name,
      netnsOrigin: 'named',
      attachments: [{ ifname: 'eth0', hostIfname: `nk${s.name}` }],
    })),
    links: [],
  } as unknown as Topology;
  function counted(withAdopt: boolean) {
    let scans = 0;
    const resources = new Map(files.map((r) => [r.key, r]));
    const values = resources.values.bind(resources);
    resources.values = () => {
      scans++;
      return values();
    };
    const config = {
      networks: [{ name: 'a', pos: { file: 'f.yaml', line: 1, col: 1 } }],
      containers: specs.map((s) => (withAdopt ? s : { ...s, adopt: undefined })),
      links: [],
    } as unknown as Config;
    return { config, desired: { resources } as unknown as Desired, scans: () => scans };
  }

  it('reads the desired resources once, not once per container, and gives each file to its container', () => {
    const c = counted(true);
    const owners = adoptOwners(c.config, topo, c.desired);
    expect(c.scans()).toBeLessThanOrEqual(1);
    expect(owners.get('file:/etc/netns/c12/hosts')).toMatchObject({ object: 'Container c12', pos: { line: 13 } });
    expect(owners.get('file:/etc/netns/c1/hosts')?.object).toBe('Container c1'); // not c12's, whose name starts alike
    expect(owners.get('link:host/nkc7')).toMatchObject({ object: 'Container c7', adopt: true });
    expect(owners.size).toBe(1 + N * 7); // the bridge; per container its namespace, lo, eth0, the host end and three files
  });

  it('indexes nothing when no document asks for adoption and --adopt is absent', () => {
    const none = counted(false);
    expect(adoptScope(none.config, topo, none.desired, undefined)).toBeUndefined();
    expect(none.scans()).toBe(0);
    const some = counted(true);
    const scope = adoptScope(some.config, topo, some.desired, undefined)!;
    expect(scope.may('file:/etc/netns/c7/resolv.conf')).toBe(true);
    expect(scope.may('file:/etc/netns/c8/resolv.conf')).toBe(false);
    const all = counted(false);
    expect(adoptScope(all.config, topo, all.desired, { all: true, replace: false })!.may('file:/etc/netns/c8/hosts')).toBe(true);
  });
});
