// Small Topology builders (firewall tests; plan tests build on them).
import type { TContainer, TNetwork, TPort, TSubnet, Topology } from '../../../src/model/topology.js';

export function subnet(cidr: string, opts: Partial<TSubnet> = {}): TSubnet {
  const v6 = cidr.includes(':');
  const [addr, len] = cidr.split('/');
  return {
    subnet: cidr,
    family: v6 ? 6 : 4,
    prefixLen: Number(len),
    gateway: v6 ? `${addr}1` : addr.replace(/\.0$/, '.1'),
    hostHasGateway: true,
    ipRange: cidr,
    reserved: [],
    auto: false,
    ...opts,
  };
}

export function network(name: string, bridge: string, cidrs: string[], opts: Partial<TNetwork> = {}): TNetwork {
  const mode = opts.gatewayMode ?? 'nat';
  return {
    name,
    driver: 'bridge',
    bridge,
    subnets: cidrs.map((c) => subnet(c, { hostHasGateway: mode !== 'isolated' })),
    mtu: 1500,
    gatewayMode: mode,
    icc: true,
    internal: false,
    hostIP: '0.0.0.0',
    declared: true,
    ...opts,
  };
}

export function container(name: string, atts: { network: string; ip4?: string; ip6?: string }[], opts: Partial<TContainer> = {}): TContainer {
  return {
    name,
    netns: name,
    netnsOrigin: 'named',
    mode: 'bridge',
    hostname: name,
    attachments: atts.map((a, i) => ({ network: a.network, ifname: `eth${i}`, ip4: a.ip4, ip6: a.ip6, mac: '02:42:00:00:00:01', mtu: 1500, aliases: [] })),
    ports: [],
    dns: { servers: [], search: [], options: [] },
    extraHosts: [],
    links: [],
    routes: [],
    loopback: [],
    forwarding: false,
    masquerade: [],
    host: 'h',
    local: true,
    ...opts,
  };
}

export function port(spec: string, containerIP: string, network: string): TPort {
  // "[hostIP:]hostPort[-end]:containerPort[-end][/proto]"
  const [body, proto] = spec.split('/');
  const parts = body.split(':');
  const hostIP = parts.length === 3 ? parts[0] : '0.0.0.0';
  const [h, c] = parts.slice(-2);
  const [hp, hpe] = h.split('-').map(Number);
  const [cp, cpe] = c.split('-').map(Number);
  return {
    hostIP,
    hostPort: hp,
    hostPortEnd: hpe ?? hp,
    containerIP,
    containerPort: cp,
    containerPortEnd: cpe ?? cp,
    protocol: (proto as 'tcp' | 'udp') ?? 'tcp',
    network,
  };
}

export function topology(networks: TNetwork[], containers: TContainer[], settings: Partial<Topology['settings']> = {}): Topology {
  return { self: 'h', networks, containers, links: [], hosts: [], settings: { ipForward: true, iptables: true, prune: true, ...settings } };
}
