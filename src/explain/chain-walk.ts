// Traverse one built-in chain of one table in netfilter's order: rules top to
// bottom, jumps (-j) and gotos (-g) into user chains, RETURN, the policy. The
// result is what decided the packet there, with the deciding rule. Pure.

import type { Chain, Rule, Ruleset } from './iptables-parse.js';
import type { HookCtx } from './packet.js';
import { ruleMatches } from './rule-match.js';

export type Decision =
  | { kind: 'accept' | 'drop'; rule?: Rule; policyOf?: string }
  | { kind: 'dnat'; rule: Rule; ip: string; port?: number; portEnd?: number }
  | { kind: 'snat'; rule: Rule; ip: string }
  | { kind: 'masquerade'; rule: Rule }
  | { kind: 'unknown'; rule: Rule; why: string };

/** Targets that do not end the traversal and change nothing the evaluator looks at. */
const CONTINUE = new Set(['LOG', 'NFLOG', 'ULOG', 'TRACE', 'AUDIT', 'CHECKSUM', 'TCPMSS', 'CT', 'NOTRACK']);
const MAX_DEPTH = 32;

function toDestination(rule: Rule): Decision {
  const spec = rule.target?.opts.find((o) => o.name === '--to-destination')?.args[0];
  const m = spec ? /^(\d+\.\d+\.\d+\.\d+)(?::(\d+)(?:-(\d+))?)?$/.exec(spec) : null;
  if (!m) return { kind: 'unknown', rule, why: `cannot evaluate DNAT ${spec ?? 'without --to-destination'}` };
  return { kind: 'dnat', rule, ip: m[1], ...(m[2] ? { port: Number(m[2]) } : {}), ...(m[3] ? { portEnd: Number(m[3]) } : {}) };
}

function toSource(rule: Rule): Decision {
  const spec = rule.target?.opts.find((o) => o.name === '--to-source')?.args[0];
  const m = spec ? /^(\d+\.\d+\.\d+\.\d+)(?::\d+(?:-\d+)?)?$/.exec(spec) : null;
  if (!m) return { kind: 'unknown', rule, why: `cannot evaluate SNAT ${spec ?? 'without --to-source'}` };
  return { kind: 'snat', rule, ip: m[1] };
}

type Step = Decision | { kind: 'return' };

function walk(rs: Map<string, Chain>, chain: Chain, ctx: HookCtx, depth: number): Step {
  for (const rule of chain.rules) {
    const m = ruleMatches(rule, ctx);
    const t = rule.target;
    if (m.kind === 'nomatch') continue;
    if (m.kind === 'unknown') {
      if (!t || CONTINUE.has(t.name)) continue; // matched or not, nothing changes
      return { kind: 'unknown', rule, why: m.why };
    }
    if (!t || CONTINUE.has(t.name)) continue;
    switch (t.name) {
      case 'ACCEPT':
        return { kind: 'accept', rule };
      case 'DROP':
      case 'REJECT':
        return { kind: 'drop', rule };
      case 'RETURN':
        return { kind: 'return' };
      case 'DNAT':
        return toDestination(rule);
      case 'SNAT':
        return toSource(rule);
      case 'MASQUERADE':
        return t.opts.length
          ? { kind: 'unknown', rule, why: `cannot evaluate MASQUERADE ${t.opts.map((o) => o.name).join(' ')}` }
          : { kind: 'masquerade', rule };
    }
    const sub = rs.get(t.name);
    if (!sub) return { kind: 'unknown', rule, why: `cannot evaluate target ${t.name}` };
    if (depth >= MAX_DEPTH) return { kind: 'unknown', rule, why: 'chains nest too deep' };
    const r = walk(rs, sub, ctx, depth + 1);
    if (t.goto) return r; // -g: a RETURN there returns from this chain too
    if (r.kind !== 'return') return r;
  }
  return { kind: 'return' };
}

/**
 * Run a built-in chain. A table or chain that does not exist accepts (netfilter
 * has no hook there). `policyOf` names the chain whose policy decided.
 */
export function runChain(rules: Ruleset, table: string, chain: string, ctx: HookCtx): Decision {
  const t = rules.get(table);
  const c = t?.get(chain);
  if (!t || !c) return { kind: 'accept' };
  const r = walk(t, c, ctx, 0);
  if (r.kind !== 'return') return r;
  return { kind: c.policy === 'DROP' ? 'drop' : 'accept', policyOf: `${chain} policy ${c.policy ?? 'ACCEPT'}` };
}
