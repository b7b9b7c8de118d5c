// Links: each end resolved to the namespace its interface lives in.

import type { ContainerSpec, LinkSpec } from '../../model/config.js';
import { DEFAULT_MTU } from '../../model/defaults.js';
import { formatAddrPrefix, parseCidr } from '../../model/ip.js';
import { normalizeMac } from '../../model/names.js';
import { HOST_NS } from '../../model/resources.js';
import type { TLink, TLinkEnd } from '../../model/topology.js';
import { cmp } from './context.js';
import type { NsInfo } from './namespaces.js';

export function buildLinks(links: LinkSpec[], ctrs: ContainerSpec[], nsByName: Map<string, NsInfo>): TLink[] {
  const names = new Set(ctrs.map((c) => c.name));
  return [...links]
    .sort((a, b) => cmp(a.name, b.name))
    .flatMap((l) => {
      const t = buildLink(l, names, nsByName);
      return t ? [t] : [];
    });
}

/** A Link's ends in their namespaces (config refuses unknown containers and ends on different hosts). */
function buildLink(l: LinkSpec, names: Set<string>, nsByName: Map<string, NsInfo>): TLink | undefined {
  const ends: TLinkEnd[] = [];
  for (const e of l.endpoints) {
    let ns: string | undefined;
    if (e.container === 'host') {
      ns = HOST_NS;
    } else {
      const info = nsByName.get(e.container);
      if (!names.has(e.container) || !info) return undefined;
      if (info.netnsOrigin === 'host') {
        ns = HOST_NS;
      } else if (info.netnsOrigin === 'shared') {
        // the interface lives in the namespace this container shares
        const root = info.sharedWith ? nsByName.get(info.sharedWith) : undefined;
        ns = root?.netns ?? info.netns;
      } else {
        ns = info.netns;
      }
    }
    const ip = e.ip ? parseCidr(e.ip) : undefined;
    ends.push({
      ns: ns!,
      container: e.container,
      ifname: e.ifname,
      ...(e.ip ? { ip: ip ? formatAddrPrefix(ip) : e.ip } : {}),
      ...(e.mac ? { mac: normalizeMac(e.mac) } : {}),
    });
  }
  return { name: l.name, mtu: l.mtu ?? DEFAULT_MTU, ends: [ends[0], ends[1]] };
}
