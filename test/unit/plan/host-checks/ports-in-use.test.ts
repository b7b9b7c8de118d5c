import { describe, expect, it } from 'vitest';
import type { HostListener } from '../../../../src/model/observed-host.js';
import { portsInUse } from '../../../../src/plan/host-checks/ports-in-use.js';
import { att, config, net, observed, on, port } from '../topology/fixtures.js';
import { build } from './fixtures.js';

const front = net('front', { subnets: [{ subnet: '172.20.0.0/24' }] });
const cfg = (p = port(8080, 80)) => config({ networks: [front], containers: [on('web', [att('front')], { ports: [p] })] });
const check = (c = cfg(), ls: HostListener[], obs = observed()) => portsInUse(c, build(c, obs).topo, obs.resources.values(), ls);
const nginx: HostListener = { protocol: 'tcp', addr: '0.0.0.0', port: 8080, process: 'nginx (pid 812)' };

describe('port-in-use', () => {
  it('refuses a new port a host process listens on, naming the process and the declaration', () => {
    const d = check(cfg(), [nginx]);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: 'port-in-use', object: 'Container web', pos: { file: 'networks.d/test.yaml', line: 20 } });
    expect(d[0].message).toContain('publishing 0.0.0.0:8080/tcp would shadow a service on this host: nginx (pid 812) listens on 0.0.0.0:8080/tcp');
  });

  it('matches by address: a listener on one address and a port on another do not meet', () => {
    expect(check(cfg(port(8080, 80, { hostIP: '127.0.0.1' })), [{ ...nginx, addr: '10.1.1.1' }])).toEqual([]);
    expect(check(cfg(port(8080, 80, { hostIP: '127.0.0.1' })), [{ ...nginx, addr: '127.0.0.1' }])).toHaveLength(1);
    // a port on every address takes a listener's on any one of them (OUTPUT DNATs 127.0.0.1 too)
    expect(check(cfg(), [{ ...nginx, addr: '127.0.0.1' }])).toHaveLength(1);
  });

  it('matches by protocol, family and port range', () => {
    expect(check(cfg(), [{ ...nginx, protocol: 'udp' }])).toEqual([]);
    expect(check(cfg(), [{ ...nginx, addr: '::' }])).toEqual([]); // the port is IPv4 only: the container has no IPv6 address
    expect(check(cfg(), [{ ...nginx, port: 8081 }])).toEqual([]);
    expect(check(cfg(port(8080, 80, { hostPortEnd: 8089, containerPortEnd: 89 })), [{ ...nginx, port: 8085 }])).toHaveLength(1);
    expect(check(cfg(), [{ ...nginx, addr: '*' }])).toHaveLength(1);
  });

  it('leaves a port the kernel already publishes to the diff', () => {
    const chain = {
      kind: 'chain' as const,
      key: 'chain:host/ipv4/nat/NK-PORTS-br-front',
      ns: 'host',
      owned: true,
      family: 'ipv4' as const,
      table: 'nat' as const,
      chain: 'NK-PORTS-br-front',
      rules: ['-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.20.0.2:80'],
    };
    expect(check(cfg(), [nginx], observed([chain]))).toEqual([]);
  });

  it('names no process when ss could not', () => {
    const { process: _, ...anon } = nginx;
    expect(check(cfg(), [anon])[0].message).toContain('a process ss could not name listens on 0.0.0.0:8080/tcp');
  });
});
