// Published ports in the topology: which network a port lands on, both address
// families, and the host port chosen for a port declared without one.
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/model/config.js';
import type { Observed } from '../../../src/model/plan.js';
import { chainRes } from '../../../src/model/resources.js';
import type { Topology } from '../../../src/model/topology.js';
import { buildFirewall } from '../../../src/plan/firewall.js';
import { chooseHostPorts, EPHEMERAL_HI, EPHEMERAL_LO, type AutoRequest, type HostPortFacts } from '../../../src/plan/ports.js';
import { chosenPorts, formatChosenPorts } from '../../../src/status/ports.js';
import { buildTopology } from '../../../src/plan/topology/index.js';
import { boundPorts, parseProcNet } from '../../../src/observe/sockets.js';
import { att, config, net, observed, on, port } from './topology/fixtures.js';

function ok(cfg: Config, obs: Observed = observed()): Topology {
  const r = buildTopology(cfg, obs, 'node-a');
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.code}: ${e.message}`).join('\n'));
  return r.value;
}
const portsOf = (t: Topology, c: string) => t.containers.find((x) => x.name === c)!.ports;
const auto = (containerPort: number, extra: object = {}) => port(0, containerPort, { hostPortEnd: 0, auto: true, ...extra });

const none: HostPortFacts = { published: { tcp: new Set(), udp: new Set() }, bound: { tcp: new Set(), udp: new Set() }, existing: [] };
const req = (id: string, extra: Partial<AutoRequest> = {}): AutoRequest => ({
  id,
  protocol: 'tcp',
  length: 1,
  targets: [{ family: 'ipv4', hostIP: '0.0.0.0', bridge: 'br-x', containerIP: '10.0.0.2', containerPort: 80 }],
  ...extra,
});

describe('chooseHostPorts', () => {
  it('picks from 49153-65535, the same port for the same request every time, different ones for different requests', () => {
    const a = chooseHostPorts([req('web#0'), req('db#0')], none);
    const b = chooseHostPorts([req('web#0'), req('db#0')], none);
    expect(a).toEqual(b);
    for (const p of a.values()) expect(p).toBeGreaterThanOrEqual(EPHEMERAL_LO);
    for (const p of a.values()) expect(p).toBeLessThanOrEqual(EPHEMERAL_HI);
    expect(a.get('web#0')).not.toBe(a.get('db#0'));
  });

  it('probes upward past ports the files publish, ports bound on the host and ports chosen already', () => {
    const first = chooseHostPorts([req('web#0')], none).get('web#0')!;
    const facts: HostPortFacts = { ...none, published: { tcp: new Set([first]), udp: new Set() }, bound: { tcp: new Set([first + 1]), udp: new Set() } };
    const r = chooseHostPorts([req('web#0'), req('web#0', { id: 'web#0-again' })], facts);
    // a second request with the same start would collide: it takes the next free one
    expect(r.get('web#0')).toBe(first + 2);
    // the other protocol is not blocked
    expect(chooseHostPorts([req('web#0', { protocol: 'udp' })], facts).get('web#0')).toBe(first);
  });

  it('wraps at the top of the range', () => {
    const taken = new Set<number>();
    for (let p = EPHEMERAL_LO + 10; p <= EPHEMERAL_HI; p++) taken.add(p);
    const r = chooseHostPorts([req('web#0')], { ...none, bound: { tcp: taken, udp: new Set() } });
    expect(r.get('web#0')).toBeLessThan(EPHEMERAL_LO + 10);
  });

  it('a range takes a free block of its length', () => {
    const r = chooseHostPorts([req('web#0', { length: 4 })], none).get('web#0')!;
    const blocked = chooseHostPorts([req('web#0', { length: 4 })], { ...none, bound: { tcp: new Set([r + 2]), udp: new Set() } }).get('web#0')!;
    expect(blocked).toBe(r + 3);
  });

  it('is undefined when no block is free', () => {
    const all = new Set<number>();
    for (let p = EPHEMERAL_LO; p <= EPHEMERAL_HI; p++) all.add(p);
    expect(chooseHostPorts([req('web#0')], { ...none, bound: { tcp: all, udp: new Set() } }).get('web#0')).toBeUndefined();
  });

  it('keeps the port an existing DNAT rule gives the same container port, unless it is now published or bound', () => {
    const existing = [{ protocol: 'tcp' as const, family: 'ipv4' as const, hostIP: '0.0.0.0', bridge: 'br-x', hostPort: 60001, containerIP: '10.0.0.2', containerPort: 80 }];
    expect(chooseHostPorts([req('web#0')], { ...none, existing }).get('web#0')).toBe(60001);
    // another container (address) or port does not keep it
    expect(chooseHostPorts([req('web#0', { targets: [{ ...req('x').targets[0], containerIP: '10.0.0.3' }] })], { ...none, existing }).get('web#0')).not.toBe(60001);
    // a new request never takes a kept one, whatever the order
    const fresh = chooseHostPorts([req('web#0')], none).get('web#0')!;
    const existingAtFresh = [{ ...existing[0], hostPort: fresh, containerIP: '10.0.0.9' }];
    const r = chooseHostPorts(
      [req('web#0'), req('old#0', { targets: [{ ...req('x').targets[0], containerIP: '10.0.0.9' }] })],
      { ...none, existing: existingAtFresh },
    );
    expect(r.get('old#0')).toBe(fresh);
    expect(r.get('web#0')).not.toBe(fresh);
    // bound on the host now: moved
    expect(chooseHostPorts([req('web#0')], { ...none, existing, bound: { tcp: new Set([60001]), udp: new Set() } }).get('web#0')).not.toBe(60001);
  });
});

describe('/proc/net sockets', () => {
  const TCP = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1065 1 0 100 0 0 10 0',
    '   1: 0100007F:C351 0100007F:0016 01 00000000:00000000 00:00000000 00000000     0        0 1066 1 0 100 0 0 10 0',
  ].join('\n');
  const TCP6 = [
    '  sl  local_address                         remote_address                        st tx_queue rx_queue',
    '   0: 00000000000000000000000000000000:C350 00000000000000000000000000000000:0000 0A 00000000:00000000',
  ].join('\n');
  const UDP = ['  sl  local_address rem_address   st', '  5: 00000000:0035 00000000:0000 07 00000000:00000000'].join('\n');
  it('TCP: listening sockets only; UDP: every socket; both families', () => {
    expect(parseProcNet(TCP, true)).toEqual([2024]);
    expect(boundPorts({ tcp: [TCP, TCP6], udp: [UDP, ''] })).toEqual({ tcp: [2024, 50000], udp: [53] });
  });
});

describe('buildTopology: published ports', () => {
  const sw = net('sw', { gatewayMode: 'isolated', subnets: [{ subnet: '10.9.0.0/24' }] });
  const front = net('front', { subnets: [{ subnet: '10.1.0.0/24' }] });
  const dual = net('dual', { subnets: [{ subnet: '10.2.0.0/24' }, { subnet: 'fd02::/64' }] });

  it('several networks: the port lands on the first that can carry it (an isolated switch cannot)', () => {
    const t = ok(config({ networks: [sw, front], containers: [on('web', [att('sw'), att('front')], { ports: [port(2201, 22, { hostIP: '127.0.0.1' })] })] }));
    expect(portsOf(t, 'web')).toEqual([
      { hostIP: '127.0.0.1', hostPort: 2201, hostPortEnd: 2201, containerIP: '10.1.0.2', containerPort: 22, containerPortEnd: 22, protocol: 'tcp', network: 'front' },
    ]);
  });

  it('dual stack: "8080:80" on both families; "[::]:8092:80" and "[fd99::1]:8095:80" IPv6 only; "0.0.0.0:8093:80" IPv4 only', () => {
    const t = ok(
      config({
        networks: [dual],
        containers: [
          on('web', [att('dual', { ip: '10.2.0.10', ip6: 'fd02::10' })], {
            ports: [port(8080, 80), port(8092, 80, { hostIP: '::' }), port(8095, 80, { hostIP: 'fd99::1' }), port(8093, 80, { hostIP: '0.0.0.0' })],
          }),
        ],
      }),
    );
    expect(portsOf(t, 'web').map((p) => `${p.hostIP} ${p.hostPort} → ${p.containerIP}`)).toEqual([
      '0.0.0.0 8080 → 10.2.0.10',
      ':: 8080 → fd02::10',
      ':: 8092 → fd02::10',
      'fd99::1 8095 → fd02::10',
      '0.0.0.0 8093 → 10.2.0.10',
    ]);
    const rs = buildFirewall(t);
    const rules = (family: string) =>
      rs.filter((r) => r.kind === 'chain' && r.family === family && r.chain === 'NK-PORTS-br-dual').flatMap((r) => (r.kind === 'chain' ? r.rules : []));
    expect(rules('ipv4')).toEqual([
      '-p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.2.0.10:80',
      '-p tcp -m tcp --dport 8093 -j DNAT --to-destination 10.2.0.10:80',
    ]);
    expect(rules('ipv6')).toEqual([
      '-p tcp -m tcp --dport 8080 -j DNAT --to-destination [fd02::10]:80',
      '-p tcp -m tcp --dport 8092 -j DNAT --to-destination [fd02::10]:80',
      '-d fd99::1/128 -p tcp -m tcp --dport 8095 -j DNAT --to-destination [fd02::10]:80',
    ]);
  });

  it('an IPv6 host address for a container without IPv6 is an error at the port, not a silent IPv4 rule', () => {
    const r = buildTopology(config({ networks: [front], containers: [on('web', [att('front')], { ports: [port(8092, 80, { hostIP: '::' })] })] }), observed(), 'node-a');
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors).toEqual([
        expect.objectContaining({
          code: 'port-no-target',
          message: 'published port 8092: the container has no IPv6 address on network front (the port is published on [::])',
          pos: { file: 'networks.d/test.yaml', line: 20, col: 1 },
        }),
      ]);
  });

  it('a port without a host port gets one from 49153-65535, on both families alike, and keeps it from the kernel\'s DNAT rules', () => {
    const cfg = config({ networks: [dual], containers: [on('web', [att('dual', { ip: '10.2.0.10', ip6: 'fd02::10' })], { ports: [auto(80), auto(53, { protocol: 'udp', hostIP: '127.0.0.1' })] })] });
    const t = ok(cfg);
    const [v4, v6, dns] = portsOf(t, 'web');
    expect(v4).toMatchObject({ hostIP: '0.0.0.0', containerIP: '10.2.0.10', containerPort: 80, auto: true });
    expect(v6).toMatchObject({ hostIP: '::', containerIP: 'fd02::10', hostPort: v4.hostPort });
    expect(dns).toMatchObject({ hostIP: '127.0.0.1', protocol: 'udp', auto: true });
    expect(v4.hostPort).toBeGreaterThanOrEqual(49153);
    expect(ok(cfg).containers[0].ports).toEqual(portsOf(t, 'web'));
    // a different port the kernel has for it is kept
    const kept = observed([chainRes('host', 'ipv4', 'nat', 'NK-PORTS-br-dual', ['-p tcp -m tcp --dport 50123 -j DNAT --to-destination 10.2.0.10:80'])]);
    expect(portsOf(ok(cfg, kept), 'web').slice(0, 2).map((p) => p.hostPort)).toEqual([50123, 50123]);
    // a port bound on the host is never chosen
    const bound = observed([], { boundPorts: { tcp: [v4.hostPort], udp: [] } });
    expect(portsOf(ok(cfg, bound), 'web')[0].hostPort).not.toBe(v4.hostPort);
    // shown by plan
    expect(chosenPorts(t)).toEqual([
      { container: 'web', network: 'dual', protocol: 'tcp', containerPort: 80, containerPortEnd: 80, host: [`0.0.0.0:${v4.hostPort}`, `[::]:${v4.hostPort}`] },
      { container: 'web', network: 'dual', protocol: 'udp', containerPort: 53, containerPortEnd: 53, host: [`127.0.0.1:${dns.hostPort}`] },
    ]);
    expect(formatChosenPorts(chosenPorts(t))[1]).toBe('Host ports chosen by netkeeper (ports declared without one):');
  });

  it('a chosen port avoids every host port the files publish', () => {
    const first = portsOf(ok(config({ networks: [front], containers: [on('web', [att('front')], { ports: [auto(80)] })] })), 'web')[0].hostPort;
    const t = ok(config({ networks: [front], containers: [on('web', [att('front')], { ports: [auto(80)] }), on('zz', [att('front')], { ports: [port(first, 80)] })] }));
    expect(portsOf(t, 'web')[0].hostPort).not.toBe(first);
  });
});
