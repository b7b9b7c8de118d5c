// Pieces every part of the firewall builder shares: netkeeper's chain names, the
// conntrack matches, hook and sysctl resources, and which networks it handles. Pure.

import { HOST_NS, key } from '../model/resources.js';
import type { HookRes, IptFamily, SysctlRes } from '../model/resources.js';
import type { TNetwork, Topology } from '../model/topology.js';

export const CHAINS = {
  forward: 'NK-FORWARD',
  user: 'NK-USER',
  isolation: 'NK-ISOLATION',
  ports: 'NK-PORTS',
  portsOf: (bridge: string) => `NK-PORTS-${bridge}`,
  postrouting: 'NK-POSTROUTING',
  raw: 'NK-RAW',
} as const;

export const CT_ESTABLISHED = '-m conntrack --ctstate RELATED,ESTABLISHED';
/** ICMPv6 neighbour discovery: router solicitation/advertisement, neighbour solicitation/advertisement, redirect */
export const ND_TYPES = [133, 134, 135, 136, 137];
export const CT_DNAT = '-m conntrack --ctstate DNAT';

export function hook(ns: string, family: IptFamily, table: string, builtin: string, target: string, r: string, position: 'first' | 'last'): HookRes {
  return { kind: 'hook', key: key.hook(ns, family, table, builtin, target), ns, owned: true, family, table, chain: builtin, rule: r, position };
}

export function sysctl(name: string, value: string, ns = HOST_NS): SysctlRes {
  return { kind: 'sysctl', key: key.sysctl(ns, name), ns, owned: true, name, value };
}

export const fam = (f: IptFamily): 4 | 6 => (f === 'ipv6' ? 6 : 4);
export const isLoopback4 = (ip: string) => /^127\./.test(ip);
export const isAny = (ip: string) => ip === '0.0.0.0' || ip === '::';

/** Networks with a bridge on this host that the firewall handles (bridge and overlay drivers). */
export function bridged(topo: Topology): (TNetwork & { bridge: string })[] {
  return topo.networks.filter((n): n is TNetwork & { bridge: string } => !!n.bridge && n.driver !== 'macvlan');
}

/** The host routes for it: nat or routed, not internal, host holds the gateway. */
export function forwards(n: TNetwork, f: 4 | 6): boolean {
  return n.gatewayMode !== 'isolated' && !n.internal && n.subnets.some((s) => s.family === f && s.hostHasGateway);
}
