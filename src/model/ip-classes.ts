// Address classes a container network cannot use (pure): a subnet overlapping
// one, or a fixed address inside one, is refused by src/config/rules-addresses.ts.

import { type Cidr, cidrContains, cidrOverlaps, type IP, parseCidr } from './ip.js';

export interface AddressClass {
  /** "multicast", "link-local", ... */
  name: string;
  range: Cidr;
  /** why a network cannot use it */
  why: string;
}

const cls = (name: string, cidr: string, why: string): AddressClass => ({ name, range: parseCidr(cidr)!, why });

export const UNUSABLE_CLASSES: readonly AddressClass[] = [
  cls('unspecified', '0.0.0.0/32', 'it means "any address"'),
  cls('loopback', '127.0.0.0/8', 'every namespace routes it to its own lo'),
  cls('link-local', '169.254.0.0/16', 'it is never routed beyond one link'),
  cls('multicast', '224.0.0.0/4', 'it names groups, not hosts'),
  cls('unspecified', '::/128', 'it means "any address"'),
  cls('loopback', '::1/128', 'every namespace routes it to its own lo'),
  cls('IPv4-mapped', '::ffff:0:0/96', 'the kernel treats it as IPv4, not as an IPv6 address'),
  cls('link-local', 'fe80::/10', 'every IPv6 interface makes its own, and it is never routed beyond one link'),
  cls('multicast', 'ff00::/8', 'it names groups, not hosts'),
];

/** The first unusable class the prefix overlaps (a subnet that would hand out such addresses). */
export function overlappedClass(c: Cidr): AddressClass | undefined {
  return UNUSABLE_CLASSES.find((k) => cidrOverlaps(k.range, c));
}

/** The unusable class an address is in. */
export function addressClass(ip: IP): AddressClass | undefined {
  return UNUSABLE_CLASSES.find((k) => cidrContains(k.range, ip));
}

/** IPv6 link-local unicast (fe80::/10): a valid next hop when the route names its interface. */
export function isLinkLocal6(ip: IP): boolean {
  return ip.family === 6 && cidrContains(parseCidr('fe80::/10')!, ip);
}

/** The smallest MTU an interface carrying IPv6 may have (RFC 8200; the kernel disables IPv6 below it). */
export const IPV6_MIN_MTU = 1280;
