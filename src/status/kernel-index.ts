// The kernel's links and addresses indexed once by where they are, and a
// container's interfaces read from them (for the containers view and `status NAME`). Pure.

import { HOST_NS } from '../model/resources.js';
import type { AddrRes, LinkRes, Resource } from '../model/resources.js';
import type { TContainer } from '../model/topology.js';
import { aliasDetail, isOwnedAlias, parseVethAlias } from '../model/marks.js';
import type { OwnerIndex } from './owners.js';
import type { AttachmentView } from './views.js';
import { naturalCompare } from './natural.js';

const firstOf = (cidrs: string[], v6: boolean) =>
  cidrs.map((c) => c.split('/')[0]).find((ip) => ip.includes(':') === v6 && !ip.toLowerCase().startsWith('fe80'));

/** The kernel's links and addresses by where they are (one pass over the resources, not one per container). */
export interface KernelIndex {
  linksIn: Map<string, LinkRes[]>;
  hostLinks: Map<string, LinkRes>;
  /** `ns/ifname` → addresses (CIDR) */
  addrs: Map<string, string[]>;
}

export function kernelIndex(rs: Resource[]): KernelIndex {
  const k: KernelIndex = { linksIn: new Map(), hostLinks: new Map(), addrs: new Map() };
  for (const r of rs) {
    if (r.kind === 'link') {
      (k.linksIn.get(r.ns) ?? k.linksIn.set(r.ns, []).get(r.ns)!).push(r);
      if (r.ns === HOST_NS) k.hostLinks.set(r.ifname, r);
    } else if (r.kind === 'addr') {
      const id = `${r.ns}/${r.ifname}`;
      (k.addrs.get(id) ?? k.addrs.set(id, []).get(id)!).push((r as AddrRes).cidr);
    }
  }
  return k;
}

export const addrsOf = (k: KernelIndex, ns: string, ifname: string) => k.addrs.get(`${ns}/${ifname}`) ?? [];

/** A container's interfaces as the kernel has them, each with the network or Link it belongs to. */
export function attachmentsIn(k: KernelIndex, ns: string, c: TContainer | undefined, idx: OwnerIndex): AttachmentView[] {
  const out: AttachmentView[] = [];
  for (const l of k.linksIn.get(ns) ?? []) {
    if (l.type === 'loopback') continue;
    const declared = c?.attachments.find((a) => a.ifname === l.ifname);
    const hostEnd = parseVethAlias(l.alias)?.ifname ?? (l.peer?.ns === HOST_NS ? l.peer.ifname : undefined);
    const bridge = hostEnd ? k.hostLinks.get(hostEnd)?.master : undefined;
    const link = aliasDetail(l.alias, 'link') ?? idx.linkOfEnd.get(`${ns}/${l.ifname}`);
    const network = link ? undefined : (declared?.network ?? aliasDetail(l.alias, 'macvlan') ?? (bridge ? idx.networkOfDev.get(bridge) : undefined));
    if (!network && !link && !isOwnedAlias(l.alias)) continue; // not netkeeper's (an adopted namespace's own)
    const cidrs = addrsOf(k, ns, l.ifname);
    const ip4 = firstOf(cidrs, false);
    const ip6 = firstOf(cidrs, true);
    out.push({
      ...(network ? { network } : {}),
      ...(link ? { link } : {}),
      interface: l.ifname,
      ...(ip4 ? { ip4 } : {}),
      ...(ip6 ? { ip6 } : {}),
      ...(l.mac ? { mac: l.mac.toLowerCase() } : {}),
      ...(l.mtu ? { mtu: l.mtu } : {}),
      up: l.up,
    });
  }
  return out.sort((a, b) => naturalCompare(a.interface, b.interface));
}
