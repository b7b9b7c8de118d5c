// `ip -j addr show` → AddrRes. Skips what the kernel adds by itself: IPv6 link-local
// (fe80::/10) and the loopback's 127.0.0.1/8 and ::1/128.

import { key, type AddrRes } from '../model/resources.js';
import type { IpAddrInfo, IpLink } from './ip-json.js';
import { isOwnedAlias, isOwnedLoLabel } from '../model/marks.js';

export interface AddrOwnership {
  /** the namespace was created by netkeeper (lo carries MARK.nsAlias): every address is owned */
  nsOwned: boolean;
  /** owned links of the namespace; default: read each entry's ifalias (needs `ip -d`) */
  ownedIfnames?: ReadonlySet<string>;
}

function isLinkLocal6(a: IpAddrInfo): boolean {
  const local = (a.local ?? '').toLowerCase();
  return /^fe[89ab][0-9a-f]:/.test(local) || a.scope === 'link' || (a.family === 'inet6' && a.scope === '253');
}

function isKernelLoopback(a: IpAddrInfo): boolean {
  return (a.local === '127.0.0.1' && a.prefixlen === 8) || (a.local === '::1' && a.prefixlen === 128);
}

export function parseAddrs(raw: IpLink[], ns: string, own: AddrOwnership): AddrRes[] {
  const out: AddrRes[] = [];
  for (const l of raw) {
    const ifname = l.ifname;
    if (!ifname || !l.addr_info) continue;
    const linkOwned = own.ownedIfnames ? own.ownedIfnames.has(ifname) : isOwnedAlias(l.ifalias);
    for (const a of l.addr_info) {
      if (!a.local || a.prefixlen === undefined) continue;
      if (a.family === 'inet6' && isLinkLocal6(a)) continue;
      if (isKernelLoopback(a)) continue;
      const cidr = `${a.local.toLowerCase()}/${a.prefixlen}`;
      const loMarked = ifname === 'lo' && isOwnedLoLabel(a.label);
      out.push({
        kind: 'addr',
        key: key.addr(ns, ifname, cidr),
        ns,
        owned: own.nsOwned || linkOwned || loMarked,
        ifname,
        cidr,
      });
    }
  }
  return out;
}
