// Run one netfilter hook (table + built-in chain) of a namespace for a packet and
// turn the decision into a hop. Parsed rulesets are cached per namespace. Pure.

import { parseRuleset, type Ruleset } from './iptables-parse.js';
import { runChain, type Decision } from './chain-walk.js';
import type { HookCtx } from './packet.js';
import type { Hop, World } from './types.js';

export class Netfilter {
  private cache = new Map<string, Ruleset>();
  constructor(private world: World) {}

  rules(ns: string): Ruleset {
    let r = this.cache.get(ns);
    if (!r) {
      r = parseRuleset(this.world.namespaces.get(ns)?.iptables ?? '');
      this.cache.set(ns, r);
    }
    return r;
  }

  /** The decision, and a hop when a rule (or a non-ACCEPT policy) decided it. */
  run(ns: string, table: string, chain: string, ctx: HookCtx): { d: Decision; hop?: Hop } {
    const d = runChain(this.rules(ns), table, chain, ctx);
    const where = `${table} ${chain}`;
    if (d.kind === 'accept' && !d.rule && !d.policyOf?.includes('DROP')) return { d };
    const rule = 'rule' in d && d.rule ? d.rule : undefined;
    const declared = rule ? this.world.attribute?.rule(ns, rule.chain, rule.text) : undefined;
    const text: Record<Decision['kind'], string> = {
      accept: 'accepted',
      drop: 'dropped',
      dnat: d.kind === 'dnat' ? `DNAT to ${d.ip}${d.port ? `:${d.port}` : ''}` : '',
      snat: d.kind === 'snat' ? `SNAT to ${d.ip}` : '',
      masquerade: 'masqueraded',
      unknown: d.kind === 'unknown' ? `unknown: ${d.why}` : '',
    };
    const hop: Hop = {
      kind: 'netfilter',
      ns,
      chain: where,
      text: `${where}: ${text[d.kind]}`,
      rule: rule?.text ?? ('policyOf' in d ? d.policyOf : undefined) ?? '',
      ...(declared ? { declared } : {}),
      ...(d.kind === 'drop' ? { outcome: 'drop' as const } : d.kind === 'unknown' ? { outcome: 'unknown' as const } : {}),
    };
    return { d, hop };
  }
}
