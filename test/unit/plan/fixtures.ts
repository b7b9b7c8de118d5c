// Hand-built topologies for plan tests (plain data, no kernel).
import type { Topology, TContainer, TNetwork } from '../../../src/model/topology.js';
import type { Observed } from '../../../src/model/plan.js';
import type { Resource } from '../../../src/model/resources.js';

export function network(over: Partial<TNetwork> = {}): TNetwork {
  return {
    name: 'frontend',
    driver: 'bridge',
    bridge: 'br-frontend',
    subnets: [
      { subnet: '172.18.0.0/24', family: 4, prefixLen: 24, gateway: '172.18.0.1', hostHasGateway: true, ipRange: '172.18.0.0/24', reserved: [], auto: false },
    ],
    mtu: 1500,
    gatewayMode: 'nat',
    icc: true,
    internal: false,
    hostIP: '0.0.0.0',
    declared: true,
    ...over,
  };
}

export function container(name: string, ip: string, over: Partial<TContainer> = {}): TContainer {
  const b = ip.split('.').map((x) => Number(x).toString(16).padStart(2, '0'));
  return {
    name,
    netns: name,
    netnsOrigin: 'named',
    netnsPath: `/run/netns/${name}`,
    mode: 'bridge',
    hostname: name,
    attachments: [
      { network: 'frontend', ifname: 'eth0', hostIfname: `nk${name}0`, ip4: ip, prefix4: 24, mac: `02:42:${b.join(':')}`, mtu: 1500, aliases: [] },
    ],
    ports: [],
    dns: { servers: ['10.0.0.2'], search: [], options: [] },
    extraHosts: [],
    links: [],
    routes: [],
    loopback: [],
    forwarding: false,
    masquerade: [],
    host: 'node-a',
    local: true,
    ...over,
  };
}

export function topology(containers: TContainer[], over: Partial<Topology> = {}): Topology {
  return {
    self: 'node-a',
    networks: [network()],
    containers,
    links: [],
    hosts: [],
    settings: { ipForward: true, iptables: true, prune: true },
    ...over,
  };
}

export function observedFrom(resources: Iterable<Resource>): Observed {
  const m = new Map<string, Resource>();
  for (const r of resources) m.set(r.key, structuredClone(r));
  return { resources: m, facts: { foreignRoutes: [], resolvConf: 'nameserver 10.0.0.2\n', hostname: 'node-a', linkMtu: {} } };
}
