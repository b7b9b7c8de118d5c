// The host's iptables-save text, read for `import`: which subnets are masqueraded,
// which ports are published (DNAT), which bridges drop traffic between their own
// ports (icc off) or toward the outside (internal), and which rules are Docker's or
// netkeeper's plumbing that the documents imply. Every other rule is "foreign":
// reported, never silently dropped. Pure.

export interface SavedRule {
  table: string;
  chain: string;
  /** the rule as saved, without "-A CHAIN " */
  spec: string;
  tokens: string[];
}

export interface Masquerade {
  source: string;
  /** -o IF: only out of that interface */
  outIf?: string;
  /** ! -o IF */
  notOutIf?: string;
  rule: SavedRule;
}

export interface Dnat {
  dest?: string;
  inIf?: string;
  notInIf?: string;
  protocol: 'tcp' | 'udp';
  hostPort: number;
  hostPortEnd: number;
  toIP: string;
  toPort: number;
  toPortEnd: number;
  rule: SavedRule;
}

export interface FirewallFacts {
  masquerades: Masquerade[];
  dnats: Dnat[];
  /** bridges with `-i B -o B -j DROP` */
  iccOff: Set<string>;
  /** bridges with a DROP of what leaves their subnet (Docker's --internal) */
  internal: Set<string>;
  /** rules the documents do not express */
  foreign: SavedRule[];
}

/** Split a saved rule into words, keeping "quoted strings" whole. */
export function tokenize(spec: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(spec); m; m = re.exec(spec)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

export function parseSave(text: string): SavedRule[] {
  const out: SavedRule[] = [];
  let table = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line.startsWith('*')) table = line.slice(1);
    const m = /^-A (\S+) (.*)$/.exec(line);
    if (m && table) out.push({ table, chain: m[1], spec: m[2], tokens: tokenize(m[2]) });
  }
  return out;
}

/** The value of option `opt` and whether it is negated (`! -i x`). */
export function opt(tokens: string[], name: string): { value: string; neg: boolean } | undefined {
  const i = tokens.indexOf(name);
  if (i < 0 || i + 1 >= tokens.length) return undefined;
  return { value: tokens[i + 1], neg: tokens[i - 1] === '!' };
}

function target(r: SavedRule): string | undefined {
  return opt(r.tokens, '-j')?.value ?? opt(r.tokens, '-g')?.value;
}

const strip32 = (s: string) => s.replace(/\/32$/, '');

/** "10.0.0.2", "10.0.0.2:80", "10.0.0.2:80-81" */
function parseTo(t: string): { ip: string; port?: number; portEnd?: number } {
  const [ip, ports] = t.split(':');
  if (ports === undefined) return { ip };
  const [a, b] = ports.split('-').map(Number);
  return { ip, port: a, portEnd: b ?? a };
}

function parseDnatRule(r: SavedRule): Dnat | undefined {
  const to = opt(r.tokens, '--to-destination')?.value;
  const proto = opt(r.tokens, '-p');
  const dport = opt(r.tokens, '--dport');
  if (!to || !proto || proto.neg || !dport || dport.neg || (proto.value !== 'tcp' && proto.value !== 'udp')) return undefined;
  // anything else that narrows the rule (source, marks, negated dest) is not expressible
  const known = new Set([
    '-p',
    '-m',
    '--dport',
    '-j',
    '--to-destination',
    '-d',
    '-i',
    '!',
    'tcp',
    'udp',
    'addrtype',
    '--dst-type',
    'LOCAL',
    'comment',
    '--comment',
  ]);
  const extra = r.tokens.filter((t, i) => t.startsWith('-') && !known.has(t) && r.tokens[i - 1] !== '--comment');
  if (extra.length) return undefined;
  const d = opt(r.tokens, '-d');
  if (d?.neg) return undefined;
  const [a, b] = dport.value.split(':').map(Number);
  const t = parseTo(to);
  const i = opt(r.tokens, '-i');
  return {
    ...(d ? { dest: strip32(d.value) } : {}),
    ...(i && !i.neg ? { inIf: i.value } : {}),
    ...(i?.neg ? { notInIf: i.value } : {}),
    protocol: proto.value,
    hostPort: a,
    hostPortEnd: b ?? a,
    toIP: t.ip,
    toPort: t.port ?? a,
    toPortEnd: t.port === undefined ? (b ?? a) : (t.portEnd ?? t.port),
    rule: r,
  };
}

/** Docker's and netkeeper's own chains: implied by the documents (netkeeper writes its own equivalents). */
function isPlumbingChain(name: string | undefined): boolean {
  return !!name && (name.startsWith('DOCKER') || name.startsWith('NK-'));
}

/**
 * Classify every rule. `bridges`: the host's bridges (their ACCEPT/conntrack rules
 * are what gatewayMode implies).
 */
export function readFirewall(text: string, bridges: ReadonlySet<string>): FirewallFacts {
  const f: FirewallFacts = { masquerades: [], dnats: [], iccOff: new Set(), internal: new Set(), foreign: [] };
  for (const r of parseSave(text)) {
    const j = target(r);
    const i = opt(r.tokens, '-i');
    const o = opt(r.tokens, '-o');
    const s = opt(r.tokens, '-s');
    const d = opt(r.tokens, '-d');
    if (r.table === 'nat' && j === 'DNAT') {
      const dn = parseDnatRule(r);
      if (dn) f.dnats.push(dn);
      else f.foreign.push(r);
      continue;
    }
    if (r.table === 'nat' && (j === 'MASQUERADE' || j === 'SNAT')) {
      // Docker's hairpin for a published port: -s C/32 -d C/32 --dport P -j MASQUERADE
      if (s && d && !s.neg && s.value === d.value && s.value.endsWith('/32') && opt(r.tokens, '--dport')) continue;
      if (j === 'MASQUERADE' && s && !s.neg && !d) {
        f.masquerades.push({ source: s.value, ...(o && !o.neg ? { outIf: o.value } : {}), ...(o?.neg ? { notOutIf: o.value } : {}), rule: r });
        continue;
      }
      f.foreign.push(r);
      continue;
    }
    if (isPlumbingChain(r.chain) || isPlumbingChain(j)) {
      // Docker's isolation chains also say which networks are internal
      if (j === 'DROP' && i && !i.neg && bridges.has(i.value) && d?.neg) f.internal.add(i.value);
      continue;
    }
    if (r.table === 'filter') {
      if (j === 'DROP' && i && o && !i.neg && !o.neg && i.value === o.value && bridges.has(i.value)) {
        f.iccOff.add(i.value);
        continue;
      }
      if (j === 'DROP' && i && !i.neg && bridges.has(i.value) && d?.neg) {
        f.internal.add(i.value);
        continue;
      }
      if (j === 'DROP' && o && !o.neg && bridges.has(o.value) && s?.neg) continue; // the other half of internal
      // forwarding to and from a bridge: what gatewayMode nat/routed implies
      if (j === 'ACCEPT' && ((i && bridges.has(i.value)) || (o && bridges.has(o.value)))) continue;
    }
    f.foreign.push(r);
  }
  return f;
}
