// `iptables-save` / `ip6tables-save` text → the firewall resources netkeeper
// owns, and the NK-* chains it does not (returned with owned: false, so the diff
// never touches them and the pass warns about them). Pure.
//
// What is netkeeper's (docs/firewall.md, "Ownership"):
// - a chain whose name is one netkeeper makes in that table: NK-FORWARD, NK-USER,
//   NK-ISOLATION (filter), NK-PORTS, NK-POSTROUTING (nat), NK-RAW (raw) on the
//   host; NK-POSTROUTING (nat) in a router container's namespace; and on the
//   host NK-PORTS-<bridge> (nat) when <bridge> is a bridge netkeeper owns or
//   netkeeper's NK-PORTS jumps to it. Any other NK-* chain is the user's;
// - a rule in a built-in chain whose comment is exactly `netkeeper` and which
//   jumps to one of netkeeper's chains (a hook). A rule that merely carries the
//   comment is not one.
// Other tools' chains and the user's rules elsewhere are not returned.

import { HOST_NS, chainRes, key } from '../model/resources.js';
import { isOwnedRuleComment } from '../model/marks.js';
import type { ChainRes, HookRes, IptFamily, Resource } from '../model/resources.js';

export const OWNED_CHAIN_PREFIX = 'NK-';
export const USER_CHAIN = 'NK-USER';

export class IptablesSaveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IptablesSaveError';
  }
}

/** The value of `--comment` in a saved rule (quoted or bare), or undefined. */
export function ruleComment(rule: string): string | undefined {
  const m = /(?:^| )--comment (?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(rule);
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

/** The chains netkeeper makes under fixed names, per table: on the host, and in a router container's namespace. */
export const OWN_CHAINS: { host: Record<string, readonly string[]>; router: Record<string, readonly string[]> } = {
  host: { filter: ['NK-FORWARD', USER_CHAIN, 'NK-ISOLATION'], nat: ['NK-PORTS', 'NK-POSTROUTING'], raw: ['NK-RAW'] },
  router: { nat: ['NK-POSTROUTING'] },
};
/** nat chain of the ports published into one bridge: NK-PORTS-<bridge> (host only) */
export const PORTS_CHAIN_PREFIX = 'NK-PORTS-';
const BUILTIN_CHAINS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

/** Whether a chain is netkeeper's (see the header). `portsJumps`: the targets of netkeeper's NK-PORTS in that table. */
export function isOwnChain(ns: string, table: string, name: string, bridges: ReadonlySet<string>, portsJumps: ReadonlySet<string>): boolean {
  const fixed = (ns === HOST_NS ? OWN_CHAINS.host : OWN_CHAINS.router)[table] ?? [];
  if (fixed.includes(name)) return true;
  if (ns !== HOST_NS || table !== 'nat' || !name.startsWith(PORTS_CHAIN_PREFIX)) return false;
  return bridges.has(name.slice(PORTS_CHAIN_PREFIX.length)) || portsJumps.has(name);
}

function jumpTarget(rule: string): string | undefined {
  const m = /(?:^| )-[jg] (\S+)/.exec(rule);
  return m?.[1];
}

/**
 * `bridges`: the bridges netkeeper owns on the host (their NK-PORTS-<bridge>
 * chains are netkeeper's even when NK-PORTS no longer jumps to them).
 */
export function parseIptablesSave(text: string, family: IptFamily, ns: string, bridges: ReadonlySet<string> = new Set()): Resource[] {
  const chains = new Map<string, ChainRes>();
  const candidates: { table: string; chain: string; rule: string; index: number }[] = [];
  const seenInChain = new Map<string, number>();
  let table: string | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trimEnd();
    if (line === '') continue;
    if (line.startsWith('#')) {
      // iptables-nft-save exits 0 but hides a whole table holding a rule it cannot
      // parse ("contains incompatible base-chains" hides only those chains: harmless)
      if (/^# Table .* is incompatible, use 'nft' tool/.test(line)) {
        throw new IptablesSaveError(`${family === 'ipv6' ? 'ip6tables' : 'iptables'}-save in namespace ${ns}: ${line.slice(2)}`);
      }
      continue;
    }
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      continue;
    }
    if (line === 'COMMIT') {
      table = undefined;
      continue;
    }
    if (!table) throw new IptablesSaveError(`iptables-save line ${n + 1} outside a table: ${line}`);
    if (line.startsWith(':')) {
      const name = line.slice(1).split(' ')[0];
      if (name.startsWith(OWNED_CHAIN_PREFIX)) {
        chains.set(`${table}/${name}`, chainRes(ns, family, table, name, [], name === USER_CHAIN));
      }
      continue;
    }
    const m = /^-A (\S+) (.*)$/.exec(line);
    if (!m) continue;
    const [, name, rule] = m;
    if (name.startsWith(OWNED_CHAIN_PREFIX)) {
      const c = chains.get(`${table}/${name}`);
      if (c) c.rules.push(rule);
      continue;
    }
    const index = seenInChain.get(`${table}/${name}`) ?? 0;
    seenInChain.set(`${table}/${name}`, index + 1);
    if (BUILTIN_CHAINS.has(name) && isOwnedRuleComment(ruleComment(rule))) candidates.push({ table, chain: name, rule, index });
  }

  // which NK-* chains are netkeeper's
  for (const c of chains.values()) {
    const ports = chains.get(`${c.table}/NK-PORTS`);
    const jumps = new Set(ports ? ports.rules.map(jumpTarget).filter((t): t is string => !!t) : []);
    c.owned = isOwnChain(ns, c.table, c.chain, bridges, jumps);
  }
  const hooks: HookRes[] = [];
  for (const { table, chain: name, rule, index } of candidates) {
    const target = jumpTarget(rule) ?? '';
    if (!chains.get(`${table}/${target}`)?.owned) continue; // the comment alone does not make a rule netkeeper's
    // the same jump twice (a crash between two writes, a hand-made copy): the
    // copies get their own keys, so the diff removes them
    const k = key.hook(ns, family, table, name, target);
    const copies = hooks.filter((h) => h.key === k || h.key.startsWith(`${k}#`)).length;
    hooks.push({
      kind: 'hook',
      key: copies === 0 ? k : `${k}#${copies + 1}`,
      ns,
      owned: true,
      family,
      table,
      chain: name,
      rule,
      // informative only: where it sits now (first rule of its chain or not)
      position: index === 0 ? 'first' : 'last',
    });
  }
  return [...chains.values(), ...hooks];
}
