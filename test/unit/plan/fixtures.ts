// Hand-built topologies for plan tests (plain data, no kernel), on the firewall tests' builders.
import type { Topology, TContainer, TNetwork } from '../../../src/model/topology.js';
import type { Observed } from '../../../src/model/plan.js';
import type { Resource } from '../../../src/model/resources.js';
import { container as bareContainer, network as bareNetwork } from './firewall-fixtures.js';

export function network(over: Partial<TNetwork> = {}): TNetwork {
  return bareNetwork('frontend', 'br-frontend', ['172.18.0.0/24'], over);
}

/** A container on frontend at `ip`, with the names and MAC the topology layer would derive. */
export function container(name: string, ip: string, over: Partial<TContainer> = {}): TContainer {
  const mac = `02:42:${ip
    .split('.')
    .map((x) => Number(x).toString(16).padStart(2, '0'))
    .join(':')}`;
  return bareContainer(name, [], {
    netnsPath: `/run/netns/${name}`,
    attachments: [{ network: 'frontend', ifname: 'eth0', hostIfname: `nk${name}0`, ip4: ip, prefix4: 24, mac, mtu: 1500, aliases: [] }],
    dns: { servers: ['10.0.0.2'], search: [], options: [] },
    host: 'node-a',
    ...over,
  });
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
