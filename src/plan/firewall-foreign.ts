// Chains named like netkeeper's that netkeeper did not make (a user's NK-MYDROP
// hung under NK-USER, say): left alone, and reported so that nobody wonders why
// netkeeper does not remove or rewrite them. Pure.

import type { Diagnostic } from '../model/diagnostic.js';
import { HOST_NS, type Resource } from '../model/resources.js';

export function foreignChainWarnings(observed: Iterable<Resource>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of observed) {
    if (r.kind !== 'chain' || r.owned) continue;
    const tool = r.family === 'ipv6' ? 'ip6tables' : 'iptables';
    const where = r.ns === HOST_NS ? '' : ` in namespace ${r.ns}`;
    out.push({
      code: 'foreign-chain',
      object: `${tool} chain ${r.table}/${r.chain}${where}`,
      message: 'is named like netkeeper’s chains but is not one netkeeper makes; netkeeper leaves it and its rules alone',
    });
  }
  return out.sort((a, b) => (a.object! < b.object! ? -1 : a.object! > b.object! ? 1 : 0));
}
