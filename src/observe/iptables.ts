// `iptables-save` / `ip6tables-save` text → the firewall resources netkeeper
// owns: every chain named NK-* (with its rules in order) and every rule in any
// other chain that carries netkeeper's comment (a hook). Nothing else is
// returned: other tools' chains and the user's rules are invisible to the diff.
// Pure.

import { MARK, chainRes, key } from '../model/resources.js';
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

export function isOwnComment(comment: string | undefined): boolean {
  return comment !== undefined && (comment === MARK.ruleComment || comment.startsWith(`${MARK.ruleComment}:`) || comment.startsWith(`${MARK.ruleComment} `));
}

function jumpTarget(rule: string): string | undefined {
  const m = /(?:^| )-[jg] (\S+)/.exec(rule);
  return m?.[1];
}

export function parseIptablesSave(text: string, family: IptFamily, ns: string): Resource[] {
  const chains = new Map<string, ChainRes>();
  const hooks: HookRes[] = [];
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
    if (!isOwnComment(ruleComment(rule))) continue;
    const target = jumpTarget(rule) ?? '';
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
