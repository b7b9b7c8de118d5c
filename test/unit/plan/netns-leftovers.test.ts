// Issue 8 item 10: interfaces that outlive their namespace's name are deleted in it first.
import { describe, expect, it } from 'vitest';
import { diff } from '../../../src/plan/diff.js';
import { renderIp as render } from '../../../src/render/ip.js';
import { outlivesItsNetns } from '../../../src/plan/netns-leftovers.js';
import type { LinkRes, Resource } from '../../../src/model/resources.js';
import { observedFrom } from './fixtures.js';

const netns = (name: string): Resource => ({ kind: 'netns', key: `netns:${name}`, ns: name, owned: true, name, origin: 'named', path: `/run/netns/${name}` });
const lo = (ns: string): LinkRes => ({ kind: 'link', key: `link:${ns}/lo`, ns, owned: true, ifname: 'lo', type: 'loopback', up: true, alias: 'nk:netns' });
const link = (ns: string, ifname: string, over: Partial<LinkRes>): LinkRes => ({
  kind: 'link',
  key: `link:${ns}/${ifname}`,
  ns,
  ifname,
  owned: true,
  type: 'veth',
  up: true,
  ...over,
});
const addr = (ns: string, ifname: string, cidr: string): Resource => ({ kind: 'addr', key: `addr:${ns}/${ifname}/${cidr}`, ns, owned: true, ifname, cidr });

function removeAll(observed: Resource[]) {
  const plan = diff({ resources: new Map() }, observedFrom(observed), { prune: true });
  return { plan, prog: render(plan.changes, observed) };
}

describe('deleting a namespace that a process may still hold', () => {
  it('deletes a macvlan inside it first (it would stay on the LAN), then the name', () => {
    const { plan, prog } = removeAll([
      netns('m1'),
      lo('m1'),
      link('m1', 'eth0', { type: 'macvlan', macvlan: { parent: 'lan0', mode: 'bridge' }, alias: 'nk:macvlan:m1/eth0' }),
      addr('m1', 'eth0', '192.168.9.11/24'),
    ]);
    expect(plan.changes.map((c) => `${c.action} ${c.key}`)).toEqual(['delete link:m1/eth0', 'delete netns:m1']);
    expect(prog.nsPre.get('m1')!.map((l) => l.text)).toEqual(['link del dev eth0']);
    expect(prog.host.map((l) => l.text)).toEqual(['netns delete m1']);
  });

  it('a veth with its host end: the host end goes (and takes the pair), nothing inside', () => {
    const { plan, prog } = removeAll([
      netns('web'),
      link('web', 'eth0', { peer: { ns: 'host', ifname: 'nkweb0' }, alias: 'nk:veth:web/eth0' }),
      link('host', 'nkweb0', { peer: { ns: 'web', ifname: 'eth0' }, alias: 'nk:veth:web/eth0' }),
    ]);
    expect(plan.changes.map((c) => `${c.action} ${c.key}`)).toEqual(['delete link:host/nkweb0', 'delete netns:web']);
    expect(prog.nsPre.size).toBe(0);
  });

  it('a veth between two namespaces that both go: deleted once, from its primary end', () => {
    const { plan, prog } = removeAll([
      netns('a'),
      netns('b'),
      link('a', 'p2p0', { peer: { ns: 'b', ifname: 'p2p0' }, alias: 'nk:veth:b/p2p0' }),
      link('b', 'p2p0', { peer: { ns: 'a', ifname: 'p2p0' }, alias: 'nk:veth:a/p2p0' }),
    ]);
    expect(plan.changes.map((c) => `${c.action} ${c.key}`)).toEqual(['delete link:a/p2p0', 'delete netns:a', 'delete netns:b']);
    expect([...prog.nsPre].map(([ns, ls]) => [ns, ls.map((l) => l.text)])).toEqual([['a', ['link del dev p2p0']]]);
  });

  it('outlivesItsNetns', () => {
    const gone = new Set(['netns:a', 'netns:b']);
    expect(outlivesItsNetns(link('a', 'x', { type: 'macvlan' }), undefined, gone)).toBe(true);
    expect(outlivesItsNetns(link('a', 'x', {}), { ns: 'host', ifname: 'nkx' }, gone)).toBe(false);
    expect(outlivesItsNetns(link('a', 'x', {}), { ns: 'c', ifname: 'y' }, gone)).toBe(false);
    expect(outlivesItsNetns(link('a', 'x', {}), { ns: 'b', ifname: 'y' }, gone)).toBe(true);
    expect(outlivesItsNetns(link('b', 'y', {}), { ns: 'a', ifname: 'x' }, gone)).toBe(false);
  });
});
