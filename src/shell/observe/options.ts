// What observe must be told by the files (and nothing else of them): adopted
// namespaces to enter, which of two names bound to one namespace owns it, whether
// to read the host's bound ports, the router namespaces whose iptables are
// netkeeper's, the namespace files to tell apart, whether IPv6 forwarding may be
// turned on (the RA guard's reads).

import type { Config } from '../../model/config.js';
import { specNetnsPath } from '../../model/netns-path.js';
import { identitySpec, type IdentitySpec } from './netns-identity.js';
import type { ReaderKind } from './nl-reader.js';

export interface HostObserveOptions {
  /** adopted namespaces (by path or /proc/PID/ns/net), observed under these names */
  extraNamespaces: { name: string; path: string }[];
  /** when several /run/netns names are one namespace, observe it under the first of these */
  preferPrimary: string[];
  /** read the host's bound ports: a port needs its host port chosen */
  boundPorts: boolean;
  /** read the host's listening sockets (ss): published ports must not shadow them, overlays need their UDP port */
  listeners: boolean;
  /** read iptables (Settings.iptables), and in which namespaces besides the host and the marked ones */
  firewall?: { routers: string[] };
  identity: IdentitySpec;
  /** the files declare IPv6 subnets: forwarding may be turned on (read what the RA guard needs, when it is off) */
  ipv6: boolean;
  /** how namespaces are read (default: readerFromEnv(), netlink unless NETKEEPER_READER=ip) */
  reader?: ReaderKind;
}

export function observeOptionsFor(config: Config): HostObserveOptions {
  // namespaces whose own iptables netkeeper manages: masquerading routers, and every
  // adopted one (its lo is not marked, netkeeper did not make it)
  const routers = config.containers
    .filter((c) => c.masquerade.length > 0 || (c.netns.type !== 'named' && (c.mode.type === 'bridge' || c.mode.type === 'none')))
    .map((c) => (c.netns.type === 'named' ? c.netns.name : c.name));
  return {
    extraNamespaces: config.containers.flatMap((c) => (c.netns.type !== 'named' ? [{ name: c.name, path: specNetnsPath(c.netns) }] : [])),
    preferPrimary: config.containers.filter((c) => c.mode.type !== 'container').map((c) => (c.netns.type === 'named' ? c.netns.name : c.name)),
    // a port declared without a host port must not get one a host socket is bound to
    boundPorts: config.containers.some((c) => c.ports.some((p) => p.auto)),
    listeners: config.containers.some((c) => c.ports.length > 0) || config.networks.some((n) => n.driver === 'overlay'),
    ...(config.settings.iptables ? { firewall: { routers } } : {}),
    identity: identitySpec(config),
    ipv6: config.networks.some((n) => (n.subnets ?? []).some((s) => s.subnet.includes(':'))),
  };
}
