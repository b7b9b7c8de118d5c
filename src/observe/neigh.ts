// `ip -j neigh show nud permanent` → NeighRes; `bridge -j fdb show [dev X]` → FdbRes.

import { key, type FdbRes, type NeighRes } from '../model/resources.js';
import type { FdbEntry, IpNeigh } from './ip-json.js';

export interface L2Ownership {
  /** links netkeeper owns in this namespace (by alias) */
  ownedIfnames: ReadonlySet<string>;
  /** namespace created by netkeeper: everything in it is owned */
  nsOwned: boolean;
}

/**
 * Permanent neighbour entries. `dev` is taken from each entry, or from `defaultDev`
 * when the dump was filtered on a device (iproute2 then omits the key).
 */
export function parseNeigh(raw: IpNeigh[], ns: string, own: L2Ownership, defaultDev?: string): NeighRes[] {
  const out: NeighRes[] = [];
  for (const n of raw) {
    const dev = n.dev ?? defaultDev;
    if (!dev || !n.dst || !n.lladdr) continue;
    if (n.state && !n.state.includes('PERMANENT')) continue;
    const ip = n.dst.toLowerCase();
    const mac = n.lladdr.toLowerCase();
    out.push({
      kind: 'neigh',
      key: key.neigh(ns, dev, ip),
      ns,
      owned: own.nsOwned || own.ownedIfnames.has(dev),
      dev,
      ip,
      mac,
    });
  }
  return out;
}

/**
 * VXLAN forwarding entries: those with a remote `dst`, and static entries in the
 * bridge's table (`master`, state static, no dst: FdbRes.master). Learned and
 * permanent (the port's own MAC) bridge entries are skipped. `dev` comes from the entry's `ifname`, or from
 * `defaultDev` for a `fdb show dev X` dump.
 */
export function parseFdb(raw: FdbEntry[], ns: string, own: L2Ownership, defaultDev?: string): FdbRes[] {
  const out: FdbRes[] = [];
  for (const e of raw) {
    const dev = e.ifname ?? e.dev ?? defaultDev;
    if (!dev || !e.mac) continue;
    const mac = e.mac.toLowerCase();
    if (!e.dst) {
      // static entries in the bridge's own table (learned ones and the port's own MAC are not ours)
      if (e.master && e.state === 'static') {
        const owned = own.nsOwned || own.ownedIfnames.has(dev);
        out.push({ kind: 'fdb', key: key.fdbMaster(ns, dev, mac), ns, owned, dev, mac, dst: '', master: true });
      }
      continue;
    }
    const dst = e.dst.toLowerCase();
    out.push({
      kind: 'fdb',
      key: key.fdb(ns, dev, mac, dst),
      ns,
      owned: own.nsOwned || own.ownedIfnames.has(dev),
      dev,
      mac,
      dst,
    });
  }
  return out;
}
