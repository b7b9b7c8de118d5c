// Topology → the static forwarding state of every overlay network on this host:
// FDB and neighbour entries on the network's VXLAN device. Pure.
//
// Design (see examples/overlay/README.md for the long version):
// - Every host has the overlay's bridge (anycast gateway: same address and MAC
//   everywhere) with its own containers' veths and one VXLAN port, created with
//   `nolearning proxy`, and bridge port learning off.
// - For every container of the network that runs on ANOTHER host, on the VXLAN
//   device:
//     fdb   MAC → dst <its host's underlay address>   (unicast goes straight there)
//     fdb   MAC master static                         (the bridge sends it to the VXLAN port)
//     neigh IP  → MAC, permanent                      (ARP/ND answered locally)
//   The bridge never learns on the VXLAN port: a learned entry would outlive a
//   container that moves to this host (frames for it would be sent back where
//   they came from and dropped until it speaks first). Local containers are
//   learned on their own veth ports as usual.
// - For every OTHER host that has members on the network: one flood entry
//   00:00:00:00:00:00 → dst <host>   (broadcast, multicast, unknown unicast).
// - With `proxy` on the VXLAN device every ARP request (and IPv6 neighbour
//   solicitation) a local container sends into the overlay is answered by the
//   device itself from these neighbour entries, or dropped: ARP never crosses
//   the underlay. So the anycast gateway is always answered by the local
//   bridge only, and no learning is needed anywhere.
// Per host this is (remote containers × 3 + peer hosts) entries, and a container
// that moves changes one FDB entry (delete + create) on each uninvolved host and
// three entries on each of the two hosts it moves between.

import { HOST_NS, key } from '../model/resources.js';
import type { FdbRes, NeighRes, Resource } from '../model/resources.js';
import type { TContainer, TNetwork, Topology } from '../model/topology.js';
import { normalizeIP } from '../model/ip.js';
import { routedEntries } from './overlay-routed.js';

/** MAC of the VXLAN default-destination (flood) entries. */
export const FLOOD_MAC = '00:00:00:00:00:00';

function fdb(dev: string, mac: string, dst: string): FdbRes {
  const m = mac.toLowerCase();
  return { kind: 'fdb', key: key.fdb(HOST_NS, dev, m, dst), ns: HOST_NS, owned: true, dev, mac: m, dst };
}

/** The bridge's own table: the MAC is behind the VXLAN port (the port does not learn). */
function fdbMaster(dev: string, mac: string): FdbRes {
  const m = mac.toLowerCase();
  return { kind: 'fdb', key: key.fdbMaster(HOST_NS, dev, m), ns: HOST_NS, owned: true, dev, mac: m, dst: '', master: true };
}

function neigh(dev: string, ip: string, mac: string): NeighRes {
  return { kind: 'neigh', key: key.neigh(HOST_NS, dev, ip), ns: HOST_NS, owned: true, dev, ip, mac: mac.toLowerCase() };
}

/** One member of an overlay network, as every host computes it from the files. */
export interface OverlayMember {
  container: string;
  host: string;
  /** the host's underlay address (undefined when the host is not declared) */
  hostAddress?: string;
  local: boolean;
  ip4?: string;
  ip6?: string;
  mac: string;
}

/** The members of an overlay network, in container-name order. */
export function overlayMembers(topo: Topology, n: TNetwork): OverlayMember[] {
  const addr = new Map(topo.hosts.map((h) => [h.name, normalizeIP(h.address) ?? h.address]));
  const out: OverlayMember[] = [];
  for (const c of topo.containers) {
    for (const a of c.attachments) {
      if (a.network !== n.name) continue;
      const hostAddress = addr.get(c.host);
      out.push({
        container: c.name,
        host: c.host,
        ...(hostAddress ? { hostAddress } : {}),
        local: c.local,
        ...(a.ip4 ? { ip4: a.ip4 } : {}),
        ...(a.ip6 ? { ip6: a.ip6 } : {}),
        mac: a.mac.toLowerCase(),
      });
    }
  }
  return out;
}

function isRemote(c: TContainer, selfAddress: string | undefined, hostAddress: string | undefined): boolean {
  if (c.local || !hostAddress) return false;
  // a container placed on another Host name that shares this host's address is not remote
  return hostAddress !== selfAddress;
}

/** The FDB and neighbour entries of one overlay network on this host. */
export function overlayEntries(topo: Topology, n: TNetwork): Resource[] {
  if (n.driver !== 'overlay' || !n.vxlanDev) return [];
  if (n.routed) return routedEntries(n);
  const dev = n.vxlanDev;
  const addr = new Map(topo.hosts.map((h) => [h.name, normalizeIP(h.address) ?? h.address]));
  const selfAddress = addr.get(topo.self);
  const byName = new Map(topo.containers.map((c) => [c.name, c]));
  const out: Resource[] = [];
  const peers = new Set<string>();
  for (const m of overlayMembers(topo, n)) {
    const c = byName.get(m.container)!;
    if (!isRemote(c, selfAddress, m.hostAddress)) continue;
    const dst = m.hostAddress!;
    peers.add(dst);
    out.push(fdb(dev, m.mac, dst), fdbMaster(dev, m.mac));
    if (m.ip4) out.push(neigh(dev, m.ip4, m.mac));
    if (m.ip6) out.push(neigh(dev, m.ip6, m.mac));
  }
  for (const p of [...peers].sort()) out.push(fdb(dev, FLOOD_MAC, p));
  return out;
}

/** ResourceBuilder: every overlay network's FDB and neighbour entries on this host. */
export function buildOverlay(topo: Topology): Resource[] {
  return topo.networks.flatMap((n) => overlayEntries(topo, n));
}
