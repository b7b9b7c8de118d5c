// runPass against the stateful fake kernel (test/helpers/fake-kernel): the whole pass
// — observe, plan, apply, verify, crash journal, files record — without root.

import { describe, expect, it } from 'vitest';
import { FakeKernel, FakeKilled } from '../../helpers/fake-kernel/index.js';
import { baseHost, passOnFake } from '../../helpers/fake-kernel/converge.js';
import { parseFiles } from '../../helpers/golden/stages.js';
import type { PassOutcome } from '../../../src/shell/pass.js';
import { INTENT_FILE } from '../../../src/shell/intent.js';

const FILES = `
kind: Network
name: frontend
subnets:
  - subnet: 172.18.0.0/24
---
kind: Network
name: backend
subnets:
  - subnet: 172.19.0.0/24
---
kind: Container
name: web
networks:
  - network: frontend
    ip: 172.18.0.10
ports: ["8080:80"]
---
kind: Container
name: db
networks:
  - network: backend
    ip: 172.19.0.20
---
kind: Link
name: web-db
endpoints:
  - {container: web, ifname: p2p0, ip: 10.1.1.1/32}
  - {container: db, ifname: p2p0, ip: 10.1.1.2/32}
`;

const config = parseFiles([{ path: 'networks.d/all.yaml', text: FILES }]);
const INTENT = `/run/netkeeper/${INTENT_FILE}`;
/** today's behaviour without rollback (--no-rollback): what was applied stays, the rest is pending */
const OLD = { rollback: false } as const;

function applied(o: PassOutcome): Extract<PassOutcome, { status: 'applied' }> {
  if (o.status !== 'applied') throw new Error(`expected an applied pass, got ${o.status}: ${JSON.stringify(o)}`);
  return o;
}

const fresh = () => baseHost(new FakeKernel());
const links = (k: FakeKernel, ns: string) => [...k.nsByName(ns).links.values()].map((l) => l.ifname).sort();
const iptablesSave = async (k: FakeKernel) => (await k.run('iptables-save', [])).stdout;

describe('runPass on the fake kernel', () => {
  it('converges from empty: namespaces, bridges, veths, addresses, routes, the published port, the Link, /etc/netns files', async () => {
    const k = fresh();
    const o = applied(await passOnFake(k, config));
    expect(o.report.failed).toEqual([]);
    expect(o.remaining.changes).toEqual([]);
    expect(o.plan.changes.length).toBeGreaterThan(30);
    expect(k.fs.readdir('/run/netns')).toEqual(['db', 'web']);
    expect(links(k, 'web')).toEqual(['eth0', 'lo', 'p2p0']);
    const web = k.nsByName('web');
    expect(web.byName('eth0')!.addrs.map((a) => `${a.local}/${a.prefixlen}`)).toEqual(['172.18.0.10/24']);
    expect(web.byName('p2p0')!.peer!.ns).toBe(k.nsByName('db'));
    expect(web.routes.map((r) => `${r.dst} via ${r.gateway ?? '-'} dev ${r.dev} proto ${r.protocol}`).sort()).toEqual([
      '10.1.1.2 via - dev p2p0 proto 77',
      'default via 172.18.0.1 dev eth0 proto 77',
    ]);
    const bridge = k.state.host.byName('br-frontend')!;
    expect(web.byName('eth0')!.peer!.master).toBe(bridge);
    expect(await iptablesSave(k)).toContain('-A NK-PORTS-br-frontend -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.10:80');
    expect(k.fs.readFile('/etc/netns/web/hosts')).toMatch(/^# managed by netkeeper/);
    expect(k.fs.readFile('/proc/sys/net/ipv4/ip_forward')).toBe('1\n');
    // settled: the journal is gone, the files netkeeper wrote are recorded
    expect(k.fs.readFile(INTENT)).toBeUndefined();
    expect(Object.keys(JSON.parse(k.fs.readFile('/run/netkeeper/files.json')!).files)).toContain('/etc/netns/web/hosts');
  });

  it('the second pass plans nothing and starts no process that changes anything', async () => {
    const k = fresh();
    applied(await passOnFake(k, config));
    k.calls.length = 0;
    const o = applied(await passOnFake(k, config));
    expect(o.plan.changes).toEqual([]);
    expect(o.plan.conflicts).toEqual([]);
    const writes = k.calls.filter((c) => c.includes('-force') || c[0].endsWith('-restore') || c.includes('mount'));
    expect(writes).toEqual([]);
  });

  it('drift is healed: an MTU, an address and a DNAT rule changed by hand are planned and set back', async () => {
    const k = fresh();
    applied(await passOnFake(k, config));
    k.ip('host', 'link set dev br-backend mtu 1400');
    k.ip('db', 'addr del 172.19.0.20/24 dev eth0');
    await k.run('iptables-restore', ['--noflush'], { input: '*nat\n:NK-PORTS-br-frontend - [0:0]\nCOMMIT\n' });
    const o = applied(await passOnFake(k, config));
    expect(o.plan.changes.map((c) => `${c.action} ${c.key}`).sort()).toEqual([
      'create addr:db/eth0/172.19.0.20/24',
      'create route:db/default', // its gateway's subnet went with the address: the kernel dropped the route
      'update chain:host/nat/NK-PORTS-br-frontend',
      'update link:host/br-backend',
    ]);
    expect(o.remaining.changes).toEqual([]);
    expect(k.state.host.byName('br-backend')!.mtu).toBe(1500);
  });

  it('a failure on one batch line marks exactly that change failed, names it, and the next pass makes it', async () => {
    const k = fresh();
    k.faults.failLine({ ns: 'db', match: 'route replace 10.1.1.1', error: 'RTNETLINK answers: No buffer space available' });
    const o = applied(await passOnFake(k, config, OLD));
    // typed: the batch's argv, exit code and stderr, and which line of it
    expect(o.report.failed).toEqual([
      {
        kind: 'batch',
        key: 'route:db/10.1.1.1/32',
        command: '[db] ip route replace 10.1.1.1/32 dev p2p0 proto 77',
        error: 'RTNETLINK answers: No buffer space available',
        argv: ['nsenter', '--net=/run/netns/db', 'ip', '-j', '-d', '-N', '-force', '-batch', '-'],
        exitCode: 1,
        stderr: expect.stringContaining('RTNETLINK answers: No buffer space available\nCommand failed -:'),
        line: expect.any(Number),
      },
    ]);
    const f = o.report.failed[0];
    expect(f.kind === 'batch' && f.stderr).toContain(`Command failed -:${f.kind === 'batch' ? f.line : ''}`);
    expect(o.remaining.changes.map((c) => `${c.action} ${c.key}`)).toEqual(['create route:db/10.1.1.1/32']);
    const next = applied(await passOnFake(k, config, OLD));
    expect(next.plan.changes.map((c) => c.key)).toEqual(['route:db/10.1.1.1/32']);
    expect(next.report.failed).toEqual([]);
    expect(next.remaining.changes).toEqual([]);
  });

  it("a failed address takes the route that stands on it along, each named with the kernel's own message", async () => {
    const k = fresh();
    k.faults.failLine({ ns: 'web', match: 'addr replace 172.18.0.10/24', error: 'RTNETLINK answers: No buffer space available' });
    const o = applied(await passOnFake(k, config, OLD));
    expect(o.report.failed.map((f) => ({ key: f.key, command: f.command, error: f.error }))).toEqual([
      { key: 'addr:web/eth0/172.18.0.10/24', command: '[web] ip addr replace 172.18.0.10/24 dev eth0', error: 'RTNETLINK answers: No buffer space available' },
      { key: 'route:web/default', command: '[web] ip route replace default via 172.18.0.1 dev eth0 proto 77', error: 'Error: Nexthop has invalid gateway.' },
    ]);
    expect(o.report.failed.map((f) => f.kind === 'batch' && f.line)).toEqual([expect.any(Number), expect.any(Number)]);
    expect(o.remaining.changes.map((c) => c.key).sort()).toEqual(['addr:web/eth0/172.18.0.10/24', 'route:web/default']);
    expect(k.nsByName('db').byName('eth0')!.addrs).toHaveLength(1);
    expect(applied(await passOnFake(k, config, OLD)).remaining.changes).toEqual([]);
  });

  it('a failed iptables-restore fails the firewall changes only; the links are made', async () => {
    const k = fresh();
    k.faults.failCommand({ match: /^iptables-restore/, stderr: 'iptables-restore: line 3 failed: No chain/target/match by that name.\n' });
    const o = applied(await passOnFake(k, config, OLD));
    expect(o.report.failed.length).toBeGreaterThan(0);
    expect(o.report.failed.every((f) => /^(chain|hook):/.test(f.key) && f.error.includes('line 3 failed'))).toBe(true);
    expect(o.report.failed[0]).toMatchObject({
      kind: 'command',
      argv: ['iptables-restore', '--noflush', '-w', '5'],
      exitCode: 1,
      stderr: 'iptables-restore: line 3 failed: No chain/target/match by that name.\n',
    });
    expect(o.remaining.changes.every((c) => /^(chain|hook):/.test(c.key))).toBe(true);
    expect(links(k, 'web')).toEqual(['eth0', 'lo', 'p2p0']);
  });

  it("a user's interface with our name holds back only what hangs on it; the rest converges and the user's bridge is untouched", async () => {
    const k = fresh();
    k.ip('host', 'link add name br-frontend type bridge', 'link set dev br-frontend up');
    const o = applied(await passOnFake(k, config));
    expect(o.plan.conflicts.map((c) => [c.code, c.keys])).toEqual([['unowned-in-the-way', ['link:host/br-frontend']]]);
    expect(o.report.failed).toEqual([]);
    const user = k.state.host.byName('br-frontend')!;
    expect(user.alias).toBeUndefined();
    expect(user.addrs).toEqual([]);
    expect([...k.state.host.links.values()].some((l) => l.master === user)).toBe(false);
    // the other network, its container and the Link are there
    expect(k.nsByName('db').byName('eth0')!.addrs).toHaveLength(1);
    expect(k.nsByName('web').byName('p2p0')).toBeDefined();
    expect(o.remaining.changes).toEqual([]);
    expect(o.remaining.conflicts.map((c) => c.code)).toEqual(['unowned-in-the-way']);
  });

  it("destroy removes everything netkeeper owns and leaves the user's namespace, link, rule and files", async () => {
    const k = fresh();
    k.ip('host', 'netns add mine', 'link add name dummy9 type dummy');
    await k.run('iptables-restore', ['--noflush'], { input: '*filter\n-A FORWARD -s 10.200.0.0/16 -m comment --comment "user rule" -j ACCEPT\nCOMMIT\n' });
    k.fs.mkdir('/etc/netns/mine');
    k.fs.writeFile('/etc/netns/mine/resolv.conf', 'nameserver 1.1.1.1\n');
    applied(await passOnFake(k, config));
    const o = applied(await passOnFake(k, config, { destroy: true }));
    expect(o.report.failed).toEqual([]);
    expect(o.remaining.changes).toEqual([]);
    expect(k.fs.readdir('/run/netns')).toEqual(['mine']);
    expect(links(k, 'host')).toEqual(['dummy9', 'eth0', 'lan0', 'lo']);
    const save = await iptablesSave(k);
    expect(save).not.toMatch(/NK-/);
    expect(save).toContain('-A FORWARD -s 10.200.0.0/16 -m comment --comment "user rule" -j ACCEPT');
    expect(k.fs.readdir('/etc/netns')).toEqual(['mine']);
    expect(k.fs.readFile('/run/netkeeper/files.json')).toBeUndefined();
  });

  it('crash journal: a run killed between making interfaces and marking them leaves intent.json; the next run adopts and converges with no leftovers', async () => {
    const k = fresh();
    // the host batch makes the bridges and veths, then marks them (alias) on later lines: die after the first `link add`
    const planned = await passOnFake(k, config, { dryRun: true });
    if (planned.status !== 'planned') throw new Error(planned.status);
    const host = planned.program.host.map((l) => l.text);
    const firstAdd = host.findIndex((t) => t.startsWith('link add'));
    k.faults.killIn({ ns: 'host', tool: 'ip', match: 'link add', afterLines: firstAdd + 1 });
    await expect(passOnFake(k, config)).rejects.toBeInstanceOf(FakeKilled);
    const made = host[firstAdd].split(' ')[3];
    expect(k.state.host.byName(made)?.alias).toBeUndefined(); // made, not marked
    expect(JSON.parse(k.fs.readFile(INTENT)!).keys).toContain(`link:host/${made}`);

    const o = applied(await passOnFake(k, config));
    expect(o.plan.conflicts).toEqual([]);
    expect(o.report.failed).toEqual([]);
    expect(o.remaining.changes).toEqual([]);
    expect(k.state.host.byName(made)!.alias).toMatch(/^nk:/);
    expect(k.fs.readFile(INTENT)).toBeUndefined();
    // no leftovers: the same objects as a host that converged in one run
    const clean = fresh();
    applied(await passOnFake(clean, config));
    for (const ns of ['host', 'web', 'db']) expect(links(k, ns)).toEqual(links(clean, ns));
    expect(await iptablesSave(k)).toBe(await iptablesSave(clean));
  });

  it('without the journal the same leftover is a conflict (the journal is what makes a killed run safe)', async () => {
    const k = fresh();
    const planned = await passOnFake(k, config, { dryRun: true });
    if (planned.status !== 'planned') throw new Error(planned.status);
    const host = planned.program.host.map((l) => l.text);
    k.faults.killIn({ ns: 'host', tool: 'ip', match: 'link add', afterLines: host.findIndex((t) => t.startsWith('link add')) + 1 });
    await expect(passOnFake(k, config, OLD)).rejects.toBeInstanceOf(FakeKilled);
    const made = host.find((t) => t.startsWith('link add'))!.split(' ')[3];
    k.fs.rm(INTENT);
    const o = applied(await passOnFake(k, config, OLD));
    // the namespaces and the interface it made before dying now look like the user's
    expect(new Set(o.plan.conflicts.map((c) => c.code))).toEqual(new Set(['unowned-in-the-way']));
    expect(o.plan.conflicts.flatMap((c) => c.keys ?? [])).toContain(`link:host/${made}`);
  });

  it('crash journal: a namespace file with nothing mounted on it (ip netns add killed half-way) is cleaned up and made again', async () => {
    const k = fresh();
    k.state.staleFiles.add('/run/netns/web');
    k.fs.mkdir('/run/netkeeper');
    k.fs.writeFile(INTENT, JSON.stringify({ pid: 1, at: 'then', keys: ['netns:web'] }) + '\n');
    const o = applied(await passOnFake(k, config));
    expect(o.report.failed).toEqual([]);
    expect(o.plan.conflicts).toEqual([]);
    expect(o.remaining.changes).toEqual([]);
    expect(links(k, 'web')).toEqual(['eth0', 'lo', 'p2p0']);
    expect(k.state.staleFiles.size).toBe(0);
    expect(k.fs.readFile(INTENT)).toBeUndefined();
  });

  it('the same stale file without the journal is reported, not touched', async () => {
    const k = fresh();
    k.state.staleFiles.add('/run/netns/web');
    const o = await passOnFake(k, config);
    const conflicts = o.status === 'applied' || o.status === 'conflict' ? o.plan.conflicts : [];
    expect(conflicts.flatMap((c) => c.keys ?? [])).toContain('netns:web');
    expect(k.state.staleFiles.has('/run/netns/web')).toBe(true);
  });

  describe('adopted namespaces', () => {
    const adopting = (pid: number) =>
      parseFiles([
        {
          path: 'networks.d/app.yaml',
          text: `kind: Network\nname: frontend\nsubnets: [{subnet: 172.18.0.0/24}]\n---\nkind: Container\nname: app\nnetns: {pid: ${pid}}\nnetworks: [{network: frontend, ip: 172.18.0.30}]\n`,
        },
      ]);

    it("a process's namespace is plumbed at /proc/PID/ns/net and outlives destroy", async () => {
      const k = fresh();
      const ns = k.state.makeNs();
      k.state.mounts.set('/proc/4242/ns/net', ns);
      const o = applied(await passOnFake(k, adopting(4242)));
      expect(o.report.failed).toEqual([]);
      expect(o.remaining.changes).toEqual([]);
      expect(ns.byName('eth0')!.addrs.map((a) => a.local)).toEqual(['172.18.0.30']);
      expect(k.fs.readdir('/run/netns')).toEqual([]);
      applied(await passOnFake(k, adopting(4242), { destroy: true }));
      expect(ns.alive).toBe(true);
      expect([...ns.links.values()].map((l) => l.ifname)).toEqual(['lo']);
    });

    it("the host's own namespace is refused and nothing is changed", async () => {
      const k = fresh();
      const o = await passOnFake(k, adopting(1)); // /proc/1/ns/net: the host's
      expect(o.status).toBe('invalid');
      expect(o.status === 'invalid' && o.errors.map((e) => e.code)).toEqual(['netns-is-host']);
      expect(k.calls.filter((c) => c.includes('-force') || c[0].endsWith('-restore'))).toEqual([]);
      expect(links(k, 'host')).toEqual(['eth0', 'lan0', 'lo']);
    });
  });

  it("IPv6: a dual-stack network is refused while forwarding would drop the host's RA default route, and converges once accept_ra is 2", async () => {
    const k = fresh();
    k.ip('host', 'addr add 2001:db8::1/64 dev eth0 nodad', 'route add ::/0 via 2001:db8::ffff dev eth0 proto ra');
    const v6 = parseFiles([
      {
        path: 'networks.d/v6.yaml',
        text: 'kind: Network\nname: dual\nsubnets: [{subnet: 172.20.0.0/24}, {subnet: "fd00:20::/64"}]\n---\nkind: Container\nname: web\nnetworks: [{network: dual, ip: 172.20.0.10}]\n',
      },
    ]);
    const refused = await passOnFake(k, v6);
    expect(refused.status === 'conflict' && refused.plan.conflicts.map((c) => c.code)).toEqual(['ipv6-forwarding-drops-ra-route']);
    expect(k.fs.readdir('/run/netns')).toEqual([]);
    expect(k.fs.readFile('/proc/sys/net/ipv6/conf/all/forwarding')).toBe('0\n');

    k.fs.writeFile('/proc/sys/net/ipv6/conf/eth0/accept_ra', '2\n');
    const o = applied(await passOnFake(k, v6));
    expect(o.report.failed).toEqual([]);
    expect(o.remaining.changes).toEqual([]);
    expect(k.fs.readFile('/proc/sys/net/ipv6/conf/all/forwarding')).toBe('1\n');
    const eth0 = k.nsByName('web').byName('eth0')!;
    expect(eth0.addrs.map((a) => `${a.local}/${a.prefixlen}`)).toContain('172.20.0.10/24');
    expect(eth0.addrs.some((a) => a.family === 'inet6' && a.local.startsWith('fd00:20::'))).toBe(true);
    expect(
      k
        .nsByName('web')
        .routes.filter((r) => r.family === 'inet6')
        .map((r) => `${r.dst} via ${r.gateway}`),
    ).toEqual(['default via fd00:20::1']);
    expect((await k.run('ip6tables-save', [])).stdout).toContain(':NK-FORWARD - [0:0]');
  });
});
