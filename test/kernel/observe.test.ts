// observe() against a real kernel, inside a sandbox: objects made by hand with ip
// commands come back with the right keys and ownership.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkRes, NetnsRes, Resource } from '../../src/model/resources.js';
import type { Observed } from '../../src/model/plan.js';
import { observe } from '../../src/shell/observe/kernel.js';
import { countingRunner } from '../../src/shell/runner.js';
import { createSandbox, type Background, type Sandbox } from '../helpers/sandbox.js';

const HDR = '# managed by netkeeper; edits are overwritten';

let sb: Sandbox;
let adopted: Background;
let o: Observed;
let processes: string[][];

const get = <T extends Resource = Resource>(k: string): T => {
  const r = o.resources.get(k);
  if (!r) throw new Error(`${k} not observed; have: ${[...o.resources.keys()].join(' ')}`);
  return r as T;
};

async function observeSandbox(extra: { name: string; path: string }[] = []): Promise<Observed> {
  const runner = countingRunner(sb.runner);
  const res = await observe(runner, { fs: sb.fs, hostname: 'test-host', extraNamespaces: extra, preferPrimary: ['web'] });
  processes = runner.calls;
  return res;
}

beforeAll(async () => {
  sb = await createSandbox();
  await sb.sh(
    `set -e
    # an owned bridge and a foreign one. The MAC is set explicitly: otherwise the bridge
    # takes its ports' lowest MAC, and each change of it (a port joining) flushes every
    # neighbour entry on the bridge, permanent ones included (NETDEV_CHANGEADDR)
    ip link add br-nk address 02:00:00:00:01:01 type bridge
    ip link set br-nk alias nk:net:test up
    ip addr add 172.30.0.1/24 dev br-nk
    ip link add br-other type bridge
    ip link set br-other up
    ip addr add 10.60.0.1/24 dev br-other
    # an owned namespace with a veth end and an address
    ip netns add web
    ip -n web link set lo alias nk:netns up
    ip link add vh-web type veth peer name eth0 netns web
    ip link set vh-web alias nk:veth:host/vh-web master br-nk up
    ip -n web link set eth0 alias nk:veth:web/eth0 mtu 1400 up
    ip -n web addr add 172.30.0.10/24 dev eth0
    ip -n web addr add 10.10.10.1/32 dev lo label lo:nk
    ip -n web route add default via 172.30.0.1 proto 77
    # mode container:web
    touch /run/netns/side && mount --bind /run/netns/web /run/netns/side
    # a namespace someone else made
    ip netns add alien
    ip -n alien link set lo up
    ip link add vh-alien type veth peer name eth0 netns alien
    ip link set vh-alien master br-other up
    ip -n alien addr add 10.60.0.2/24 dev eth0
    ip -n alien link set eth0 up
    # routes: netkeeper's (proto 77) and others
    ip route add 10.123.0.0/16 via 172.30.0.10 proto 77
    ip route add 10.124.0.0/16 via 172.30.0.10
    ip route add 10.125.0.0/16 via 10.60.0.2
    # an owned vxlan with a static FDB entry
    ip link add vx-nk type vxlan id 42 dstport 4789 local 10.60.0.1 nolearning dev br-other
    ip link set vx-nk alias nk:vxlan:ov master br-nk up
    bridge fdb append 00:00:00:00:00:00 dev vx-nk dst 10.60.0.7
    ip neigh add 172.30.0.77 lladdr 02:00:00:00:00:77 dev br-nk nud permanent
    # files
    mkdir -p /etc/netns/web /etc/netns/alien
    printf '%s\\nnameserver 10.0.0.2\\n' '${HDR}' > /etc/netns/web/resolv.conf
    printf '%s\\n127.0.0.1 localhost\\n' '${HDR}' > /etc/netns/web/hosts
    echo web > /etc/netns/web/hostname
    echo 'nameserver 1.1.1.1' > /etc/netns/alien/resolv.conf`,
    { check: true },
  );
  // a namespace known only by a process (adopted by pid/path)
  adopted = await sb.spawn('unshare', ['--net', 'sh', '-c', 'echo started; exec cat'], { readyLine: 'started' });
  await sb.sh(
    `set -e
    ip link add vh-db type veth peer name eth0 netns ${adopted.pid}
    ip link set vh-db alias nk:veth:host/vh-db master br-nk up
    nsenter --net=/proc/${adopted.pid}/ns/net sh -c 'ip link set eth0 alias nk:veth:db/eth0 up && ip addr add 172.30.0.20/24 dev eth0 && ip link set lo up && ip addr add 10.9.9.9/32 dev lo'`,
    { check: true },
  );
  o = await observeSandbox([{ name: 'db', path: `/proc/${adopted.pid}/ns/net` }]);
});

afterAll(async () => {
  await sb?.destroy();
});

describe('observe() on a real kernel', () => {
  it('starts few processes: host batch, bridge batch, and at most two shell workers entering every namespace with nsenter', () => {
    const argv0 = processes.map((c) => c.slice(0, 2).join(' ')).sort();
    const workers = argv0.filter((a) => a === 'sh -s');
    expect(workers.length).toBeGreaterThanOrEqual(1);
    expect(workers.length).toBeLessThanOrEqual(2);
    expect(argv0.filter((a) => a !== 'sh -s')).toEqual(['bridge -j', 'ip -j']);
    expect(processes.flat()).not.toContain('-n');
    // every namespace was read (three: two under /run/netns, one adopted by pid)
    expect(get('netns:web')).toBeDefined();
    expect(get('netns:alien')).toBeDefined();
  });

  it('bridges: the nk: one owned, the other not', () => {
    expect(get<LinkRes>('link:host/br-nk')).toMatchObject({ type: 'bridge', owned: true, up: true, alias: 'nk:net:test', ns: 'host' });
    expect(get<LinkRes>('link:host/br-other')).toMatchObject({ type: 'bridge', owned: false });
    expect(get('addr:host/br-nk/172.30.0.1/24').owned).toBe(true);
    expect(get('addr:host/br-other/10.60.0.1/24').owned).toBe(false);
  });

  it('an owned namespace, its veth end with address, peers on both sides', () => {
    expect(get<NetnsRes>('netns:web')).toEqual({
      kind: 'netns',
      key: 'netns:web',
      ns: 'web',
      owned: true,
      name: 'web',
      origin: 'named',
      path: '/run/netns/web',
    });
    expect(get<LinkRes>('link:web/lo')).toMatchObject({ alias: 'nk:netns', type: 'loopback', owned: true });
    expect(get<LinkRes>('link:web/eth0')).toMatchObject({ type: 'veth', mtu: 1400, owned: true, peer: { ns: 'host', ifname: 'vh-web' } });
    expect(get<LinkRes>('link:host/vh-web')).toMatchObject({ master: 'br-nk', owned: true, peer: { ns: 'web', ifname: 'eth0' } });
    expect(get('addr:web/eth0/172.30.0.10/24').owned).toBe(true);
    expect(get('addr:web/lo/10.10.10.1/32').owned).toBe(true);
    expect(o.resources.has('addr:web/lo/127.0.0.1/8')).toBe(false);
    expect([...o.resources.keys()].some((k) => /^addr:web\/eth0\/fe80/.test(k))).toBe(false);
    expect(get('route:web/default')).toMatchObject({ via: '172.30.0.1', dev: 'eth0', owned: true });
  });

  it('a bind mount of the same namespace is shared, and not read twice', () => {
    expect(get<NetnsRes>('netns:side')).toMatchObject({ origin: 'shared', sharedWith: 'web', owned: true, path: '/run/netns/side' });
    expect([...o.resources.keys()].some((k) => k.startsWith('link:side/'))).toBe(false);
  });

  it('a foreign namespace and everything in it is unowned', () => {
    expect(get<NetnsRes>('netns:alien').owned).toBe(false);
    expect(get<LinkRes>('link:alien/eth0')).toMatchObject({ owned: false, peer: { ns: 'host', ifname: 'vh-alien' } });
    expect(get('addr:alien/eth0/10.60.0.2/24').owned).toBe(false);
    expect(get<LinkRes>('link:host/vh-alien').owned).toBe(false);
  });

  it('an adopted namespace: owned by the config, addresses owned only on owned links', () => {
    expect(get<NetnsRes>('netns:db')).toMatchObject({ origin: 'adopted', owned: true, path: `/proc/${adopted.pid}/ns/net` });
    expect(get('addr:db/eth0/172.30.0.20/24').owned).toBe(true);
    expect(get('addr:db/lo/10.9.9.9/32').owned).toBe(false);
    expect(get<LinkRes>('link:host/vh-db').peer).toEqual({ ns: 'db', ifname: 'eth0' });
  });

  it('routes: only proto 77 ones, owned; foreign destinations become host facts', () => {
    expect(get('route:host/10.123.0.0/16')).toMatchObject({ via: '172.30.0.10', dev: 'br-nk', owned: true });
    expect(o.resources.has('route:host/10.124.0.0/16')).toBe(false);
    expect(o.facts.foreignRoutes).toContain('10.125.0.0/16');
    expect(o.facts.foreignRoutes).toContain('10.60.0.0/24');
    // on an owned interface: not foreign
    expect(o.facts.foreignRoutes).not.toContain('10.124.0.0/16');
    expect(o.facts.foreignRoutes).not.toContain('172.30.0.0/24');
  });

  it('vxlan, FDB, neighbour, forwarding, files and facts', () => {
    expect(get<LinkRes>('link:host/vx-nk')).toMatchObject({ vxlan: { vni: 42, local: '10.60.0.1', port: 4789, learning: false, dev: 'br-other' } });
    expect(get('fdb:host/vx-nk/00:00:00:00:00:00/10.60.0.7').owned).toBe(true);
    expect(get('neigh:host/br-nk/172.30.0.77')).toMatchObject({ mac: '02:00:00:00:00:77', owned: true });
    expect(get('sysctl:host/net.ipv4.ip_forward')).toMatchObject({ value: '0', owned: true });
    expect(get('sysctl:web/net.ipv4.ip_forward')).toMatchObject({ value: '0' });
    expect(get('file:/etc/netns/web/resolv.conf')).toMatchObject({ owned: true, ns: 'web', content: `${HDR}\nnameserver 10.0.0.2\n` });
    expect(get('file:/etc/netns/web/hostname').owned).toBe(true);
    expect(get('file:/etc/netns/alien/resolv.conf').owned).toBe(false);
    expect(o.facts.hostname).toBe('test-host');
    expect(o.facts.linkMtu['br-other']).toBe(1500);
  });

  it('sees changes on the next pass (no cache)', async () => {
    await sb.sh('ip route del 10.123.0.0/16 && sysctl -qw net.ipv4.ip_forward=1 && ip netns del alien', { check: true });
    const again = await observeSandbox();
    expect(again.resources.has('route:host/10.123.0.0/16')).toBe(false);
    expect(again.resources.get('sysctl:host/net.ipv4.ip_forward')).toMatchObject({ value: '1' });
    expect(again.resources.has('netns:alien')).toBe(false);
    expect(again.resources.has('netns:db')).toBe(false); // not passed this time
  });
});
