// Automatic subnets, pure: the pools (Docker's local and overlay defaults) and the
// choice of a subnet for each network declared without one. Stability comes from
// what the caller gathers from Observed (the subnet a bridge has now).

import { type Cidr, cidrOverlaps, formatNetwork, nthSubnet, parseCidr } from '../../model/ip.js';
import type { DiagnosticCode } from '../../model/diagnostic.js';

/** Docker's default local pools: 172.17-31.0.0/16, then 192.168.0.0/16 in /20s. */
export function* localPool(): Generator<Cidr> {
  for (let o = 17; o <= 31; o++) yield parseCidr(`172.${o}.0.0/16`)!;
  for (let o = 0; o < 256; o += 16) yield parseCidr(`192.168.${o}.0/20`)!;
}

/** Docker swarm's default overlay pool: 10.0.0.0/8 in /24s. */
export function* overlayPool(): Generator<Cidr> {
  const base = parseCidr('10.0.0.0/8')!;
  for (let i = 0n; i < 1n << 16n; i++) yield nthSubnet(base, 24, i)!;
}

export interface AutoSubnetRequest {
  network: string;
  /**
   * 'local': this host only; may reuse what the kernel has and must avoid this
   * host's routes. 'global' (overlay): must come out the same on every host, so
   * it is chosen from the config alone, from the overlay pool.
   */
  scope: 'local' | 'global';
  /** the subnet (and gateway) this network has in the kernel now, if any */
  reuse?: { subnet: string; gateway?: string };
}

export interface AutoSubnetChoice {
  subnet: string;
  /** set when reused from the kernel (the bridge's current address) */
  gateway?: string;
}

export interface AutoSubnetError {
  network: string;
  code: DiagnosticCode;
  message: string;
}

/**
 * Choose a subnet for every request. Order of decisions (each avoids all
 * declared subnets and every subnet chosen before it):
 *  1. global requests, in the given order, from the overlay pool, ignoring the
 *     kernel; one that overlaps a host route is an error (changing it on one
 *     host only would split the overlay);
 *  2. local requests that have a subnet in the kernel keep it when it still
 *     overlaps nothing declared or chosen;
 *  3. the other local requests, in the given order, take the first pool subnet
 *     that overlaps no foreign (non-default) route either.
 */
export function chooseAutoSubnets(
  requests: AutoSubnetRequest[],
  avoid: { declared: string[]; foreignRoutes: string[] },
): { chosen: Map<string, AutoSubnetChoice>; errors: AutoSubnetError[] } {
  const declared = avoid.declared.map(parseCidr).filter((c): c is Cidr => c !== undefined);
  const foreign = avoid.foreignRoutes.map(parseCidr).filter((c): c is Cidr => c !== undefined && c.prefix > 0);
  const taken: Cidr[] = [...declared];
  const chosen = new Map<string, AutoSubnetChoice>();
  const errors: AutoSubnetError[] = [];
  const free = (c: Cidr, alsoForeign: boolean) => !taken.some((t) => cidrOverlaps(t, c)) && !(alsoForeign && foreign.some((f) => cidrOverlaps(f, c)));

  for (const r of requests.filter((r) => r.scope === 'global')) {
    let got: Cidr | undefined;
    for (const c of overlayPool()) {
      if (free(c, false)) {
        got = c;
        break;
      }
    }
    if (!got) {
      errors.push({ network: r.network, code: 'auto-subnet-exhausted', message: 'no free subnet left in the overlay pool 10.0.0.0/8; declare subnets' });
      continue;
    }
    taken.push(got);
    chosen.set(r.network, { subnet: formatNetwork(got) });
    const clash = foreign.find((f) => cidrOverlaps(f, got));
    if (clash) {
      errors.push({
        network: r.network,
        code: 'auto-subnet-route-conflict',
        message: `the automatic overlay subnet ${formatNetwork(got)} overlaps the host route ${formatNetwork(clash)}; declare subnets for this overlay network`,
      });
    }
  }

  const locals = requests.filter((r) => r.scope === 'local');
  for (const r of locals) {
    if (!r.reuse) continue;
    const c = parseCidr(r.reuse.subnet);
    if (!c || c.family !== 4 || !free(c, false)) continue;
    taken.push(c);
    chosen.set(r.network, { subnet: formatNetwork(c), gateway: r.reuse.gateway });
  }
  for (const r of locals) {
    if (chosen.has(r.network)) continue;
    let got: Cidr | undefined;
    for (const c of localPool()) {
      if (free(c, true)) {
        got = c;
        break;
      }
    }
    if (!got) {
      errors.push({
        network: r.network,
        code: 'auto-subnet-exhausted',
        message: 'no free subnet left in the automatic pools (172.17.0.0/16-172.31.0.0/16, 192.168.0.0/16 in /20s); declare subnets',
      });
      continue;
    }
    taken.push(got);
    chosen.set(r.network, { subnet: formatNetwork(got) });
  }
  return { chosen, errors };
}
