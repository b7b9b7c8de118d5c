// `iptables-save` text → tables of chains, each with its policy and its rules as
// parsed option lists. Parsing only splits; what an option means is decided by
// src/explain/rule-match.ts. Pure.

export interface RuleOpt {
  /** option name with its dashes, e.g. `-s`, `--dport`, `-m` */
  name: string;
  args: string[];
  negated: boolean;
}

export interface Rule {
  chain: string;
  /** the saved line, `-A CHAIN ...` */
  text: string;
  /** the match options (everything before -j/-g) */
  opts: RuleOpt[];
  /** -j target or -g goto target, with the target's own options */
  target?: { name: string; goto: boolean; opts: RuleOpt[] };
}

export interface Chain {
  name: string;
  /** built-in chains: ACCEPT | DROP; user chains: undefined */
  policy?: string;
  rules: Rule[];
}

/** table name → chain name → chain */
export type Ruleset = Map<string, Map<string, Chain>>;

/** Split a saved rule into words, honouring double quotes (comments). */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

function parseOpts(words: string[]): RuleOpt[] {
  const opts: RuleOpt[] = [];
  let negated = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '!') {
      negated = true;
      continue;
    }
    if (!w.startsWith('-')) {
      // an argument after a negation inside an option (`--ctstate ! X` is old syntax) or a stray word
      const last = opts[opts.length - 1];
      if (last) last.args.push(w);
      continue;
    }
    const args: string[] = [];
    while (i + 1 < words.length && !words[i + 1].startsWith('-') && words[i + 1] !== '!') args.push(words[++i]);
    // `! ` between an option and its argument (e.g. `--dst-type ! LOCAL` is not saved like this, but be safe)
    opts.push({ name: w, args, negated });
    negated = false;
  }
  return opts;
}

export function parseRule(chain: string, spec: string): Rule {
  const words = tokenize(spec);
  const j = words.findIndex((w, i) => (w === '-j' || w === '-g') && i + 1 < words.length);
  const text = `-A ${chain} ${spec}`;
  if (j < 0) return { chain, text, opts: parseOpts(words) };
  return {
    chain,
    text,
    opts: parseOpts(words.slice(0, j)),
    target: { name: words[j + 1], goto: words[j] === '-g', opts: parseOpts(words.slice(j + 2)) },
  };
}

export function parseRuleset(text: string): Ruleset {
  const tables: Ruleset = new Map();
  let table: Map<string, Chain> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      table = new Map();
      tables.set(line.slice(1).trim(), table);
      continue;
    }
    if (line === 'COMMIT' || !table) continue;
    if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      table.set(name, { name, ...(policy && policy !== '-' ? { policy } : {}), rules: [] });
      continue;
    }
    const m = /^-A (\S+) ?(.*)$/.exec(line);
    if (!m) continue;
    const chain = table.get(m[1]) ?? { name: m[1], rules: [] };
    table.set(m[1], chain);
    chain.rules.push(parseRule(m[1], m[2]));
  }
  return tables;
}
