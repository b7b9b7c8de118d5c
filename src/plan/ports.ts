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
import type { IptFamily, Resource } from '../model/resources.js';
import { HOST_NS } from '../model/resources.js';
import type { TAttachment, TNetwork, TPort } from '../model/topology.js';
import { noPortsReason } from '../config/ports.js';
import { dnatHostIP, parseDnat } from '../observe/dnat.js';

export const EPHEMERAL_LO = 49153;
export const EPHEMERAL_HI = 65535;

/** One port → host port mapping of a DNAT rule netkeeper wrote (a range rule is one mapping per port). */
export interface DnatMapping {
  protocol: PortProtocol;
  family: IptFamily;
  hostIP: string;
  bridge: string;
  hostPort: number;
  containerIP: string;
  containerPort: number;
}

/** Where a port without a host port leads, on one family. */
export interface AutoTarget {
  family: IptFamily;
  hostIP: string;
  bridge: string;
  containerIP: string;
  containerPort: number;
}

export interface AutoRequest {
  /** stable identity: the hash of this picks the first port tried */
  id: string;
  protocol: PortProtocol;
  /** ports in the block (1 for a single port) */
  length: number;
  targets: AutoTarget[];
}

export interface HostPortFacts {
  /** host ports the files publish, per protocol */
  published: Record<PortProtocol, ReadonlySet<number>>;
  /** host ports a socket in the host namespace is bound to (TCP: listening), per protocol */
  bound: Record<PortProtocol, ReadonlySet<number>>;
  /** DNAT mappings in the kernel now */
  existing: DnatMapping[];
}

/** FNV-1a, 32 bits */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The host port (first of the block) of each request, by id; undefined when the
 * range has no free block. Kept ports first (all of them, so that a new port
 * never takes one a container still has), then new ones in request order.
 */
export function chooseHostPorts(requests: AutoRequest[], facts: HostPortFacts): Map<string, number | undefined> {
  const chosen: Record<PortProtocol, Set<number>> = { tcp: new Set(), udp: new Set() };
  const free = (proto: PortProtocol, first: number, length: number): boolean => {
    if (first < EPHEMERAL_LO || first + length - 1 > EPHEMERAL_HI) return false;
    for (let p = first; p < first + length; p++) {
      if (facts.published[proto].has(p) || facts.bound[proto].has(p) || chosen[proto].has(p)) return false;
    }
    return true;
  };
  const take = (proto: PortProtocol, first: number, length: number) => {
    for (let p = first; p < first + length; p++) chosen[proto].add(p);
  };
  const mapped = new Map<string, DnatMapping>();
  const mkey = (proto: string, family: string, hostIP: string, bridge: string, port: number) => `${proto}/${family}/${hostIP}/${bridge}/${port}`;
  for (const m of facts.existing) mapped.set(mkey(m.protocol, m.family, m.hostIP, m.bridge, m.hostPort), m);
  const leadsTo = (r: AutoRequest, t: AutoTarget, first: number): boolean => {
    for (let i = 0; i < r.length; i++) {
      const m = mapped.get(mkey(r.protocol, t.family, t.hostIP, t.bridge, first + i));
      if (!m || m.containerIP !== t.containerIP || m.containerPort !== t.containerPort + i) return false;
    }
    return true;
  };

  const out = new Map<string, number | undefined>();
  // kept: a block of existing mappings that leads to this port
  for (const r of requests) {
    const firsts = facts.existing
      .filter((m) => m.protocol === r.protocol && r.targets.some((t) => t.family === m.family && t.containerIP === m.containerIP && t.containerPort === m.containerPort))
      .map((m) => m.hostPort)
      .sort((a, b) => a - b);
    const kept = firsts.find((h) => free(r.protocol, h, r.length) && r.targets.some((t) => leadsTo(r, t, h)));
    if (kept !== undefined) {
      out.set(r.id, kept);
      take(r.protocol, kept, r.length);
    }
  }
  // new: from the hash of the id, upward, wrapping at the top of the range
  const span = EPHEMERAL_HI - EPHEMERAL_LO + 1;
  for (const r of requests) {
    if (out.has(r.id)) continue;
    const starts = span - r.length + 1;
    const start = hash(r.id) % starts;
    let got: number | undefined;
    for (let i = 0; i < starts && got === undefined; i++) {
      const first = EPHEMERAL_LO + ((start + i) % starts);
      if (free(r.protocol, first, r.length)) got = first;
    }
    out.set(r.id, got);
    if (got !== undefined) take(r.protocol, got, r.length);
  }
  return out;
}

/** The DNAT mappings of the observed NK-PORTS-<bridge> chains (host namespace), one per host port. */
export function existingMappings(resources: Iterable<Resource>): DnatMapping[] {
  const out: DnatMapping[] = [];
  for (const r of resources) {
    if (r.kind !== 'chain' || r.ns !== HOST_NS || r.table !== 'nat' || !r.chain.startsWith('NK-PORTS-')) continue;
    const bridge = r.chain.slice('NK-PORTS-'.length);
    for (const rule of r.rules) {
      const p = parseDnat(rule);
      if (!p) continue;
      const hostIP = dnatHostIP(p, r.family);
      for (let h = p.hostPort; h <= p.hostPortEnd; h++) {
        const i = h - p.hostPort;
        const containerPort = p.containerPort === p.containerPortEnd ? p.containerPort : p.containerPort + i;
        out.push({ protocol: p.protocol, family: r.family, hostIP, bridge, hostPort: h, containerIP: p.containerIP, containerPort });
      }
    }
  }
  return out;
}

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
    return atts.length === 0 ? 'the container has no network to publish on' : 'none of the container\'s networks can carry a published port';
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
          targets: t.pairs.map((x) => ({ family: isV6(x.containerIP) ? 'ipv6' : 'ipv4', hostIP: x.hostIP, bridge, containerIP: x.containerIP, containerPort: p.containerPort })),
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
      input.error('port-exhausted', c.spec.name, `published port ${portText(p)}: no free host port block of ${req.length} left in ${EPHEMERAL_LO}-${EPHEMERAL_HI}`, p.pos);
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
