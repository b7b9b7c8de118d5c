// The netlink reader (one pyroute2 process for every namespace) against the ip -j
// workers, on a real kernel in the sandbox: on a topology with bridges, veths, macvlan,
// vxlan, routes with metrics/onlink/nexthops/other tables, IPv6, neighbours, FDB,
// forwarding, a stale namespace file, an adopted and a shared namespace, both give the
// same Observed. Without pyroute2 (python3 -S) observe falls back to the ip workers.

import { mkdtemp, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Observed } from '../../src/model/plan.js';
import { observe } from '../../src/shell/observe/kernel.js';
import { netlinkReader, SECOND_READER_AT } from '../../src/shell/observe/nl-reader.js';
import { countingRunner, createRunner, type Runner } from '../../src/shell/runner.js';
import { createSandbox, type Background, type Sandbox } from '../helpers/sandbox.js';

let sb: Sandbox;
let adopted: Background;
let work: string;

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sorted = (o: Observed) => ({
  resources: [...o.resources.entries()].sort(([a], [b]) => (a < b ? -1 : 1)),
  facts: o.facts,
});

async function observeWith(runner: Runner, reader: 'ip' | 'netlink') {
  const counting = countingRunner(runner);
  const o = await observe(counting, {
    fs: sb.fs,
    hostname: 'test-host',
    reader,
    extraNamespaces: [{ name: 'db', path: `/proc/${adopted.pid}/ns/net` }],
    preferPrimary: ['c1'],
  });
  return { o, calls: counting.calls.map((c) => c.slice(0, 2).join(' ')) };
}

beforeAll(async () => {
  sb = await createSandbox();
  work = await mkdtemp(join(tmpdir(), 'nk-reader-'));
  await sb.sh(
    `set -e
    ip link add br-a address 02:00:00:00:0a:01 type bridge
    ip link set br-a alias nk:net:a up
    ip addr add 172.31.0.1/24 dev br-a
    ip addr add fd00:31::1/64 dev br-a nodad
    ip link add br-b type bridge
    ip link set br-b up
    ip link add dummy0 type veth peer name dummy0p
    ip link set dummy0 up
    ip addr add 192.0.2.1/24 dev dummy0
    ip link add vx42 type vxlan id 42 local 192.0.2.1 dstport 4789 nolearning proxy dev dummy0
    ip link set vx42 alias nk:vxlan:ov master br-b up
    bridge fdb append 00:00:00:00:00:00 dev vx42 dst 192.0.2.7
    bridge fdb add 02:aa:00:00:00:01 dev vx42 dst 192.0.2.8
    ip link add vx6 type vxlan id 7 local fd00:99::1 dstport 4790 learning
    ip link set vx6 alias nk:vxlan:six
    # c1: an owned namespace: veth, v4 + v6, lo label, routes of every shape, neighbours
    ip netns add c1
    ip -n c1 link set lo alias nk:netns up
    ip link add vh-c1 type veth peer name eth0 netns c1
    ip link set vh-c1 alias nk:veth:host/vh-c1 master br-a up
    bridge link set dev vh-c1 hairpin on learning off
    ip -n c1 link set eth0 alias nk:veth:c1/eth0 mtu 1400 addrgenmode none up
    ip -n c1 addr add 172.31.0.10/24 dev eth0
    ip -n c1 addr add 172.31.0.11/24 dev eth0
    ip -n c1 addr add fd00:31::10/64 dev eth0 nodad
    ip -n c1 addr add 10.10.10.1/32 dev lo label lo:nk
    ip -n c1 route add default via 172.31.0.1 proto 77
    ip -n c1 route add 10.1.0.0/16 via 172.31.0.1 metric 50 proto 77
    ip -n c1 route add 10.1.0.0/16 via 172.31.0.1 metric 60 proto 77
    ip -n c1 route add 10.2.0.0/16 via 10.99.0.1 dev eth0 onlink proto 77
    ip -n c1 route add 10.3.0.0/16 proto 77 nexthop via 172.31.0.1 nexthop via 172.31.0.2
    ip -n c1 route add 10.4.0.4/32 dev eth0 proto 77
    ip -n c1 route add 10.5.0.0/16 via 172.31.0.1 proto 77 table 100
    ip -n c1 route add blackhole 10.6.0.0/16 proto 77
    ip -n c1 route add 10.7.0.0/16 via 172.31.0.1
    ip -n c1 route add default via fd00:31::1 proto 77
    ip -n c1 route add fd00:77::/64 via fd00:31::1 metric 300 proto 77
    ip -n c1 route add fd00:78::1/128 dev eth0 proto 77
    ip -n c1 neigh add 172.31.0.1 lladdr 02:00:00:00:0a:01 dev eth0 nud permanent
    ip -n c1 neigh add fd00:31::1 lladdr 02:00:00:00:0a:01 dev eth0 nud permanent
    ip -n c1 neigh add 172.31.0.2 lladdr 02:00:00:00:0a:02 dev eth0 nud stale
    # c2: foreign namespace: macvlan from the host, a bridge with an FDB entry, a veth pair inside, forwarding on
    ip netns add c2
    ip -n c2 link set lo up
    ip link add mv0 link dummy0 type macvlan mode bridge
    ip link set mv0 netns c2
    ip -n c2 link set mv0 alias nk:macvlan:c2/mv0 up
    ip -n c2 addr add 192.0.2.20/24 dev mv0
    ip -n c2 link add br-in type bridge
    ip -n c2 link add va type veth peer name vb
    ip -n c2 link set va master br-in up
    ip -n c2 link set vb up
    ip -n c2 link set br-in up
    ip -n c2 link add d1 type veth peer name d1p
    ip -n c2 link add mvp link d1 type macvlan mode private
    ip -n c2 link add mvs link d1 type macvlan mode vepa
    nsenter --net=/run/netns/c2 bridge fdb add 02:bb:00:00:00:01 dev va master static
    nsenter --net=/run/netns/c2 sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/forwarding'
    ip -n c2 neigh add 192.0.2.1 lladdr 02:cc:00:00:00:01 dev mv0 nud permanent
    # c3: no IPv6 at all, a vxlan inside a namespace
    ip netns add c3
    nsenter --net=/run/netns/c3 sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'
    ip -n c3 link set lo alias nk:netns:fw up
    ip -n c3 link add vxin type vxlan id 99 dstport 8472 local 10.0.0.1
    ip -n c3 addr add 10.0.0.1/8 dev lo
    # a second name for c1 (mode container), and a stale entry that is no namespace
    touch /run/netns/side && mount --bind /run/netns/c1 /run/netns/side
    touch /run/netns/stale
    mkdir -p /etc/netns/c1 && echo '127.0.0.1 localhost' > /etc/netns/c1/hosts`,
    { check: true },
  );
  adopted = await sb.spawn('unshare', ['--net', 'sh', '-c', 'echo ready; exec sleep 600'], { readyLine: 'ready' });
  await sb.sh(
    `ip link add vh-db type veth peer name eth0 netns /proc/${adopted.pid}/ns/net && ip link set vh-db master br-a up &&
    nsenter --net=/proc/${adopted.pid}/ns/net sh -c 'ip link set eth0 up && ip addr add 172.31.0.20/24 dev eth0 && ip link set lo up'`,
    { check: true },
  );
}, 120_000);

afterAll(async () => {
  await sb?.destroy();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the netlink reader', () => {
  it('gives the same Observed as the ip -j workers, on a rich topology, without a process per namespace', async () => {
    const ip = await observeWith(sb.runner, 'ip');
    const nl = await observeWith(sb.runner, 'netlink');
    // the topology is really there (a check of the test itself)
    expect(ip.o.resources.get('route:c1/10.2.0.0/16')).toMatchObject({ via: '10.99.0.1', onlink: true });
    expect(ip.o.resources.get('link:c2/mv0')).toMatchObject({ type: 'macvlan', macvlan: { parent: 'dummy0', mode: 'bridge' } });
    expect(ip.o.resources.get('netns:stale')).toMatchObject({ broken: expect.stringMatching(/^nsenter: /) });
    expect(ip.o.resources.get('link:host/vh-c1')).toMatchObject({ hairpin: true, portLearning: false });
    expect(ip.o.resources.get('sysctl:c2/net.ipv4.ip_forward')).toMatchObject({ value: '1' });
    expect(sorted(nl.o)).toEqual(sorted(ip.o));
    // the namespaces were read by the reader: no shell worker, no nsenter
    expect(ip.calls.filter((c) => c === 'sh -s').length).toBeGreaterThanOrEqual(1);
    expect(nl.calls.filter((c) => c === 'sh -s')).toEqual([]);
    expect(nl.calls.sort()).toEqual(['bridge -j', 'ip -j']);
  });

  it('reads the same again after changes (the reader lives on between passes)', async () => {
    await sb.sh(
      `set -e
      ip -n c1 addr del 172.31.0.11/24 dev eth0
      ip -n c1 route del 10.1.0.0/16 metric 50
      ip -n c2 link set mvp alias nk:macvlan:c2/mvp
      ip netns add c4
      ip -n c4 link set lo alias nk:netns up`,
      { check: true },
    );
    const nl = await observeWith(sb.runner, 'netlink');
    const ip = await observeWith(sb.runner, 'ip');
    expect(nl.o.resources.has('addr:c1/eth0/172.31.0.11/24')).toBe(false);
    expect(nl.o.resources.get('netns:c4')).toMatchObject({ owned: true });
    expect(sorted(nl.o)).toEqual(sorted(ip.o));
  });

  it('a reader that dies: its share is read by the ip workers, and the next pass starts new readers', async () => {
    const pool = netlinkReader(sb.runner)!;
    // a read of many namespaces runs two readers (c1 goes to the first, c2 to the second)
    const many = ['/run/netns/c1', '/run/netns/c2', ...Array.from({ length: SECOND_READER_AT }, (_, i) => `/run/netns/none${i}`)];
    const first = await pool.read(many);
    expect(first!.get('/run/netns/none0')).toEqual({ error: expect.stringMatching(/^nsenter: cannot open/) });
    expect(pool.pids()).toHaveLength(2);
    const [victim] = pool.pids();
    process.kill(victim, 'SIGKILL');
    await waitFor(() => pool.broken);
    // the dead reader's share is marked for the ip workers, the other reader still answers
    const share = await pool.read(many);
    expect(share!.get('/run/netns/c1')).toHaveProperty('fail');
    expect(share!.get('/run/netns/c2')).toHaveProperty('batch');
    const ip = await observeWith(sb.runner, 'ip');
    const after = await observeWith(sb.runner, 'netlink');
    expect(sorted(after.o)).toEqual(sorted(ip.o));
    const fresh = netlinkReader(sb.runner)!;
    expect(fresh).not.toBe(pool);
    const again = await observeWith(sb.runner, 'netlink');
    expect(again.calls.filter((c) => c === 'sh -s')).toEqual([]);
    expect(sorted(again.o)).toEqual(sorted(ip.o));
  });

  it('without pyroute2 falls back to the ip workers, with the same Observed', async () => {
    const py = join(work, 'python-no-site');
    await writeFile(py, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n');
    await chmod(py, 0o755);
    const ip = await observeWith(sb.runner, 'ip');
    process.env.NETKEEPER_PYTHON = py;
    let fb: Awaited<ReturnType<typeof observeWith>>;
    try {
      // a runner of its own: a reader of its own, started with that python
      fb = await observeWith(createRunner({ prefix: ['nsenter', '-t', String(sb.pid), '-n', '-m', '--'] }), 'netlink');
    } finally {
      delete process.env.NETKEEPER_PYTHON;
    }
    expect(fb.calls.filter((c) => c === 'sh -s').length).toBeGreaterThanOrEqual(1);
    expect(sorted(fb.o)).toEqual(sorted(ip.o));
  });
});
