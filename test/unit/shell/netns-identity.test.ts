// Issue 8 item 1: the identity (device and inode) of the host's namespace, each adopted
// one and the named ones, which the plan compares to refuse an adopted namespace.
import { describe, expect, it } from 'vitest';
import { readNetnsIdentity } from '../../../src/shell/netns-identity.js';
import type { ObserveFs } from '../../../src/shell/observe.js';
import { config, ctr, pos } from '../plan/topology/fixtures.js';

const byPid = (name: string, pid: number, line = 10) => ctr(name, { netns: { type: 'pid', pid }, mode: { type: 'none' }, pos: pos(line) });
const byPath = (name: string, path: string, line = 10) => ctr(name, { netns: { type: 'path', path }, mode: { type: 'none' }, pos: pos(line) });

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
    const r = await readNetnsIdentity(config({ containers: [ctr('web')] }), fs);
    expect(fs.asked).toEqual([]);
    expect(r.adopted.size).toBe(0);
  });

  it("compares device and inode: the host's (/proc/self/ns/net), each adopted one, and the named ones", async () => {
    const fs = fakeFs({ '/proc/self/ns/net': [4, 1], '/proc/9/ns/net': [4, 1], '/run/netns/web-ns': [4, 7] });
    const cfg = config({ containers: [byPid('ext', 9), byPath('gone', '/nope'), ctr('web', { netns: { type: 'named', name: 'web-ns' } })] });
    const r = await readNetnsIdentity(cfg, fs);
    expect(r.host).toBe('4:1');
    expect([...r.adopted]).toEqual(expect.arrayContaining([['ext', '4:1'], ['gone', undefined]]));
    expect([...r.named]).toEqual([['web', '4:7']]);
  });
});
