// Firewall changes → one `iptables-restore --noflush` input per (namespace,
// family, table) touched. Pure.
//
// A --noflush restore flushes exactly the chains it declares (`:NAME - [0:0]`),
// so only chains created, rewritten or deleted are declared; a rewritten chain
// is followed by its whole new rule list. Jumps from built-in chains are added
// with -I/-A and removed by their full spec (-D), never by position. Chains are
// deleted (-X) in a second transaction of the same input, once nothing refers to
// them any more: iptables-nft wants a chain unreferenced when the transaction
// that deletes it starts (Felix does the same).

import { changeSubject, type Change } from '../model/plan.js';
import type { ChainRes, HookRes, IptFamily } from '../model/resources.js';
import { parseDnat } from '../observe/dnat.js';

export interface IptablesBatch {
  ns: string;
  family: IptFamily;
  table: string;
  /** the complete iptables-restore --noflush input */
  text: string;
}

const TABLE_ORDER = ['raw', 'mangle', 'nat', 'filter', 'security'];

type FwRes = ChainRes | HookRes;

function fwRes(c: Change): FwRes | undefined {
  const r = changeSubject(c);
  return r.kind === 'chain' || r.kind === 'hook' ? r : undefined;
}

interface Group {
  ns: string;
  family: IptFamily;
  table: string;
  declare: string[];
  hookDeletes: string[];
  rules: string[];
  hookAdds: string[];
  chainDeletes: string[];
}

export function renderIptables(changes: Change[]): IptablesBatch[] {
  const groups = new Map<string, Group>();
  const group = (r: FwRes): Group => {
    const k = `${r.ns}\u0000${r.family}\u0000${r.table}`;
    let g = groups.get(k);
    if (!g) {
      g = { ns: r.ns, family: r.family, table: r.table, declare: [], hookDeletes: [], rules: [], hookAdds: [], chainDeletes: [] };
      groups.set(k, g);
    }
    return g;
  };

  for (const c of changes) {
    const r = fwRes(c);
    if (!r) continue;
    if (r.kind === 'chain') {
      const after = c.after as ChainRes | undefined;
      if (c.action === 'delete') {
        const g = group(r);
        g.declare.push(r.chain); // flushes it, dropping the jumps it holds
        g.chainDeletes.push(r.chain);
        continue;
      }
      if (!after) continue;
      // the user's chain is created empty once and never rewritten
      if (after.userOwned && c.action !== 'create') continue;
      const g = group(after);
      g.declare.push(after.chain);
      for (const rule of after.rules) g.rules.push(`-A ${after.chain} ${rule}`);
    } else {
      const before = c.before as HookRes | undefined;
      const after = c.after as HookRes | undefined;
      if (before && c.action !== 'create') group(before).hookDeletes.push(`-D ${before.chain} ${before.rule}`);
      if (after && c.action !== 'delete') {
        group(after).hookAdds.push(`${after.position === 'first' ? '-I' : '-A'} ${after.chain} ${after.rule}`);
      }
    }
  }

  const batches: IptablesBatch[] = [];
  for (const g of groups.values()) {
    const lines: string[] = [...g.declare.map((ch) => `:${ch} - [0:0]`), ...g.hookDeletes, ...g.rules, ...g.hookAdds];
    const text: string[] = [];
    if (lines.length > 0) text.push(`*${g.table}`, ...lines, 'COMMIT');
    if (g.chainDeletes.length > 0) text.push(`*${g.table}`, ...g.chainDeletes.map((ch) => `-X ${ch}`), 'COMMIT');
    if (text.length === 0) continue;
    batches.push({ ns: g.ns, family: g.family, table: g.table, text: text.join('\n') + '\n' });
  }
  const ti = (t: string) => (TABLE_ORDER.includes(t) ? TABLE_ORDER.indexOf(t) : TABLE_ORDER.length);
  return batches.sort(
    (a, b) =>
      (a.ns === b.ns ? 0 : a.ns < b.ns ? -1 : 1) ||
      (a.family === b.family ? 0 : a.family === 'ipv4' ? -1 : 1) ||
      ti(a.table) - ti(b.table) ||
      (a.table < b.table ? -1 : a.table > b.table ? 1 : 0),
  );
}

export interface StaleUdpPort {
  ns: string;
  family: IptFamily;
  /** destination address the DNAT matched (absent: any local address) */
  hostIP?: string;
  port: number;
}

/** by "<-d match> <host port>": where each UDP host port of these rules leads */
function udpTargets(rules: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const rule of rules) {
    const r = parseDnat(rule);
    if (!r || r.protocol !== 'udp') continue;
    for (let p = r.hostPort; p <= r.hostPortEnd; p++) m.set(`${r.dest ?? ''} ${p}`, `${r.containerIP} ${r.containerPort + (p - r.hostPort)}`);
  }
  return m;
}

/**
 * UDP published ports whose DNAT target changed or went away: their conntrack
 * entries would keep sending datagrams to the old container. Call after apply.
 */
export function staleUdpPorts(changes: Change[]): StaleUdpPort[] {
  const before = new Map<string, Map<string, string>>();
  const after = new Map<string, Map<string, string>>();
  const add = (into: Map<string, Map<string, string>>, r: ChainRes) => {
    const k = `${r.ns} ${r.family}`;
    const m = into.get(k) ?? new Map<string, string>();
    for (const [p, t] of udpTargets(r.rules)) m.set(p, t);
    into.set(k, m);
  };
  for (const c of changes) {
    const r = fwRes(c);
    if (!r || r.kind !== 'chain' || r.table !== 'nat') continue;
    if (c.before?.kind === 'chain') add(before, c.before);
    if (c.after?.kind === 'chain' && c.action !== 'delete') add(after, c.after);
  }
  const out: StaleUdpPort[] = [];
  for (const [k, m] of before) {
    const [ns, family] = k.split(' ') as [string, IptFamily];
    const now = after.get(k) ?? new Map<string, string>();
    for (const [p, t] of m) {
      if (now.get(p) === t) continue;
      const [d, port] = p.split(' ');
      out.push({ ns, family, port: Number(port), ...(d ? { hostIP: d.replace(/\/(32|128)$/, '') } : {}) });
    }
  }
  return out;
}

/**
 * A readable rule-level difference between two versions of a chain, for plans:
 * "+ rule" for rules only in `after`, "- rule" for rules only in `before`, and
 * "~ order" when the same rules moved. Empty when equal.
 */
export function chainRuleDiff(before: string[], after: string[]): string[] {
  const count = (xs: string[]) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return m;
  };
  const b = count(before);
  const a = count(after);
  const out: string[] = [];
  for (const r of before) {
    const left = a.get(r) ?? 0;
    if (left > 0) a.set(r, left - 1);
    else out.push(`- ${r}`);
  }
  for (const r of after) {
    const left = b.get(r) ?? 0;
    if (left > 0) b.set(r, left - 1);
    else out.push(`+ ${r}`);
  }
  if (out.length === 0 && before.join('\n') !== after.join('\n')) out.push('~ same rules, new order');
  return out;
}
