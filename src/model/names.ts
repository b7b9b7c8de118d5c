// Kernel names and MAC addresses netkeeper derives. Pure and deterministic:
// the same input gives the same name on every run and every host, so a later
// run finds what an earlier one made. node:crypto is used only for SHA-1.

import * as crypto from 'node:crypto';
import { DEFAULT_BRIDGE_IFNAME, DEFAULT_NETWORK } from './defaults.js';
import { parseIP } from './ip.js';

/** Linux interface names are at most 15 bytes (IFNAMSIZ - 1). */
export const IFNAMSIZ = 15;

// crypto.hash (Node >= 20.12): one call instead of a Hash object, ~3x faster for the
// short names of 1000 containers (issue 16); the same digest
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

export function sha1hex(s: string): string {
  return oneShot ? oneShot('sha1', s, 'hex') : crypto.createHash('sha1').update(s).digest('hex');
}

export function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** `<prefix><name>` when it fits in 15 bytes, else `<prefix><first 6 chars>-<4 hex of sha1(name)>`. */
function fitted(prefix: string, name: string): string {
  const plain = prefix + name;
  if (byteLength(plain) <= IFNAMSIZ) return plain;
  return `${prefix}${name.slice(0, 6)}-${sha1hex(name).slice(0, 4)}`;
}

/** Bridge of a bridge/overlay network: `interface`, else `br-<name>` (hashed when too long). */
export function bridgeName(network: string, iface?: string): string {
  if (iface) return iface;
  return fitted('br-', network);
}

/** The bridge of a bridge/overlay Network: its `interface`, nk0 for the default network `bridge`, else br-<name>. */
export function networkBridgeName(n: { name: string; interface?: string }): string {
  return bridgeName(n.name, n.interface ?? (n.name === DEFAULT_NETWORK ? DEFAULT_BRIDGE_IFNAME : undefined));
}

/** VXLAN device of an overlay network: `vx-<name>` (hashed when too long). */
export function vxlanName(network: string): string {
  return fitted('vx-', network);
}

/** Host-side veth of an attachment: `nk` + 10 hex chars of sha1(container/ifname). */
export function vethHostName(container: string, ifname: string): string {
  return 'nk' + sha1hex(`${container}/${ifname}`).slice(0, 10);
}

function hexPairs(hex: string): string {
  return hex.match(/../g)!.join(':');
}

/** Docker's rule: 02:42 followed by the four bytes of the IPv4 address. */
export function macFromIPv4(ip4: string): string {
  const ip = parseIP(ip4);
  if (ip?.family !== 4) throw new Error(`macFromIPv4: ${ip4} is not an IPv4 address`);
  return `02:42:${hexPairs(ip.value.toString(16).padStart(8, '0'))}`;
}

/** IPv6-only (or address-less) attachments: 02:42 + 4 bytes of sha1(container/ifname). */
export function macFromName(container: string, ifname: string): string {
  return `02:42:${hexPairs(sha1hex(`mac/${container}/${ifname}`).slice(0, 8))}`;
}

/** Anycast gateway MAC of an overlay network: 02:4e:4b ("NK") + 3 bytes of sha1(name). */
export function overlayGatewayMac(network: string): string {
  return `02:4e:4b:${hexPairs(sha1hex(`gw/${network}`).slice(0, 6))}`;
}

/** Default VNI of an overlay network without `vni`: 4096 + hash, within 24 bits. */
export function defaultVni(network: string): number {
  const h = parseInt(sha1hex(`vni/${network}`).slice(0, 8), 16);
  return 4096 + (h % (0xffffff - 4096));
}

/**
 * The IPv4 addresses whose default MAC (02:42 + the address's bytes) one of
 * these explicit MACs already is: handing them out would put one MAC twice on
 * the network. (Fixed addresses against explicit MACs are refused by the
 * config rules, mac-taken.)
 */
export function ipv4OfDefaultMacs(macs: (string | undefined)[]): string[] {
  const out: string[] = [];
  for (const m of macs) {
    const b = m?.toLowerCase().split(':');
    if (!b || b.length !== 6 || b[0] !== '02' || b[1] !== '42') continue;
    out.push(
      b
        .slice(2)
        .map((x) => String(parseInt(x, 16)))
        .join('.'),
    );
  }
  return out;
}

/**
 * Interface names of a container's attachments: as written, else eth<i> by
 * position, skipping names written elsewhere in the list. The one eth<N> rule:
 * config rules and topology both use it.
 */
export function attachmentIfnames(atts: { ifname?: string }[]): string[] {
  // none written (most containers): eth<i> by position, without the set (issue 16: called per container by several rules)
  if (atts.every((a) => !a.ifname)) return atts.map((_, i) => `eth${i}`);
  const used = new Set(atts.flatMap((a) => (a.ifname ? [a.ifname] : [])));
  return atts.map((a, i) => {
    if (a.ifname) return a.ifname;
    let n = i;
    while (used.has(`eth${n}`)) n++;
    used.add(`eth${n}`);
    return `eth${n}`;
  });
}

export function normalizeMac(mac: string): string {
  return mac.toLowerCase();
}
