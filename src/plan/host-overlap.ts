// Declared subnets that would collide with what the host already routes. Pure.
//
// 1. A subnet the host takes an address in (bridge and overlay networks, nat or
//    routed) overlapping a route netkeeper does not own — docker0's 172.17.0.0/16,
//    a VPN, the LAN — would make the host route one of them wrongly. Refused,
//    naming the route and its device, as Docker refuses overlapping pools, unless
//    the network says `allowHostOverlap: true`. (macvlan and isolated networks give
//    the host no address or route there, so they are not checked; only IPv4 routes
//    are read.)
// 2. A declared subnet overlapping the automatic subnet a network (the default
//    bridge nk0 above all) holds in the kernel now would make the automatic choice
//    move it: new addresses and MACs for every container there. The existing
//    automatic subnet stays; the declaration is refused, whatever the opt-in says.

import type { NetworkSpec } from '../model/config.js';
import type { HostRoute } from '../model/plan.js';
import { cidrOverlaps, formatNetwork, parseCidr } from '../model/ip.js';
import type { AutoSubnetRequest } from './ipam/index.js';

export interface HostOverlapError {
  /** the network whose declared subnet is refused */
  network: string;
  code: 'subnet-overlaps-host-route' | 'subnet-overlaps-auto-subnet';
  message: string;
}

export interface HostOverlapInput {
  specs: NetworkSpec[];
  /** the automatic-subnet requests, with the subnet each network holds now (`reuse`) */
  autoReqs: AutoSubnetRequest[];
  /** host routes netkeeper does not own (Observed facts) */
  routes: HostRoute[];
  /** kernel bridge of a network, for naming it */
  bridgeOf(network: string): string | undefined;
}

/** Does the host take an address (and so a route) in this network's subnets? */
function hostRoutesIt(s: NetworkSpec): boolean {
  return s.driver !== 'macvlan' && s.gatewayMode !== 'isolated';
}

function describeRoute(r: HostRoute): string {
  return `${r.dst}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`;
}

export function hostOverlapErrors(input: HostOverlapInput): HostOverlapError[] {
  const out: HostOverlapError[] = [];
  const routes = input.routes.flatMap((r) => {
    const c = parseCidr(r.dst);
    return c && c.prefix > 0 ? [{ r, c }] : [];
  });
  const held = input.autoReqs.flatMap((a) => {
    const c = a.reuse ? parseCidr(a.reuse.subnet) : undefined;
    return c ? [{ network: a.network, c }] : [];
  });
  for (const s of input.specs) {
    for (const sub of s.subnets ?? []) {
      const c = parseCidr(sub.subnet);
      if (!c) continue;
      const subnet = formatNetwork(c);
      const auto = held.find((h) => h.network !== s.name && cidrOverlaps(h.c, c));
      if (auto) {
        const bridge = input.bridgeOf(auto.network);
        out.push({
          network: s.name,
          code: 'subnet-overlaps-auto-subnet',
          message:
            `subnet ${subnet} overlaps ${formatNetwork(auto.c)}, the automatic subnet network ${auto.network}${bridge ? ` (${bridge})` : ''} holds now; ` +
            `netkeeper does not renumber a network and its containers for it: choose another subnet, or declare subnets for network ${auto.network} to move it`,
        });
        continue;
      }
      if (s.allowHostOverlap || !hostRoutesIt(s)) continue;
      // a route on the network's own bridge is that bridge's (an existing bridge the
      // files describe, e.g. imported): the bridge itself is the conflict, if any
      const own = input.bridgeOf(s.name);
      const route = routes.find((x) => cidrOverlaps(x.c, c) && (own === undefined || x.r.dev !== own));
      if (route) {
        out.push({
          network: s.name,
          code: 'subnet-overlaps-host-route',
          message:
            `subnet ${subnet} overlaps the host's route ${describeRoute(route.r)}, which is not netkeeper's (another bridge such as docker0, a VPN, the LAN); ` +
            'choose another subnet, or set allowHostOverlap: true on the network if the overlap is intended',
        });
      }
    }
  }
  return out;
}
