// Issue 8 item 1: an adopted namespace that is the host's, one adopted twice, or a
// file that is no network namespace is refused, naming the document.
import { describe, expect, it } from 'vitest';
import { adoptedNetnsErrors, type NetnsIdentity } from '../../../src/plan/adopted-netns.js';
import { buildTopology } from '../../../src/plan/topology/index.js';
import { identitySpec, readNetnsIdentity } from '../../../src/shell/observe/netns-identity.js';
import type { ObserveFs } from '../../../src/shell/host-fs.js';
import type { Config } from '../../../src/model/config.js';
import type { Observed } from '../../../src/model/plan.js';
import type { Resource } from '../../../src/model/resources.js';
import { config, ctr, observed, pos } from './topology/fixtures.js';

const byPid = (name: string, pid: number, line = 10) => ctr(name, { netns: { type: 'pid', pid }, mode: { type: 'none' }, pos: pos(line) });
const byPath = (name: string, path: string, line = 10) => ctr(name, { netns: { type: 'path', path }, mode: { type: 'none' }, pos: pos(line) });

function check(cfg: Config, ids: NetnsIdentity, obs: Observed = observed()) {
  const t = buildTopology(cfg, obs, 'node-a');
  if (!t.ok) throw new Error(JSON.stringify(t.errors));
  return adoptedNetnsErrors(t.value, cfg, ids, obs);
}

const ids = (host: string, adopted: Record<string, string | undefined>, named: Record<string, string> = {}): NetnsIdentity => ({
  host,
  adopted: new Map(Object.entries(adopted)),
  named: new Map(Object.entries(named)),
});

describe('adoptedNetnsErrors', () => {
  it("refuses the host's own namespace, naming the document and the path", () => {
    const errs = check(config({ containers: [byPid('ext', 1, 12)] }), ids('4:100', { ext: '4:100' }));
    expect(errs).toEqual([expect.objectContaining({ code: 'netns-is-host', object: 'Container ext', pos: pos(12) })]);
    expect(errs[0].message).toMatch(/^netns \/proc\/1\/ns\/net is the host's own network namespace/);
  });

  it("refuses the second of two containers adopting one namespace, and one adopting a named container's", () => {
    const errs = check(
      config({ containers: [byPid('one', 50), byPath('two', '/proc/50/ns/net', 20), byPath('spy', '/run/netns/web', 30), ctr('web')] }),
      ids('4:1', { one: '4:50', two: '4:50', spy: '4:77' }, { web: '4:77' }),
    );
    expect(errs.map((e) => [e.code, e.object])).toEqual([
      ['netns-shared-twice', 'Container spy'],
      ['netns-shared-twice', 'Container two'],
    ]);
    expect(errs[0].message).toContain('same network namespace as Container web (/run/netns/web); to share a namespace, use mode: "container:web"');
    expect(errs[1].message).toContain('same network namespace as Container one (/proc/50/ns/net)');
  });

  it('refuses a path observe could not enter as a network namespace', () => {
    const broken: Resource = {
      kind: 'netns',
      key: 'netns:ext',
      ns: 'ext',
      owned: true,
      name: 'ext',
      origin: 'adopted',
      path: '/tmp/f',
      broken: "nsenter: reassociate to namespace 'ns/net' failed: Invalid argument",
    };
    const errs = check(config({ containers: [byPath('ext', '/tmp/f')] }), ids('4:1', { ext: '8:9' }), observed([broken]));
    expect(errs).toEqual([expect.objectContaining({ code: 'netns-not-network', object: 'Container ext' })]);
    expect(errs[0].message).toContain('/tmp/f is not a network namespace (nsenter: reassociate');
  });

  it('accepts distinct namespaces, leaves a missing one to the plan, and ignores containers of other hosts', () => {
    const cfg = config({
      hosts: [{ kind: 'Host', name: 'node-b', address: '10.0.0.2', pos: pos() }],
      containers: [byPid('a', 10), byPid('b', 11), byPid('gone', 12), { ...byPid('far', 1), host: 'node-b' }],
    });
    expect(check(cfg, ids('4:1', { a: '4:10', b: '4:11', gone: undefined, far: '4:1' }))).toEqual([]);
  });
});

describe('readNetnsIdentity', () => {
  const fakeFs = (stats: Record<string, [number, number]>): ObserveFs & { asked: string[] } => {
    const asked: string[] = [];
    return {
      asked,
      readFile: async () => undefined,
      readdir: async () => [],
      stat: async (p) => {
        asked.push(p);
        const s = stats[p];
        return s ? { dev: s[0], ino: s[1] } : undefined;
      },
    };
  };

  it('reads nothing when no container adopts a namespace', async () => {
    const fs = fakeFs({});
    const r = await readNetnsIdentity(identitySpec(config({ containers: [ctr('web')] })), fs);
    expect(fs.asked).toEqual([]);
    expect(r.adopted.size).toBe(0);
  });

  it("compares device and inode: the host's (/proc/self/ns/net), each adopted one, and the named ones", async () => {
    const fs = fakeFs({ '/proc/self/ns/net': [4, 1], '/proc/9/ns/net': [4, 1], '/run/netns/web-ns': [4, 7] });
    const cfg = config({ containers: [byPid('ext', 9), byPath('gone', '/nope'), ctr('web', { netns: { type: 'named', name: 'web-ns' } })] });
    const r = await readNetnsIdentity(identitySpec(cfg), fs);
    expect(r.host).toBe('4:1');
    expect([...r.adopted]).toEqual(
      expect.arrayContaining([
        ['ext', '4:1'],
        ['gone', undefined],
      ]),
    );
    expect([...r.named]).toEqual([['web', '4:7']]);
  });
});
