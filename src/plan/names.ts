// Kernel names and MAC addresses netkeeper derives. Pure and deterministic:
// the same input gives the same name on every run and every host, so a later
// run finds what an earlier one made. node:crypto is used only for SHA-1.

import { createHash } from 'node:crypto';
import { parseIP } from '../model/ip.js';

/** Linux interface names are at most 15 bytes (IFNAMSIZ - 1). */
export const IFNAMSIZ = 15;

/** Kernel name of the implicit default network's bridge (like docker0). */
export const DEFAULT_BRIDGE_IFNAME = 'nk0';
export const DEFAULT_NETWORK = 'bridge';

export function sha1hex(s: string): string {
  return createHash('sha1').update(s).digest('hex');
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

export function normalizeMac(mac: string): string {
  return mac.toLowerCase();
}
