// Published ports of the topology (pure): which attachment a port leads to, on
// which address families, and the host port of a port declared without one.
//
// - Network: the port's `network:`, else the first attachment whose network can
//   carry published ports (nat or routed, not internal, not macvlan; see
//   noPortsReason) and, for a port on one family's host address, has an address
//   of that family.
// - Families, as Docker publishes them: a port naming no host address, on a
//   network whose hostIP is the default 0.0.0.0, is published on 0.0.0.0 and on
//   [::], for each family the container has an address in. A host address (the
//   port's or the network's) publishes on its family only: "0.0.0.0:80:80" is
//   IPv4, "[::]:80:80" is IPv6.
// - Host port of "80" / "127.0.0.1::80" (chooseHostPorts): one port (or block,
//   for a range) from Docker's ephemeral range 49153-65535, the same for both
//   families. The DNAT rules the kernel already has keep theirs while the
//   container keeps the port; a new one starts at a hash of the container and
//   port and probes upward past every port the files publish and every port a
//   socket on the host is bound to.

import type { ContainerSpec, PortProtocol, PortSpec, SourcePos } from '../model/config.js';
import type { DiagnosticCode } from '../model/diagnostic.js';
import type { Resource } from '../model/resources.js';
import type { TAttachment, TNetwork, TPort } from '../model/topology.js';
import { noPortsReason } from '../config/ports.js';
import { EPHEMERAL_HI, EPHEMERAL_LO, chooseHostPorts, existingMappings, type AutoRequest } from './host-ports.js';

export { EPHEMERAL_HI, EPHEMERAL_LO, chooseHostPorts, existingMappings } from './host-ports.js';
export type { AutoRequest, AutoTarget, DnatMapping, HostPortFacts } from './host-ports.js';

export interface PortContainer {
  spec: ContainerSpec;
  /** runs on this host */
  local: boolean;
  /** the attachments of the namespace it lives in (a shared namespace's owner's) */
  attachments: TAttachment[];
}

export interface PortsInput {
  containers: PortContainer[];
  networks: ReadonlyMap<string, TNetwork>;
  /** the kernel's resources now (its NK-PORTS-* chains keep chosen host ports) */
  observed: Iterable<Resource>;
  /** ports bound on the host (observe's boundPorts; absent: none known) */
  bound?: { tcp: number[]; udp: number[] };
  error(code: DiagnosticCode, container: string, message: string, pos?: SourcePos): void;
}

interface Target {
  network: TNetwork;
  /** one per family published on */
  pairs: { hostIP: string; containerIP: string }[];
}

const isV6 = (ip: string) => ip.includes(':');

/** Where a port leads: its network and the (host address, container address) of each family; a message when nowhere. */
function target(p: PortSpec, atts: TAttachment[], nets: ReadonlyMap<string, TNetwork>): Target | string {
  const pairsOn = (a: TAttachment, n: TNetwork): Target['pairs'] => {
    const hostIP = p.hostIP ?? n.hostIP;
    if (p.hostIP === undefined && hostIP === '0.0.0.0') {
      return [...(a.ip4 ? [{ hostIP: '0.0.0.0', containerIP: a.ip4 }] : []), ...(a.ip6 ? [{ hostIP: '::', containerIP: a.ip6 }] : [])];
    }
    const containerIP = isV6(hostIP) ? a.ip6 : a.ip4;
    return containerIP ? [{ hostIP, containerIP }] : [];
  };
  const carriers = atts.filter((a) => {
    const n = nets.get(a.network);
    return n !== undefined && (p.network !== undefined ? a.network === p.network : noPortsReason(n) === undefined);
  });
  if (carriers.length === 0) {
    if (p.network !== undefined) return `the container is not attached to network ${p.network}`;
    return atts.length === 0 ? 'the container has no network to publish on' : "none of the container's networks can carry a published port";
  }
  const a = carriers.find((x) => pairsOn(x, nets.get(x.network)!).length > 0);
  if (!a) {
    const n = nets.get(carriers[0].network)!;
    const hostIP = p.hostIP ?? n.hostIP;
    const fam = p.hostIP === undefined && hostIP === '0.0.0.0' ? '' : isV6(hostIP) ? 'IPv6 ' : 'IPv4 ';
    const where = fam ? ` (the port is published on ${isV6(hostIP) ? `[${hostIP}]` : hostIP})` : '';
    return `the container has no ${fam}address on network ${carriers.map((c) => c.network).join(' or ')}${where}`;
  }
  const n = nets.get(a.network)!;
  return { network: n, pairs: pairsOn(a, n) };
}

const portText = (p: PortSpec) => `${p.containerPort === p.containerPortEnd ? p.containerPort : `${p.containerPort}-${p.containerPortEnd}`}/${p.protocol}`;

/** The published ports of each container, by name. */
export function buildPorts(input: PortsInput): Map<string, TPort[]> {
  const out = new Map<string, TPort[]>();
  const published: Record<PortProtocol, Set<number>> = { tcp: new Set(), udp: new Set() };
  const pending: { c: PortContainer; p: PortSpec; t: Target; req: AutoRequest }[] = [];
  for (const c of input.containers) {
    const ports: TPort[] = [];
    out.set(c.spec.name, ports);
    c.spec.ports.forEach((p, i) => {
      const t = target(p, c.attachments, input.networks);
      if (typeof t === 'string') {
        const what = p.auto ? portText(p) : `${p.hostPort}`;
        if (c.local) input.error('port-no-target', c.spec.name, `published port ${what}: ${t}`, p.pos);
        return;
      }
      if (!p.auto) {
        if (c.local) for (let h = p.hostPort; h <= p.hostPortEnd; h++) published[p.protocol].add(h);
        for (const x of t.pairs) ports.push(tport(p, t.network, x, p.hostPort, p.hostPortEnd));
        return;
      }
      if (!c.local) return; // chosen by the host that runs it
      const bridge = t.network.bridge ?? '';
      pending.push({
        c,
        p,
        t,
        req: {
          id: `${c.spec.name}#${i}/${p.protocol}/${p.containerPort}-${p.containerPortEnd}/${p.hostIP ?? ''}`,
          protocol: p.protocol,
          length: p.containerPortEnd - p.containerPort + 1,
          targets: t.pairs.map((x) => ({
            family: isV6(x.containerIP) ? 'ipv6' : 'ipv4',
            hostIP: x.hostIP,
            bridge,
            containerIP: x.containerIP,
            containerPort: p.containerPort,
          })),
        },
      });
    });
  }
  if (pending.length === 0) return out;
  const bound = { tcp: new Set(input.bound?.tcp ?? []), udp: new Set(input.bound?.udp ?? []) };
  const chosen = chooseHostPorts(
    pending.map((x) => x.req),
    { published, bound, existing: existingMappings(input.observed) },
  );
  for (const { c, p, t, req } of pending) {
    const h = chosen.get(req.id);
    if (h === undefined) {
      input.error(
        'port-exhausted',
        c.spec.name,
        `published port ${portText(p)}: no free host port block of ${req.length} left in ${EPHEMERAL_LO}-${EPHEMERAL_HI}`,
        p.pos,
      );
      continue;
    }
    const ports = out.get(c.spec.name)!;
    for (const x of t.pairs) ports.push({ ...tport(p, t.network, x, h, h + req.length - 1), auto: true });
  }
  return out;
}

function tport(p: PortSpec, n: TNetwork, x: { hostIP: string; containerIP: string }, hostPort: number, hostPortEnd: number): TPort {
  return {
    hostIP: x.hostIP,
    hostPort,
    hostPortEnd,
    containerIP: x.containerIP,
    containerPort: p.containerPort,
    containerPortEnd: p.containerPortEnd,
    protocol: p.protocol,
    network: n.name,
  };
}
