// The evaluator on a small world: a host with an uplink (eth0) and one nat bridge
// (br-a) with container web behind it, the host's iptables being real captured
// output (test/fixtures/iptables/legacy-save-v4.txt, where br-a is a nat network
// with published ports 7000 → :80 and 127.0.0.1:8181 → :80).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explain, parseQuery, type World } from '../../../src/explain/index.js';
import { lookupRoute, parseRouteEntries } from '../../../src/explain/routes.js';
import { parseListeners } from '../../../src/explain/listeners.js';
import type { LinkRes } from '../../../src/model/resources.js';
import type { NsView } from '../../../src/explain/types.js';

const ipt = readFileSync(new URL('../../fixtures/iptables/legacy-save-v4.txt', import.meta.url), 'utf8');
const link = (ns: string, ifname: string, type: LinkRes['type'], extra: Partial<LinkRes> = {}): LinkRes => ({
  kind: 'link',
  key: `link:${ns}/${ifname}`,
  ns,
  owned: true,
  ifname,
  type,
  up: true,
  ...extra,
});

function world(opts: { routeLocalnet?: boolean; webListens?: number[] } = {}): World {
  const host: NsView = {
    name: 'host',
    links: [
      link('host', 'lo', 'loopback'),
      link('host', 'eth0', 'other'),
      link('host', 'br-a', 'bridge'),
      link('host', 'vh1', 'veth', { master: 'br-a', peer: { ns: 'web', ifname: 'eth0' } }),
    ],
    addrs: [
      { ifname: 'eth0', ip: '203.0.113.5', prefix: 24 },
      { ifname: 'br-a', ip: '172.18.0.1', prefix: 24 },
    ],
    routes: parseRouteEntries([
      { dst: 'default', gateway: '203.0.113.1', dev: 'eth0' },
      { dst: '203.0.113.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link' },
      { dst: '172.18.0.0/24', dev: 'br-a', protocol: 'kernel', scope: 'link' },
    ]),
    iptables: ipt,
    forwarding: true,
    listeners: [],
  };
  const web: NsView = {
    name: 'web',
    links: [link('web', 'lo', 'loopback'), link('web', 'eth0', 'veth', { peer: { ns: 'host', ifname: 'vh1' } })],
    addrs: [{ ifname: 'eth0', ip: '172.18.0.10', prefix: 24 }],
    routes: parseRouteEntries([
      { dst: 'default', gateway: '172.18.0.1', dev: 'eth0', protocol: '77' },
      { dst: '172.18.0.0/24', dev: 'eth0', protocol: 'kernel' },
    ]),
    forwarding: false,
    listeners: (opts.webListens ?? [80]).map((port) => ({ proto: 'tcp' as const, ip: '0.0.0.0', port })),
  };
  return {
    namespaces: new Map([
      ['host', host],
      ['web', web],
    ]),
    containers: new Map([['web', 'web']]),
    fdb: [],
    hostSysctls: new Map(opts.routeLocalnet === false ? [] : [['net.ipv4.conf.br-a.route_localnet', '1']]),
  };
}

const run = (from: string, to: string, w = world()) => {
  const q = parseQuery(from, to);
  if (!q.ok) throw new Error(q.error);
  return explain(q.value, w);
};

describe('explain', () => {
  it('another machine reaches a published port: DNAT, FORWARD, the container, and the reply back out of eth0', () => {
    const e = run('198.51.100.7', '203.0.113.5:7000');
    expect(e.verdict).toBe('reachable');
    expect(e.hops.map((h) => h.rule).filter(Boolean)).toEqual(
      expect.arrayContaining([
        '-A NK-PORTS-br-a -p tcp -m tcp --dport 7000 -j DNAT --to-destination 172.18.0.10:80',
        '-A NK-FORWARD -o br-a -m conntrack --ctstate DNAT -j ACCEPT',
        '-A NK-FORWARD -i br-a -j ACCEPT',
      ]),
    );
  });

  it('nothing listening at the far end is unreachable', () => {
    expect(run('198.51.100.7', '203.0.113.5:7000', world({ webListens: [] }))).toMatchObject({
      verdict: 'unreachable',
      reason: 'nothing listens on 172.18.0.10:80/tcp in web',
    });
  });

  it('a 127.0.0.1 port: not from another machine, yes from the host (only with route_localnet on the bridge)', () => {
    expect(run('198.51.100.7', '203.0.113.5:8181').verdict).toBe('unreachable');
    const h = run('host', '127.0.0.1:8181');
    expect(h.verdict).toBe('reachable');
    expect(h.hops.some((x) => x.rule === '-A NK-POSTROUTING -s 127.0.0.0/8 -o br-a -j MASQUERADE')).toBe(true);
    expect(run('host', '127.0.0.1:8181', world({ routeLocalnet: false }))).toMatchObject({
      verdict: 'unreachable',
      reason: 'source 127.0.0.1 may not leave by br-a (route_localnet is off)',
    });
  });

  it('the container reaching beyond the host is masqueraded and then unknown (not observed)', () => {
    const e = run('web', '8.8.8.8:53/udp');
    expect(e.verdict).toBe('unknown');
    expect(e.hops.some((h) => h.rule === '-A NK-POSTROUTING -s 172.18.0.0/24 ! -o br-a -j MASQUERADE')).toBe(true);
    expect(e.reason).toBe('leaves this host by eth0; what is beyond is not observed');
  });

  it('host to the container directly', () => {
    expect(run('host', 'web:80').verdict).toBe('reachable');
    expect(run('host', 'web').verdict).toBe('reachable');
  });

  it('a name nothing has is unknown, with the reason', () => {
    expect(run('nosuch', 'web')).toMatchObject({ verdict: 'unknown', reason: 'no container or namespace named nosuch was observed' });
  });
});

describe('routes', () => {
  const ns = (routes: Parameters<typeof parseRouteEntries>[0]): NsView => ({
    name: 'n',
    links: [],
    addrs: [{ ifname: 'eth0', ip: '10.0.0.2', prefix: 24 }],
    routes: parseRouteEntries(routes),
    forwarding: false,
  });
  it('longest prefix, then the lowest metric; blackhole rejects; own addresses are local', () => {
    const v = ns([
      { dst: 'default', gateway: '10.0.0.1', dev: 'eth0' },
      { dst: '10.5.0.0/16', gateway: '10.0.0.3', dev: 'eth0', metric: 200 },
      { dst: '10.5.0.0/16', gateway: '10.0.0.4', dev: 'eth0', metric: 100 },
      { dst: '10.5.5.0/24', type: 'blackhole' },
    ]);
    expect(lookupRoute(v, '10.5.1.1')).toMatchObject({ kind: 'unicast', nexthop: '10.0.0.4' });
    expect(lookupRoute(v, '10.5.5.1')).toMatchObject({ kind: 'reject' });
    expect(lookupRoute(v, '1.1.1.1')).toMatchObject({ kind: 'unicast', nexthop: '10.0.0.1', dev: 'eth0' });
    expect(lookupRoute(v, '10.0.0.2')).toEqual({ kind: 'local' });
  });
});

describe('queries and sockets', () => {
  it('FROM TO[:PORT][/PROTO]', () => {
    expect(parseQuery('web', 'db:5432')).toEqual({
      ok: true,
      value: { from: { kind: 'container', name: 'web' }, to: { kind: 'container', name: 'db' }, port: 5432, proto: 'tcp' },
    });
    expect(parseQuery('10.0.0.1', 'host')).toEqual({ ok: true, value: { from: { kind: 'address', ip: '10.0.0.1' }, to: { kind: 'host' }, proto: 'icmp' } });
    expect(parseQuery('host', 'web:53/udp')).toMatchObject({ ok: true, value: { port: 53, proto: 'udp' } });
    expect(parseQuery('host', 'web/udp')).toEqual({ ok: false, error: 'udp needs a port (TO:PORT/udp)' });
  });
  it('/proc/net/tcp: listeners with their address, tcp6 :: counts as any', () => {
    const tcp = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0',
      '   1: 0A00000A:0050 0A00000B:9C40 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0',
      '   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0000000000000000 100 0 0 10 0',
    ].join('\n');
    expect(parseListeners(tcp, 'tcp')).toEqual([
      { proto: 'tcp', ip: '127.0.0.1', port: 8080 },
      { proto: 'tcp', ip: '0.0.0.0', port: 22 },
    ]);
  });
});
