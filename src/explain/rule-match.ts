// Does one saved iptables rule match a packet? Knows the matches netkeeper and
// Docker write (-s -d -i -o -p, tcp/udp/icmp ports, multiport, conntrack/state,
// addrtype, comment) and their `!` negation. Anything else is not guessed: the
// answer is `unknown`, naming the option. Pure.

import { inCidr, isIp4 } from './ipv4.js';
import type { HookCtx } from './packet.js';
import type { Rule, RuleOpt } from './iptables-parse.js';

export type MatchResult = { kind: 'match' } | { kind: 'nomatch' } | { kind: 'unknown'; why: string };

const MODULES = new Set(['tcp', 'udp', 'icmp', 'comment', 'conntrack', 'state', 'addrtype', 'multiport']);
const PROTO_NUM: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp' };
const ICMP_TYPES: Record<string, number> = { 'echo-request': 8, 'echo-reply': 0, '8': 8, '0': 0 };

function ifMatch(pattern: string, name: string | undefined): boolean {
  if (name === undefined) return false;
  return pattern.endsWith('+') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

function addrMatch(list: string, ip: string): boolean | undefined {
  const parts = list.split(',');
  if (!parts.every((p) => isIp4(p.split('/')[0]))) return undefined;
  return parts.some((p) => inCidr(ip, p));
}

function portIn(spec: string, port: number | undefined): boolean {
  if (port === undefined) return false;
  return spec.split(',').some((p) => {
    const [a, b] = p.split(':');
    const lo = a === '' ? 0 : Number(a);
    const hi = b === undefined ? lo : b === '' ? 65535 : Number(b);
    return port >= lo && port <= hi;
  });
}

/** The conntrack states a packet is in, as --ctstate names them. */
function ctStates(ctx: HookCtx): Set<string> {
  const s = new Set<string>([ctx.ct.state]);
  if (ctx.ct.dnat) s.add('DNAT');
  if (ctx.ct.snat) s.add('SNAT');
  return s;
}

/** addrtype of an address in this namespace: LOCAL, or UNICAST (broadcast and multicast are not evaluated). */
function addrType(types: string, ip: string, ctx: HookCtx): boolean | undefined {
  const local = ctx.isLocal(ip);
  let any = false;
  for (const t of types.split(',')) {
    if (t === 'LOCAL') any ||= local;
    else if (t === 'UNICAST') any ||= !local;
    else if (t === 'BROADCAST' || t === 'MULTICAST' || t === 'ANYCAST' || t === 'BLACKHOLE' || t === 'UNREACHABLE' || t === 'PROHIBIT') any ||= false;
    else return undefined;
  }
  return any;
}

/** One option: true/false, or undefined when it cannot be evaluated. */
function optMatch(o: RuleOpt, ctx: HookCtx): boolean | undefined {
  const a = o.args[0] ?? '';
  const p = ctx.pkt;
  switch (o.name) {
    case '-s':
    case '--source':
      return addrMatch(a, p.src);
    case '-d':
    case '--destination':
      return addrMatch(a, p.dst);
    case '-i':
    case '--in-interface':
      return ifMatch(a, ctx.iif);
    case '-o':
    case '--out-interface':
      return ifMatch(a, ctx.oif);
    case '-p':
    case '--protocol': {
      const proto = PROTO_NUM[a] ?? a;
      if (proto === 'all' || proto === '0') return true;
      return ['tcp', 'udp', 'icmp'].includes(proto) ? proto === p.proto : p.proto === 'icmp' ? false : undefined;
    }
    case '-m':
    case '--match':
      return MODULES.has(a) ? true : undefined;
    case '--dport':
    case '--destination-port':
    case '--dports':
    case '--destination-ports':
      return p.proto === 'icmp' ? false : portIn(a, p.dport);
    case '--sport':
    case '--source-port':
    case '--sports':
    case '--source-ports':
      return p.proto === 'icmp' ? false : portIn(a, p.sport);
    case '--ports':
      return p.proto === 'icmp' ? false : portIn(a, p.sport) || portIn(a, p.dport);
    case '--icmp-type': {
      if (p.proto !== 'icmp') return false;
      if (a === 'any') return true;
      const t = ICMP_TYPES[a];
      return t === undefined ? undefined : t === p.icmpType;
    }
    case '--ctstate':
    case '--state': {
      const have = ctStates(ctx);
      return a.split(',').some((s) => have.has(s));
    }
    case '--dst-type':
      return addrType(a, p.dst, ctx);
    case '--src-type':
      return addrType(a, p.src, ctx);
    case '--syn':
      return p.proto === 'tcp' && ctx.ct.state === 'NEW';
    case '--comment':
      return true;
    default:
      return undefined;
  }
}

export function ruleMatches(rule: Rule, ctx: HookCtx): MatchResult {
  for (const o of rule.opts) {
    const m = optMatch(o, ctx);
    if (m === undefined) return { kind: 'unknown', why: `cannot evaluate ${o.negated ? '! ' : ''}${o.name}${o.args.length ? ` ${o.args.join(' ')}` : ''}` };
    if (m === o.negated) return { kind: 'nomatch' };
  }
  return { kind: 'match' };
}
