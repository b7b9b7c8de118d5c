// Container addresses, pure: fixed ones first, then the addresses requesters hold
// now (kept while valid), then the lowest free (or a hashed slot's) address. Stability
// comes from what the caller gathers from Observed (a container's current address).

import { type Family, type IP, cidrContains, formatIP, formatNetwork, isNetworkOrBroadcast, parseCidr, parseIP } from '../../model/ip.js';
import type { DiagnosticCode } from '../../model/diagnostic.js';
import { sha1hex } from '../../model/names.js';
import { freeCount, probe, type SubnetState } from './subnet-state.js';

export interface IpamSubnet {
  subnet: string;
  ipRange: string;
  gateway?: string;
  /** the gateway belongs to the host: no container may hold it, not even as a fixed address */
  hostHasGateway: boolean;
  reserved: string[];
}

export interface IpamRequest {
  /** stable id, e.g. "web/eth0"; requests are served in the order given */
  id: string;
  /** fixed addresses (either family) */
  fixed: string[];
  /** addresses the requester holds now (either family); kept when still valid */
  keep: string[];
  /** 'hashed' placement: the text whose hash picks the preferred address (default: id) */
  slotKey?: string;
}

/**
 * How addresses without a fixed or kept one are chosen:
 * - 'lowest': the lowest free address, requests served in the order given;
 * - 'hashed': each request's preferred address is sha1(slotKey) modulo the
 *   size of the ipRange, counted from the range's first address; when it is
 *   taken (or the network, broadcast, gateway or a reserved address) the next
 *   free one after it, wrapping around within the range. Requests are still
 *   served in the order given, so a pure function of the requests: used where
 *   every host must compute the same answer alone (overlay networks) and where
 *   adding or removing one request should move no other.
 *
 *   Residual case: a request takes the first free address from its preferred
 *   one, as the requests before it (in the given order) left them. So adding a
 *   request R moves another one X only when R's probe stops on the address X
 *   held, which needs X to come after R in the order (X is then served later
 *   and moves on to its next free address, and can in turn, rarely, displace
 *   one more: a collision chain). Removing R moves X only when X had collided
 *   and probed past R's address (X now stops there). Both need a collision: the
 *   chance is roughly (members ÷ range size) per addition, so a range much
 *   larger than the membership (or fixed addresses) keeps addresses put.
 */
export type Placement = 'lowest' | 'hashed';

export interface IpamAssignment {
  ip4?: string;
  prefix4?: number;
  ip6?: string;
  prefix6?: number;
}

export interface IpamError {
  id?: string;
  code: DiagnosticCode;
  message: string;
}

/**
 * Hand out one address per family (for each family the network has subnets of)
 * to every request: fixed addresses first, then each request keeps an address
 * it holds now if it lies in an ipRange and is free, then the rest take an
 * address of the first subnet with room (skipping network and broadcast
 * addresses, the gateway and reserved addresses): the lowest free one, or with
 * `placement: 'hashed'` the first free one from the request's hashed slot (see
 * Placement).
 */
export function allocate(
  subnets: IpamSubnet[],
  requests: IpamRequest[],
  placement: Placement = 'lowest',
): { assignments: Map<string, IpamAssignment>; errors: IpamError[] } {
  const assignments = new Map<string, IpamAssignment>(requests.map((r) => [r.id, {}]));
  const errors: IpamError[] = [];
  for (const family of [4, 6] as Family[]) {
    const states: SubnetState[] = [];
    for (const s of subnets) {
      const subnet = parseCidr(s.subnet);
      const range = parseCidr(s.ipRange) ?? subnet;
      if (!subnet || !range || subnet.family !== family) continue;
      const blocked = new Set<bigint>();
      const gw = s.gateway ? parseIP(s.gateway) : undefined;
      if (gw) blocked.add(gw.value);
      for (const r of s.reserved) {
        const ip = parseIP(r);
        if (ip && ip.family === family) blocked.add(ip.value);
      }
      states.push({
        subnet,
        range,
        rangeEnd: range.last,
        cursor: range.network,
        free: 0n,
        blocked,
        gateway: gw?.value,
        hostHasGateway: s.hostHasGateway,
      });
    }
    if (states.length === 0) continue;
    const taken = new Set<bigint>();
    const put = (id: string, st: SubnetState, v: bigint) => {
      taken.add(v);
      const a = assignments.get(id)!;
      if (family === 4) {
        a.ip4 = formatIP(4, v);
        a.prefix4 = st.subnet.prefix;
      } else {
        a.ip6 = formatIP(6, v);
        a.prefix6 = st.subnet.prefix;
      }
    };
    const has = (id: string) => {
      const a = assignments.get(id)!;
      return family === 4 ? a.ip4 !== undefined : a.ip6 !== undefined;
    };
    const ofFamily = (list: string[]) => list.map(parseIP).filter((ip): ip is IP => ip !== undefined && ip.family === family);

    // 1. fixed addresses
    for (const r of requests) {
      for (const ip of ofFamily(r.fixed)) {
        const text = formatIP(family, ip.value);
        const st = states.find((s) => cidrContains(s.subnet, ip));
        if (!st) {
          errors.push({ id: r.id, code: 'address-outside-subnet', message: `address ${text} is in none of the network's subnets` });
        } else if (taken.has(ip.value)) {
          errors.push({ id: r.id, code: 'address-taken', message: `address ${text} is taken twice` });
        } else if (st.hostHasGateway && st.gateway === ip.value) {
          errors.push({ id: r.id, code: 'address-taken', message: `address ${text} is the network's gateway (the host's address)` });
        } else if (isNetworkOrBroadcast(st.subnet, ip.value)) {
          errors.push({ id: r.id, code: 'address-unusable', message: `address ${text} is the network or broadcast address of ${formatNetwork(st.subnet)}` });
        } else if (has(r.id)) {
          errors.push({ id: r.id, code: 'address-taken', message: `more than one fixed IPv${family} address` });
        } else {
          put(r.id, st, ip.value);
        }
      }
    }

    const usable = (st: SubnetState, v: bigint) => !taken.has(v) && !st.blocked.has(v) && !isNetworkOrBroadcast(st.subnet, v);

    // 2. keep current addresses
    for (const r of requests) {
      if (has(r.id)) continue;
      for (const ip of ofFamily(r.keep)) {
        const st = states.find((s) => cidrContains(s.range, ip) && cidrContains(s.subnet, ip));
        if (st && usable(st, ip.value)) {
          put(r.id, st, ip.value);
          break;
        }
      }
    }

    // 3. lowest free address, or the first free one from the hashed slot
    const starved: string[] = [];
    if (placement === 'hashed') {
      for (const st of states) st.free = freeCount(st, taken);
    }
    for (const r of requests) {
      if (has(r.id)) continue;
      let done = false;
      if (placement === 'hashed') {
        const h = BigInt(`0x${sha1hex(r.slotKey ?? r.id)}`);
        for (const st of states) {
          const v = probe(st, h, (x) => usable(st, x) && cidrContains(st.subnet, { family, value: x }));
          if (v === undefined) continue;
          put(r.id, st, v);
          st.free--;
          done = true;
          break;
        }
      } else {
        for (const st of states) {
          while (st.cursor <= st.rangeEnd && !usable(st, st.cursor)) st.cursor++;
          if (st.cursor <= st.rangeEnd && cidrContains(st.subnet, { family, value: st.cursor })) {
            put(r.id, st, st.cursor);
            done = true;
            break;
          }
        }
      }
      if (!done) starved.push(r.id);
    }
    if (starved.length > 0) {
      errors.push({
        id: starved[0],
        code: 'ipam-exhausted',
        message: `no free IPv${family} address left in ${states.map((s) => formatNetwork(s.range)).join(', ')} ` + `for ${starved.join(', ')}`,
      });
    }
  }
  return { assignments, errors };
}
