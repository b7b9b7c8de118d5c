// Routed overlays (Network `fabric: routed`) in the fleet store: which per-host
// subnet each host holds, which one this host should claim, and the files merged
// with them. Pure. The kernel side is src/plan/overlay-routed.ts.
//
// As flannel's vxlan backend: the network's subnet is split into per-host subnets
// of `hostSubnetSize`; each host claims one (created only if absent, under its
// lease, like every key it writes) and hands out its containers' addresses from
// it, with no per-container keys. The claim also carries the host's VTEP MAC:
//   <prefix>/subnets/<network>/<a.b.c.d-len>   {"host": "...", "vtepMac": "..."}
// A host's first choice is a slot hashed from its name, so it gets the same
// subnet back after a restart even when its lease expired meanwhile (unless
// another host took it); while its key lives it keeps it whatever the hash says.

import type { Config, NetworkSpec, RoutedPeer } from '../model/config.js';
import { NETWORK_DEFAULTS } from '../model/defaults.js';
import { formatNetwork, nthSubnet, parseCidr } from '../model/ip.js';
import { sha1hex } from '../model/names.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { mergeMembership, type Membership } from './fleet.js';

export interface FleetSubnet {
  network: string;
  /** CIDR, e.g. 10.70.3.0/24 */
  subnet: string;
  host: string;
  vtepMac: string;
}

export const subnetKey = (prefix: string, network: string, subnet: string) => `${prefix}/subnets/${network}/${subnet.replace('/', '-')}`;

export const subnetValue = (s: FleetSubnet) => JSON.stringify({ host: s.host, vtepMac: s.vtepMac });

/** The VTEP MAC of a host on a routed network: derived from both names, so it stays put across restarts. */
export function vtepMac(network: string, host: string): string {
  const h = sha1hex(`vtep/${network}/${host}`).slice(0, 10);
  return `02:${h.match(/../g)!.join(':')}`;
}

/** The store's subnet keys under `prefix` (other keys are left to parseMembership). */
export function parseSubnets(kvs: { key: string; value: string }[], prefix: string): FleetSubnet[] {
  const out: FleetSubnet[] = [];
  const head = `${prefix}/subnets/`;
  for (const { key, value } of kvs) {
    if (!key.startsWith(head)) continue;
    const parts = key.slice(head.length).split('/');
    if (parts.length !== 2) continue;
    const c = parseCidr(parts[1].replace('-', '/'));
    if (!c || c.family !== 4) continue;
    let o: Record<string, unknown> | undefined;
    try {
      o = JSON.parse(value) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (!o || typeof o.host !== 'string' || !o.host || typeof o.vtepMac !== 'string' || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(o.vtepMac)) continue;
    out.push({ network: parts[0], subnet: formatNetwork(c), host: o.host, vtepMac: o.vtepMac.toLowerCase() });
  }
  out.sort((a, b) => (a.network + a.subnet < b.network + b.subnet ? -1 : 1));
  return out;
}

/** Overlay networks of the files in routed mode (with their one subnet). */
export function routedNetworks(config: Config): NetworkSpec[] {
  return config.networks.filter((n) => n.driver === 'overlay' && n.fabric === 'routed' && n.subnets?.length === 1);
}

const sizeOf = (n: NetworkSpec) => n.hostSubnetSize ?? NETWORK_DEFAULTS.hostSubnetSize;

/** Does `subnet` fit network `n` as one of its per-host subnets? */
function fits(n: NetworkSpec, subnet: string): boolean {
  const sup = parseCidr(n.subnets![0].subnet);
  const c = parseCidr(subnet);
  return !!sup && !!c && c.family === sup.family && c.prefix === sizeOf(n) && c.network >= sup.network && c.last <= sup.last;
}

/** This host's per-host subnet slots of `n`, first choice first: a slot hashed from the host name, then the following ones (wrapping). */
export function* candidateSubnets(n: NetworkSpec, host: string): Generator<string> {
  const sup = parseCidr(n.subnets![0].subnet);
  if (!sup) return;
  const bits = sizeOf(n) - sup.prefix;
  if (bits <= 0) return;
  const count = 1n << BigInt(bits);
  const start = BigInt(`0x${sha1hex(`subnet/${n.name}/${host}`).slice(0, 12)}`) % count;
  for (let i = 0n; i < count; i++) {
    const c = nthSubnet(sup, sizeOf(n), (start + i) % count);
    if (c) yield formatNetwork(c);
  }
}

export interface SubnetPlan {
  /** routed networks this host holds a fitting subnet of already */
  keep: FleetSubnet[];
  /** routed networks this host needs a subnet of: claim the first free candidate */
  claim: { network: NetworkSpec; taken: Set<string> }[];
  /** this host's subnet keys no longer wanted (network gone, not routed, resized, or a second one) */
  release: FleetSubnet[];
}

/** What this host must hold: one subnet per routed network of its files. */
export function planSubnets(config: Config, subnets: FleetSubnet[], self: string): SubnetPlan {
  const plan: SubnetPlan = { keep: [], claim: [], release: [] };
  const routed = new Map(routedNetworks(config).map((n) => [n.name, n]));
  const kept = new Set<string>();
  for (const s of subnets) {
    if (s.host !== self) continue;
    const n = routed.get(s.network);
    if (n && !kept.has(n.name) && fits(n, s.subnet) && s.vtepMac === vtepMac(n.name, self)) {
      kept.add(n.name);
      plan.keep.push(s);
    } else plan.release.push(s);
  }
  for (const n of routed.values()) {
    if (kept.has(n.name)) continue;
    plan.claim.push({ network: n, taken: new Set(subnets.filter((s) => s.network === n.name && s.host !== self).map((s) => s.subnet)) });
  }
  return plan;
}

/**
 * Files + store → what the planner sees of each routed network: this host's
 * subnet and every other live host's (a host whose registration is gone is left
 * out: its key and its subnet share a lease). The network's subnets become this
 * host's subnet, so the bridge, the gateway and the addresses come from it as on
 * any bridge; `routedFleet` carries the rest (src/plan/topology/networks.ts).
 */
export function mergeRouted(config: Config, m: Membership, self: string): Config {
  const routed = routedNetworks(config);
  if (routed.length === 0) return config;
  const subnets = m.subnets ?? [];
  const underlay = new Map(m.hosts.map((h) => [h.name, h.address]));
  const names = new Set(routed.map((n) => n.name));
  const networks = config.networks.map((n): NetworkSpec => {
    if (!names.has(n.name)) return n;
    const supernet = n.subnets![0].subnet;
    const mine = subnets.find((s) => s.network === n.name && s.host === self && fits(n, s.subnet));
    const peers: RoutedPeer[] = [];
    const seen = new Set<string>();
    for (const s of subnets) {
      if (s.network !== n.name || s.host === self || !fits(n, s.subnet) || s.subnet === mine?.subnet) continue;
      const u = underlay.get(s.host);
      if (!u || seen.has(s.host)) continue; // gone, or a second subnet of one host (the first counts)
      seen.add(s.host);
      peers.push({ host: s.host, subnet: s.subnet, vtepMac: s.vtepMac, underlay: u });
    }
    const out: NetworkSpec = { ...n, routedFleet: { supernet, ...(mine ? { self: { subnet: mine.subnet, vtepMac: mine.vtepMac } } : {}), peers } };
    if (mine) {
      const reserved = n.subnets![0].reserved;
      out.subnets = [{ subnet: mine.subnet, ...(reserved ? { reserved } : {}) }];
    }
    return out;
  });
  return { ...config, networks };
}

/** The files merged with the whole membership: remote hosts and endpoints (fleet.ts), then the routed overlays' subnets. */
export function mergeFleet(config: Config, m: Membership, self: string): { config: Config; warnings: Diagnostic[] } {
  const r = mergeMembership(config, m, self);
  return { config: mergeRouted(r.config, m, self), warnings: r.warnings };
}
