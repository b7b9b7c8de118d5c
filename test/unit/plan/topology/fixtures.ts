// Hand-built Config and Observed objects for topology tests (plain data).
import type { AttachmentSpec, Config, ContainerSpec, HostSpec, LinkSpec, NetworkSpec, PortSpec, SourcePos } from '../../../../src/model/config.js';
import type { Observed } from '../../../../src/model/plan.js';
import { type Resource, key, toMap } from '../../../../src/model/resources.js';

export const pos = (line = 1): SourcePos => ({ file: 'networks.d/test.yaml', line, col: 1 });

export function net(name: string, extra: Partial<NetworkSpec> = {}): NetworkSpec {
  return { kind: 'Network', name, driver: 'bridge', gatewayMode: 'nat', icc: true, internal: false, pos: pos(), ...extra };
}

export function att(network: string, extra: Partial<AttachmentSpec> = {}): AttachmentSpec {
  return { network, aliases: [], pos: pos(5), ...extra };
}

export function ctr(name: string, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    kind: 'Container',
    name,
    netns: { type: 'named', name },
    mode: { type: 'bridge' },
    networks: [],
    networksDeclared: false,
    ports: [],
    extraHosts: [],
    links: [],
    routes: [],
    loopback: [],
    forwarding: false,
    masquerade: [],
    pos: pos(10),
    ...extra,
  };
}

/** A container attached to the given networks (declared `networks`). */
export function on(name: string, atts: AttachmentSpec[], extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return ctr(name, { networks: atts, networksDeclared: true, ...extra });
}

export function port(hostPort: number, containerPort: number, extra: Partial<PortSpec> = {}): PortSpec {
  return {
    hostPort,
    hostPortEnd: hostPort,
    containerPort,
    containerPortEnd: containerPort,
    protocol: 'tcp',
    pos: pos(20),
    ...extra,
  };
}

export function host(name: string, address: string): HostSpec {
  return { kind: 'Host', name, address, pos: pos(30) };
}

export function link(name: string, a: [string, string, string?], b: [string, string, string?], mtu?: number): LinkSpec {
  const end = ([container, ifname, ip]: [string, string, string?]) => ({ container, ifname, ...(ip ? { ip } : {}), pos: pos(40) });
  return { kind: 'Link', name, ...(mtu ? { mtu } : {}), endpoints: [end(a), end(b)], pos: pos(40) };
}

export function config(parts: Partial<Omit<Config, 'settings'>> = {}): Config {
  return {
    networks: [],
    containers: [],
    links: [],
    hosts: [],
    settings: { kind: 'Settings', ipForward: true, iptables: true, prune: true },
    documentCount: 1,
    ...parts,
  };
}

export function observed(resources: Resource[] = [], facts: Partial<Observed['facts']> = {}): Observed {
  return {
    resources: toMap(resources),
    facts: { foreignRoutes: [], resolvConf: '', hostname: 'node-a', linkMtu: {}, ...facts },
  };
}

/** An owned bridge in the host namespace holding `cidr`. */
export function ownedBridge(ifname: string, cidr: string): Resource[] {
  return [
    { kind: 'link', key: key.link('host', ifname), ns: 'host', owned: true, ifname, type: 'bridge', up: true, alias: 'nk:bridge' },
    { kind: 'addr', key: key.addr('host', ifname, cidr), ns: 'host', owned: true, ifname, cidr },
  ];
}

/** An address a container holds now on one of its interfaces. */
export function ctrAddr(ns: string, ifname: string, cidr: string): Resource {
  return { kind: 'addr', key: key.addr(ns, ifname, cidr), ns, owned: true, ifname, cidr };
}

export function hostAddr(ifname: string, cidr: string, owned = false): Resource {
  return { kind: 'addr', key: key.addr('host', ifname, cidr), ns: 'host', owned, ifname, cidr };
}
