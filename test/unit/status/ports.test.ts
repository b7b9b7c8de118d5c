// `status` published ports: derived from the observed NK-PORTS-<bridge> chains
// (real iptables-save output of both backends, captured in a sandbox) and the
// addresses observed in the namespaces — the declared ports must come back.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseIptablesSave } from '../../../src/observe/iptables.js';
import { dnatRules } from '../../../src/plan/firewall.js';
import { formatPorts, parseDnatRule, publishedPorts, type PublishedPort } from '../../../src/status/ports.js';
import { HOST_NS, key, type ChainRes, type Resource } from '../../../src/model/resources.js';
import type { TPort, Topology } from '../../../src/model/topology.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/iptables/${name}`, import.meta.url), 'utf8');
const topo = JSON.parse(fixture('topology.json')) as Topology;

const netns = (name: string, sharedWith?: string): Resource => ({
  kind: 'netns',
  key: key.netns(name),
  ns: name,
  owned: true,
  name,
  origin: sharedWith ? 'shared' : 'named',
  path: `/run/netns/${name}`,
  ...(sharedWith ? { sharedWith } : {}),
});
const addr = (ns: string, ifname: string, cidr: string): Resource => ({ kind: 'addr', key: key.addr(ns, ifname, cidr), ns, owned: true, ifname, cidr });
const bridge = (ifname: string, network: string): Resource => ({
  kind: 'link',
  key: key.link(HOST_NS, ifname),
  ns: HOST_NS,
  owned: true,
  ifname,
  type: 'bridge',
  up: true,
  alias: `nk:net:${network}`,
});
const veth = (hostIf: string, master: string, ns: string, ifname = 'eth0'): Resource => ({
  kind: 'link',
  key: key.link(HOST_NS, hostIf),
  ns: HOST_NS,
  owned: true,
  ifname: hostIf,
  type: 'veth',
  up: true,
  master,
  alias: `nk:veth:${ns}/${ifname}`,
});
const portsChain = (bridgeName: string, rules: string[], family: 'ipv4' | 'ipv6' = 'ipv4'): ChainRes => ({
  kind: 'chain',
  key: key.chain(HOST_NS, family, 'nat', `NK-PORTS-${bridgeName}`),
  ns: HOST_NS,
  owned: true,
  family,
  table: 'nat',
  chain: `NK-PORTS-${bridgeName}`,
  rules,
});

/** the kernel side of topology.json: namespaces, their addresses, bridges and veths */
function plumbing(t: Topology): Resource[] {
  const out: Resource[] = [];
  for (const n of t.networks) if (n.bridge) out.push(bridge(n.bridge, n.name));
  t.containers.forEach((c, i) => {
    if (!c.local || !c.netns) return;
    out.push(netns(c.netns));
    for (const a of c.attachments) {
      const br = t.networks.find((n) => n.name === a.network)?.bridge;
      if (br) out.push(veth(`nk${i}${a.ifname}`, br, c.netns, a.ifname));
      if (a.ip4) out.push(addr(c.netns, a.ifname, `${a.ip4}/24`));
      if (a.ip6) out.push(addr(c.netns, a.ifname, `${a.ip6}/64`));
    }
  });
  return out;
}

const declared = (t: Topology) =>
  t.containers
    .filter((c) => c.local)
    .flatMap((c) => c.ports.map((p) => ({ container: c.name, ...p })))
    .filter((p) => {
      const n = t.networks.find((x) => x.name === p.network)!;
      return !n.internal && n.gatewayMode !== 'isolated';
    });

const asDeclared = (p: PublishedPort) => ({
  container: p.container,
  hostIP: p.hostIP,
  hostPort: p.hostPort,
  hostPortEnd: p.hostPortEnd,
  containerIP: p.containerIP,
  containerPort: p.containerPort,
  containerPortEnd: p.containerPortEnd,
  protocol: p.protocol,
  network: p.network,
});

describe.each(['nft', 'legacy'] as const)('published ports from real iptables-save output (%s backend)', (backend) => {
  const kernel = [
    ...parseIptablesSave(fixture(`${backend}-save-v4.txt`), 'ipv4', HOST_NS),
    ...parseIptablesSave(fixture(`${backend}-save-v6.txt`), 'ipv6', HOST_NS),
    ...parseIptablesSave(fixture(`${backend}-save-router.txt`), 'ipv4', 'r1'),
    ...plumbing(topo),
  ];

  it('gives back every declared local port (ranges, 127.0.0.1, udp, IPv6 host address), with its container and network', () => {
    const got = publishedPorts(kernel).map(asDeclared);
    const want = declared(topo);
    expect(want.length).toBeGreaterThan(8);
    const order = (a: { container?: string; hostPort: number }, b: { container?: string; hostPort: number }) =>
      (a.container ?? '').localeCompare(b.container ?? '') || a.hostPort - b.hostPort;
    expect([...got].sort(order)).toEqual([...want].sort(order));
    // the remote container's port is not served here
    expect(got.some((p) => p.hostPort === 8099)).toBe(false);
  });

  it('shows the mapped range 7000-7001:80-81, written as two rules, as one row', () => {
    const web = publishedPorts(kernel).filter((p) => p.container === 'web');
    expect(web.find((p) => p.hostPort === 7000)).toMatchObject({ hostPortEnd: 7001, containerPort: 80, containerPortEnd: 81, bridge: 'br-a', ns: 'web' });
    expect(web.find((p) => p.hostPort === 9000)).toMatchObject({ hostPortEnd: 9001, containerPort: 9000, containerPortEnd: 9001 });
    expect(web.some((p) => p.hostPort === 7001)).toBe(false);
  });
});

describe('publishedPorts', () => {
  it('reads every rule form netkeeper writes', () => {
    const port = (over: Partial<TPort>): TPort => ({
      hostIP: '0.0.0.0',
      hostPort: 8080,
      hostPortEnd: 8080,
      containerIP: '10.1.0.2',
      containerPort: 80,
      containerPortEnd: 80,
      protocol: 'tcp',
      network: 'n',
      ...over,
    });
    const forms: TPort[] = [
      port({}),
      port({ hostIP: '127.0.0.1', protocol: 'udp', hostPort: 5353, hostPortEnd: 5353, containerPort: 53, containerPortEnd: 53 }),
      port({ hostPort: 9000, hostPortEnd: 9003, containerPort: 9000, containerPortEnd: 9003 }),
      port({ hostPort: 7000, hostPortEnd: 7002, containerPort: 80, containerPortEnd: 82 }),
      port({ hostPort: 6000, hostPortEnd: 6002, containerPort: 80, containerPortEnd: 80 }),
      port({ hostIP: '::', containerIP: 'fd00::2' }),
      port({ hostIP: 'fd00:99::1', containerIP: 'fd00::2', hostPort: 7000, hostPortEnd: 7001, containerPort: 7000, containerPortEnd: 7001, protocol: 'udp' }),
    ];
    for (const f of forms) {
      const family = f.containerIP.includes(':') ? 'ipv6' : 'ipv4';
      const got = publishedPorts([portsChain('br0', dnatRules(f), family)]);
      expect(got, JSON.stringify(f)).toHaveLength(1);
      const { network: _n, ...rest } = f;
      expect(got[0], JSON.stringify(f)).toEqual({ bridge: 'br0', family, ...rest });
    }
  });

  it('does not merge neighbouring ports of different shapes or containers', () => {
    const rules = [
      '-p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.1.0.2:80',
      '-p tcp -m tcp --dport 8081 -j DNAT --to-destination 10.1.0.3:81', // another container
      '-p udp -m udp --dport 8082 -j DNAT --to-destination 10.1.0.3:82', // another protocol
      '-p udp -m udp --dport 8083 -j DNAT --to-destination 10.1.0.3:90', // not the next container port
      '-d 127.0.0.1/32 -p udp -m udp --dport 8084 -j DNAT --to-destination 10.1.0.3:91', // another host address
      '-p udp -m udp --dport 8085:8086 -j DNAT --to-destination 10.1.0.3', // a range rule of its own
    ];
    expect(publishedPorts([portsChain('br0', rules)]).map((p) => `${p.hostIP}:${p.hostPort}-${p.hostPortEnd}`)).toEqual([
      '0.0.0.0:8080-8080',
      '0.0.0.0:8081-8081',
      '0.0.0.0:8082-8082',
      '0.0.0.0:8083-8083',
      '127.0.0.1:8084-8084',
      '0.0.0.0:8085-8086',
    ]);
  });

  it('names the container from the files when its namespace is named otherwise; a shared namespace by its owner', () => {
    const kernel: Resource[] = [
      portsChain('br0', ['-p tcp -m tcp --dport 80 -j DNAT --to-destination 10.1.0.2:80', '-p tcp -m tcp --dport 81 -j DNAT --to-destination 10.1.0.3:80']),
      bridge('br0', 'front'),
      netns('ns-web'),
      addr('ns-web', 'eth0', '10.1.0.2/24'),
      // `side` (mode container:app) is the name the namespace was observed under
      netns('side'),
      netns('app', 'side'),
      addr('side', 'eth0', '10.1.0.3/24'),
    ];
    const byPort = (ps: PublishedPort[]) => Object.fromEntries(ps.map((p) => [p.hostPort, p.container]));
    expect(byPort(publishedPorts(kernel))).toEqual({ 80: 'ns-web', 81: 'side' });
    expect(
      byPort(
        publishedPorts(
          kernel,
          new Map([
            ['ns-web', 'web'],
            ['app', 'app'],
          ]),
        ),
      ),
    ).toEqual({ 80: 'web', 81: 'app' });
  });

  it('an address held in two namespaces: the one whose veth is a port of the DNAT chain’s bridge; none holding it: no container', () => {
    const kernel: Resource[] = [
      portsChain('br-a', ['-p tcp -m tcp --dport 80 -j DNAT --to-destination 10.1.0.2:80', '-p tcp -m tcp --dport 99 -j DNAT --to-destination 10.1.0.99:80']),
      portsChain('br-b', ['-p tcp -m tcp --dport 81 -j DNAT --to-destination 10.1.0.2:80']),
      bridge('br-a', 'a'),
      bridge('br-b', 'b'),
      netns('x'),
      netns('y'),
      addr('x', 'eth0', '10.1.0.2/24'),
      addr('y', 'eth1', '10.1.0.2/24'),
      veth('nkx', 'br-b', 'x', 'eth0'),
      veth('nky', 'br-a', 'y', 'eth1'),
    ];
    const got = publishedPorts(kernel);
    expect(got.map((p) => [p.hostPort, p.container, p.network])).toEqual([
      [81, 'x', 'b'],
      [80, 'y', 'a'],
      [99, undefined, 'a'],
    ]);
  });

  it('ignores what is not a published port: NK-PORTS itself, other tables, other namespaces, non-DNAT rules', () => {
    const other = (table: string, chain: string, ns = HOST_NS): ChainRes => ({
      ...portsChain('x', ['-p tcp -m tcp --dport 1 -j DNAT --to-destination 10.0.0.1:1']),
      key: key.chain(ns, 'ipv4', table, chain),
      table,
      chain,
      ns,
    });
    expect(
      publishedPorts([
        other('nat', 'NK-PORTS'),
        other('filter', 'NK-PORTS-br0'),
        other('nat', 'NK-PORTS-br0', 'r1'),
        other('nat', 'NK-POSTROUTING'),
        portsChain('br0', ['-j RETURN', '-s 10.0.0.0/8 -j MASQUERADE']),
      ]),
    ).toEqual([]);
    expect(parseDnatRule('-p tcp -m tcp --dport 80 -j ACCEPT', 'ipv4', 'br0')).toBeUndefined();
  });
});

describe('formatPorts', () => {
  it('one row per port or range; IPv6 in brackets; unknown container as ?', () => {
    const kernel: Resource[] = [
      portsChain('br-a', [
        '-p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.1.0.2:80',
        '-d 127.0.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.1.0.2:53',
        '-p tcp -m tcp --dport 9000:9003 -j DNAT --to-destination 10.1.0.2',
        '-p tcp -m tcp --dport 9999 -j DNAT --to-destination 10.1.0.50:80',
      ]),
      portsChain('br-g', ['-p tcp -m tcp --dport 8086 -j DNAT --to-destination [fd00:24::10]:80'], 'ipv6'),
      bridge('br-a', 'frontend'),
      netns('web'),
      addr('web', 'eth0', '10.1.0.2/24'),
      netns('v6'),
      addr('v6', 'eth0', 'fd00:24::10/64'),
    ];
    expect(formatPorts(publishedPorts(kernel)).join('\n')).toBe(
      [
        '',
        'Published ports: 5',
        '  CONTAINER  HOST               PROTO  CONTAINER ADDRESS   NETWORK',
        '  v6         [::]:8086          tcp    [fd00:24::10]:80    br-g',
        '  web        127.0.0.1:5353     udp    10.1.0.2:53         frontend',
        '  web        0.0.0.0:8080       tcp    10.1.0.2:80         frontend',
        '  web        0.0.0.0:9000-9003  tcp    10.1.0.2:9000-9003  frontend',
        '  ?          0.0.0.0:9999       tcp    10.1.0.50:80        frontend',
      ].join('\n'),
    );
    expect(formatPorts([])).toEqual([]);
  });
});
