// Published ports in the topology: which network a port lands on, both address
// families, and the host port chosen for a port declared without one.
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/model/config.js';
import type { Observed } from '../../../src/model/plan.js';
import { chainRes } from '../../../src/model/resources.js';
import type { Topology } from '../../../src/model/topology.js';
import { buildFirewall } from '../../../src/plan/firewall.js';
import { chosenPorts, formatChosenPorts } from '../../../src/status/ports.js';
import { buildTopology } from '../../../src/plan/topology/index.js';
import { att, config, net, observed, on, port } from './topology/fixtures.js';

function ok(cfg: Config, obs: Observed = observed()): Topology {
  const r = buildTopology(cfg, obs, 'node-a');
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.code}: ${e.message}`).join('\n'));
  return r.value;
}
const portsOf = (t: Topology, c: string) => t.containers.find((x) => x.name === c)!.ports;
const auto = (containerPort: number, extra: object = {}) => port(0, containerPort, { hostPortEnd: 0, auto: true, ...extra });

describe('buildTopology: published ports', () => {
  const sw = net('sw', { gatewayMode: 'isolated', subnets: [{ subnet: '10.9.0.0/24' }] });
  const front = net('front', { subnets: [{ subnet: '10.1.0.0/24' }] });
  const dual = net('dual', { subnets: [{ subnet: '10.2.0.0/24' }, { subnet: 'fd02::/64' }] });

  it('several networks: the port lands on the first that can carry it (an isolated switch cannot)', () => {
    const t = ok(config({ networks: [sw, front], containers: [on('web', [att('sw'), att('front')], { ports: [port(2201, 22, { hostIP: '127.0.0.1' })] })] }));
    expect(portsOf(t, 'web')).toEqual([
      {
        hostIP: '127.0.0.1',
        hostPort: 2201,
        hostPortEnd: 2201,
        containerIP: '10.1.0.2',
        containerPort: 22,
        containerPortEnd: 22,
        protocol: 'tcp',
        network: 'front',
      },
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
    const r = buildTopology(
      config({ networks: [front], containers: [on('web', [att('front')], { ports: [port(8092, 80, { hostIP: '::' })] })] }),
      observed(),
      'node-a',
    );
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

  it("a port without a host port gets one from 49153-65535, on both families alike, and keeps it from the kernel's DNAT rules", () => {
    const cfg = config({
      networks: [dual],
      containers: [on('web', [att('dual', { ip: '10.2.0.10', ip6: 'fd02::10' })], { ports: [auto(80), auto(53, { protocol: 'udp', hostIP: '127.0.0.1' })] })],
    });
    const t = ok(cfg);
    const [v4, v6, dns] = portsOf(t, 'web');
    expect(v4).toMatchObject({ hostIP: '0.0.0.0', containerIP: '10.2.0.10', containerPort: 80, auto: true });
    expect(v6).toMatchObject({ hostIP: '::', containerIP: 'fd02::10', hostPort: v4.hostPort });
    expect(dns).toMatchObject({ hostIP: '127.0.0.1', protocol: 'udp', auto: true });
    expect(v4.hostPort).toBeGreaterThanOrEqual(49153);
    expect(ok(cfg).containers[0].ports).toEqual(portsOf(t, 'web'));
    // a different port the kernel has for it is kept
    const kept = observed([chainRes('host', 'ipv4', 'nat', 'NK-PORTS-br-dual', ['-p tcp -m tcp --dport 50123 -j DNAT --to-destination 10.2.0.10:80'])]);
    expect(
      portsOf(ok(cfg, kept), 'web')
        .slice(0, 2)
        .map((p) => p.hostPort),
    ).toEqual([50123, 50123]);
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
    const t = ok(
      config({ networks: [front], containers: [on('web', [att('front')], { ports: [auto(80)] }), on('zz', [att('front')], { ports: [port(first, 80)] })] }),
    );
    expect(portsOf(t, 'web')[0].hostPort).not.toBe(first);
  });
});
