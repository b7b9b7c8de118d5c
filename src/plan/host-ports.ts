// Host ports for ports declared without one ("80", "127.0.0.1::80"): one port (or
// block, for a range) from Docker's ephemeral range, the same for both families.
// The DNAT rules the kernel already has keep theirs while the container keeps the
// port; a new one starts at a hash of the container and port and probes upward past
// every port the files publish and every port a socket on the host is bound to. Pure.

import type { PortProtocol } from '../model/config.js';
import type { IptFamily, Resource } from '../model/resources.js';
import { HOST_NS } from '../model/resources.js';
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
      .filter(
        (m) =>
          m.protocol === r.protocol && r.targets.some((t) => t.family === m.family && t.containerIP === m.containerIP && t.containerPort === m.containerPort),
      )
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
