// buildWorld: the views the evaluator walks, from what observe returns. Where the
// kernel's ifindex pairs could not place a veth's other end (young namespaces
// number their interfaces alike), netkeeper's own marks do.
import { describe, expect, it } from 'vitest';
import { buildWorld } from '../../../src/explain/world.js';
import type { ObservedHost } from '../../../src/model/observed-host.js';
import { type Resource, toMap } from '../../../src/model/resources.js';

const veth = (ns: string, ifname: string, alias: string, peer?: { ns: string; ifname: string }): Resource => ({
  kind: 'link',
  key: `link:${ns}/${ifname}`,
  ns,
  owned: true,
  ifname,
  type: 'veth',
  up: true,
  alias,
  ...(peer ? { peer } : {}),
});
const netns = (name: string): Resource => ({ kind: 'netns', key: `netns:${name}`, ns: name, owned: true, name, origin: 'named', path: `/run/netns/${name}` });

function world(resources: Resource[]) {
  const host: ObservedHost = {
    observed: { resources: toMap(resources), facts: { foreignRoutes: [], resolvConf: '', hostname: 'h', linkMtu: {} } },
    hostSysctls: new Map(),
    identity: { adopted: new Map(), named: new Map() },
  };
  return buildWorld(host, { routes: new Map(), iptables: new Map(), sysctls: new Map() });
}
const peerOf = (w: ReturnType<typeof world>, ns: string, ifname: string) => w.namespaces.get(ns)?.links.find((l) => l.ifname === ifname)?.peer;

describe('buildWorld: veth peers', () => {
  it("pairs a Link's two ends by their shared mark when the kernel gave no peer (also when one end has one)", () => {
    const w = world([
      netns('r1'),
      netns('r2'),
      netns('r3'),
      veth('r1', 'r2', 'nk:link:r1-r2'),
      veth('r2', 'r1', 'nk:link:r1-r2'),
      veth('r2', 'r3', 'nk:link:r2-r3', { ns: 'r3', ifname: 'r2' }),
      veth('r3', 'r2', 'nk:link:r2-r3'),
    ]);
    expect(peerOf(w, 'r1', 'r2')).toEqual({ ns: 'r2', ifname: 'r1' });
    expect(peerOf(w, 'r2', 'r1')).toEqual({ ns: 'r1', ifname: 'r2' });
    expect(peerOf(w, 'r3', 'r2')).toEqual({ ns: 'r2', ifname: 'r3' });
  });

  it("reads a container veth's other end from its mark (nk:veth:NS/IF)", () => {
    const w = world([netns('web'), veth('web', 'eth0', 'nk:veth:host/nk0123456789'), veth('host', 'nk0123456789', 'nk:veth:web/eth0')]);
    expect(peerOf(w, 'web', 'eth0')).toEqual({ ns: 'host', ifname: 'nk0123456789' });
  });

  it('leaves a hand-made veth without a peer alone (another machine’s cable)', () => {
    const w = world([netns('a'), veth('a', 'x0', 'mine')]);
    expect(peerOf(w, 'a', 'x0')).toBeUndefined();
  });
});
