// A routed overlay (Network `fabric: routed`) on this host, as flannel's vxlan
// backend builds it. Pure.
//
// - The bridge is this host's alone: it holds the first address of this host's
//   subnet (the containers' gateway) and only local veths. Containers take their
//   addresses from that subnet (src/plan/topology/addresses.ts, local IPAM).
// - The VXLAN device is NOT a bridge port. It holds the network address of this
//   host's subnet as a /32 (its VTEP address) and a MAC derived from the network
//   and host names (src/plan/fleet-routed.ts), which every other host learns from
//   the store. It neither learns nor proxies.
// - For each other host holding a subnet, exactly three entries:
//     route  SUBNET via VTEP dev VX onlink    (proto 77, like every route netkeeper makes)
//     neigh  VTEP lladdr VTEP_MAC permanent
//     fdb    VTEP_MAC dst UNDERLAY self permanent
//   so traffic to another host's containers is routed by this host (ip_forward,
//   which the firewall builder sets for a nat/routed network) into the VXLAN
//   device and unicast straight to that host; nothing floods.
// Per host this is 3 × (other hosts) entries, whatever the number of containers,
// and a container added or removed anywhere changes nothing on the other hosts.

import { HOST_NS, key } from '../model/resources.js';
import type { AddrRes, FdbRes, LinkRes, NeighRes, Resource, RouteRes } from '../model/resources.js';
import type { TNetwork, Topology } from '../model/topology.js';
import { makeAlias as alias } from '../model/marks.js';
import { normalizeIP } from '../model/ip.js';
import { DEFAULT_VXLAN_PORT } from '../model/defaults.js';

/** The VXLAN device of a routed overlay and its VTEP address. */
export function routedVtep(n: TNetwork, topo: Topology): Resource[] {
  if (!n.routed || !n.vxlanDev || n.vni === undefined) return [];
  const self = topo.hosts.find((h) => h.name === topo.self);
  const dev: LinkRes = {
    kind: 'link',
    key: key.link(HOST_NS, n.vxlanDev),
    ns: HOST_NS,
    ifname: n.vxlanDev,
    owned: true,
    type: 'vxlan',
    up: true,
    mtu: n.mtu,
    mac: n.routed.vtepMac,
    master: null,
    alias: alias('vxlan', n.name),
    addrgenNone: true,
    vxlan: {
      vni: n.vni,
      local: self ? (normalizeIP(self.address) ?? self.address) : '',
      port: n.vxlanPort ?? DEFAULT_VXLAN_PORT,
      learning: false,
      proxy: false,
    },
  };
  const cidr = `${n.routed.vtep}/32`;
  const a: AddrRes = { kind: 'addr', key: key.addr(HOST_NS, n.vxlanDev, cidr), ns: HOST_NS, ifname: n.vxlanDev, cidr, owned: true };
  return [dev, a];
}

/** One route, one neighbour and one FDB entry per other host of a routed overlay. */
export function routedEntries(n: TNetwork): Resource[] {
  if (!n.routed || !n.vxlanDev) return [];
  const dev = n.vxlanDev;
  const out: Resource[] = [];
  for (const p of n.routed.peers) {
    const mac = p.vtepMac.toLowerCase();
    const dst = normalizeIP(p.underlay) ?? p.underlay;
    const r: RouteRes = { kind: 'route', key: key.route(HOST_NS, p.subnet), ns: HOST_NS, owned: true, dst: p.subnet, via: p.vtep, dev, onlink: true };
    const ne: NeighRes = { kind: 'neigh', key: key.neigh(HOST_NS, dev, p.vtep), ns: HOST_NS, owned: true, dev, ip: p.vtep, mac };
    const f: FdbRes = { kind: 'fdb', key: key.fdb(HOST_NS, dev, mac, dst), ns: HOST_NS, owned: true, dev, mac, dst };
    out.push(r, ne, f);
  }
  return out;
}
