// One iptables rule spelled exactly as `iptables-save` prints it back (nft and
// legacy backends agree on this form), so that a desired rule list compares
// equal to an observed one. Pure.
//
// iptables-save's order: -s, -d, -i, -o, -p, then matches in the order given
// (`-p tcp` implies `-m tcp` before --dport), then -j. Addresses carry their
// prefix (/32, /128). Verified against iptables 1.8.9 (nf_tables) and legacy:
// test/fixtures/iptables/{nft,legacy}-save-*.txt and test/unit/observe/iptables.test.ts.

import type { IptFamily } from '../model/resources.js';
import { MARK } from '../model/marks.js';

export interface RuleParts {
  /** source address or CIDR; a leading '!' negates */
  s?: string;
  d?: string;
  /** in/out interface; a leading '!' negates */
  i?: string;
  o?: string;
  p?: 'tcp' | 'udp';
  /** destination port or range "a:b" (needs p) */
  dport?: string;
  /** further matches, each already in save form, e.g. "-m conntrack --ctstate DNAT" */
  m?: string[];
  /** adds `-m comment --comment "netkeeper"` (the ownership mark on hooks) */
  mark?: boolean;
  /** target with its options, e.g. "ACCEPT", "DNAT --to-destination 10.0.0.2:80" */
  j: string;
}

const neg = (v: string): [boolean, string] => (v.startsWith('!') ? [true, v.slice(1).trim()] : [false, v]);

/** An address as iptables-save prints it: with its prefix length. */
export function saveAddr(a: string): string {
  if (a.includes('/')) return a;
  return a.includes(':') ? `${a}/128` : `${a}/32`;
}

function opt(flag: string, v: string | undefined, addr: boolean): string[] {
  if (v === undefined) return [];
  const [n, val] = neg(v);
  return [...(n ? ['!'] : []), flag, addr ? saveAddr(val) : val];
}

export function rule(r: RuleParts): string {
  const out: string[] = [...opt('-s', r.s, true), ...opt('-d', r.d, true), ...opt('-i', r.i, false), ...opt('-o', r.o, false)];
  if (r.p) {
    out.push('-p', r.p);
    if (r.dport !== undefined) out.push('-m', r.p, '--dport', r.dport);
  }
  for (const m of r.m ?? []) out.push(m);
  if (r.mark) out.push('-m', 'comment', '--comment', MARK.ruleComment);
  out.push('-j', r.j);
  return out.join(' ');
}

/** DNAT target address as iptables-save prints it (IPv6 in brackets when a port follows). */
export function dnatTarget(ip: string, port?: string): string {
  if (port === undefined) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export const familyOf = (ip: string): IptFamily => (ip.includes(':') ? 'ipv6' : 'ipv4');
