// The firewall's write path against the real tools, on both iptables backends:
// buildFirewall → diff against what iptables-save shows → renderIptables →
// iptables-restore --noflush, then read back: converged, another tool's rules
// untouched, chains deleted in a safe order, and stale UDP conntrack entries
// dropped when a published UDP port moves to another container.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../helpers/sandbox.js';
import type { Runner } from '../../src/shell/runner.js';
import { applyFirewallChanges, applyIptables } from '../../src/shell/apply/iptables.js';
import { readIptables } from '../../src/shell/observe/iptables.js';
import { buildFirewall, renderIptables } from '../../src/plan/firewall.js';
import { diff } from '../../src/plan/diff.js';
import { toMap } from '../../src/model/resources.js';
import type { Change, Observed } from '../../src/model/plan.js';
import type { Topology } from '../../src/model/topology.js';
import { container, network, port, topology } from '../unit/plan/firewall-fixtures.js';

function topo(udpTo: 'a' | 'b' | 'none'): Topology {
  const front = network('front', 'br0', ['172.30.0.0/24']);
  if (udpTo === 'none') return topology([], []);
  const a = container('a', [{ network: 'front', ip4: '172.30.0.10' }], {
    ports: [port('8080:80', '172.30.0.10', 'front'), ...(udpTo === 'a' ? [port('5300:53/udp', '172.30.0.10', 'front')] : [])],
  });
  const b = container('b', [{ network: 'front', ip4: '172.30.0.11' }], {
    ports: udpTo === 'b' ? [port('5300:53/udp', '172.30.0.11', 'front')] : [],
  });
  return topology([front], [a, b]);
}

async function observe(runner: Runner): Promise<Observed> {
  const rs = await readIptables(runner, { name: 'host' }, ['ipv4', 'ipv6']);
  return { resources: toMap(rs), facts: { foreignRoutes: [], resolvConf: '', hostname: 'h', linkMtu: {} } };
}

async function planFor(runner: Runner, t: Topology): Promise<Change[]> {
  const desired = { resources: toMap(buildFirewall(t).filter((r) => r.kind !== 'sysctl')) };
  const p = diff(desired, await observe(runner), { prune: true });
  expect(p.conflicts).toEqual([]);
  return p.changes;
}

// a UDP client with a fixed source port: the same conntrack entry each time
const FIXED_PORT_CLIENT = `
const s = require('dgram').createSocket('udp4');
const t = setTimeout(() => { console.log('timeout'); process.exit(2); }, 1500);
s.on('message', (m) => { clearTimeout(t); console.log(JSON.parse(String(m)).server); process.exit(0); });
s.bind(40000, () => s.send('x', 5300, '10.98.0.1'));
`;

describe.each(['nft', 'legacy'] as const)('iptables-restore round trip (%s backend)', (backend) => {
  let sb: Sandbox;
  let runner: Runner;
  const udpFromOutside = async () => (await sb.exec('ip', ['netns', 'exec', 'out', process.execPath, '-e', FIXED_PORT_CLIENT])).stdout.trim();

  beforeAll(async () => {
    sb = await createSandbox();
    const bin = `/run/netkeeper/${backend}-bin`;
    await sb.sh(
      `set -e
      mkdir -p ${bin}
      for t in iptables ip6tables; do for s in '' -save -restore; do ln -sf /usr/sbin/$t-${backend}$s ${bin}/$t$s; done; done
      sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.route_localnet=0
      ip link add br0 type bridge && ip addr add 172.30.0.1/24 dev br0 && ip link set br0 up
      for n in a b; do
        ip netns add $n; ip -n $n link set lo up
        ip link add v$n type veth peer name eth0 netns $n; ip link set v$n master br0 up
        ip -n $n link set eth0 up
      done
      ip -n a addr add 172.30.0.10/24 dev eth0; ip -n a route add default via 172.30.0.1
      ip -n b addr add 172.30.0.11/24 dev eth0; ip -n b route add default via 172.30.0.1
      ip netns add out; ip -n out link set lo up
      ip link add ext0 type veth peer name eth0 netns out
      ip addr add 10.98.0.1/24 dev ext0; ip link set ext0 up
      ip -n out addr add 10.98.0.2/24 dev eth0; ip -n out link set eth0 up; ip -n out route add default via 10.98.0.1
      PATH=${bin}:$PATH iptables -t nat -N DOCKER
      PATH=${bin}:$PATH iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
      PATH=${bin}:$PATH iptables -A FORWARD -s 10.200.0.0/16 -j ACCEPT`,
      { check: true },
    );
    runner = { run: (cmd, args, opts) => sb.runner.run('env', [`PATH=${bin}:/usr/sbin:/usr/bin:/sbin:/bin`, cmd, ...args], opts) };
    expect((await runner.run('iptables', ['--version'])).stdout).toContain(backend === 'nft' ? 'nf_tables' : 'legacy');
    await sb.udpServer('a', 53, { label: 'a' });
    await sb.udpServer('b', 53, { label: 'b' });
    await sb.tcpServer('a', 80, { label: 'a' });
  }, 120_000);

  afterAll(async () => {
    await sb?.destroy();
  });

  it('creates the chains and hooks; the next plan is empty; traffic flows', async () => {
    const changes = await planFor(runner, topo('a'));
    expect(changes.every((c) => c.action === 'create')).toBe(true);
    const r = await applyFirewallChanges(runner, changes, {});
    expect(r.processes).toBe(3); // filter, nat, raw: one restore each
    expect(await planFor(runner, topo('a'))).toEqual([]);
    expect(await udpFromOutside()).toBe('a');
    expect(await sb.tcpConnect('out', '10.98.0.1', 8080)).toMatchObject({ ok: true, server: 'a', peer: '10.98.0.2' });
  });

  it('a UDP port moved to another container: without the conntrack flush the old flow sticks, with it the next datagram goes to the new one', async () => {
    // the bare restore (no flush): the flow from port 40000 still goes to a
    const changes = await planFor(runner, topo('b'));
    expect(changes.map((c) => `${c.action} ${c.key}`)).toEqual(['update chain:host/nat/NK-PORTS-br0']);
    await applyIptables(runner, renderIptables(changes), {});
    expect(await udpFromOutside()).toBe('a');
    // back and forth through applyFirewallChanges: it drops the stale entries
    const back = await applyFirewallChanges(runner, await planFor(runner, topo('a')), {});
    expect(back.conntrackDeleted).toBeGreaterThan(0);
    expect(await udpFromOutside()).toBe('a');
    await applyFirewallChanges(runner, await planFor(runner, topo('b')), {});
    expect(await udpFromOutside()).toBe('b');
    expect(await planFor(runner, topo('b'))).toEqual([]);
  });

  it('removing everything deletes hooks, then chains (NK-PORTS still jumps to NK-PORTS-br0 when the restore starts), leaving other rules', async () => {
    const changes = await planFor(runner, topo('none'));
    expect(changes.every((c) => c.action === 'delete')).toBe(true);
    await applyFirewallChanges(runner, changes, {});
    const save = (await runner.run('iptables-save', [])).stdout;
    expect(save).not.toMatch(/NK-|netkeeper/);
    expect(save).toContain('-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER');
    expect(save).toContain('-A FORWARD -s 10.200.0.0/16 -j ACCEPT');
    expect(await planFor(runner, topo('none'))).toEqual([]);
  });
});
