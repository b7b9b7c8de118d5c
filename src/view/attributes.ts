// A declared object's attributes in the files' words (ip, ports, mtu, subnet…),
// read from the kernel resources it owns: once from what the kernel has (the
// "before"), once from what the files make (the "after"). Pure.

import { HOST_NS, MARK, type LinkRes, type Resource } from '../model/resources.js';
import { formatNetwork, parseCidr } from '../model/ip.js';
import { dnatHostIP, parseDnat, type DnatRule } from '../observe/dnat.js';
import { aliasMark, type Owner, type OwnerIndex } from './owners.js';
import { normalizeIP } from '../model/ip.js';

/** name → value; a value with several lines is a list (shown as entries added and removed). */
export type Attrs = Map<string, string>;

/** Attribute names of firewall rule lists (shown as counts of rules added and removed). */
export const RULES_PREFIX = 'iptables ';

const join = (xs: Iterable<string>, sep = ', ') => [...xs].join(sep);
const uniqSorted = (xs: Iterable<string>) => [...new Set(xs)].sort(naturalCompare);

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
/** `c2` before `c10`. */
export const naturalCompare = (a: string, b: string): number => collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

function set(a: Attrs, k: string, v: string | undefined) {
  if (v !== undefined && v !== '') a.set(k, v);
}

/** A published port as a user writes it: [hostIP:]hostPort:containerPort[/udp]. */
function portText(d: DnatRule, family: 'ipv4' | 'ipv6'): string {
  const range = (a: number, b: number) => (a === b ? `${a}` : `${a}-${b}`);
  const ip = dnatHostIP(d, family);
  const host = ip === '0.0.0.0' || ip === '::' ? '' : `${ip.includes(':') ? `[${ip}]` : ip}:`;
  return `${host}${range(d.hostPort, d.hostPortEnd)}:${range(d.containerPort, d.containerPortEnd)}${d.protocol === 'udp' ? '/udp' : ''}`;
}

type ChainRes = Extract<Resource, { kind: 'chain' }>;

/**
 * A published-port chain's ports by the container they lead to, parsed once per
 * chain and index: the chain is among the resources of every container it
 * publishes, so reading it again for each would cost containers × rules.
 */
const portsMemo = new WeakMap<OwnerIndex, WeakMap<ChainRes, Map<string, string[]>>>();
function portsByContainer(r: ChainRes, idx: OwnerIndex): Map<string, string[]> {
  let perIdx = portsMemo.get(idx);
  if (!perIdx) portsMemo.set(idx, (perIdx = new WeakMap()));
  let m = perIdx.get(r);
  if (m) return m;
  m = new Map();
  for (const rule of r.rules) {
    const d = parseDnat(rule);
    if (!d) continue;
    const owner = idx.ipContainer.get(normalizeIP(d.containerIP) ?? d.containerIP);
    if (owner === undefined) continue;
    const list = m.get(owner) ?? m.set(owner, []).get(owner)!;
    list.push(portText(d, r.family));
  }
  perIdx.set(r, m);
  return m;
}

/** A namespace's file as the view shows it: its lines, and for a hosts file the entries besides localhost. */
interface FileView {
  lines: string[];
  hosts: string;
}

/** Once per distinct text and index (one plan view): a shared hosts file's text is the hosts file of each of its members. */
const fileViewMemo = new WeakMap<OwnerIndex, Map<string, FileView>>();
function fileView(content: string, idx: OwnerIndex): FileView {
  let memo = fileViewMemo.get(idx);
  if (!memo) fileViewMemo.set(idx, (memo = new Map()));
  let v = memo.get(content);
  if (v) return v;
  const lines = content
    .split('\n')
    .filter((l) => l.trim() && l !== MARK.fileHeader)
    .map((l) => l.replace(/\s+/g, ' '));
  v = { lines, hosts: lines.filter((l) => !/^(127\.0\.0\.1|::1)\s/.test(l)).join('\n') };
  // small files (hostname, resolv.conf) are cheap to read again and mostly differ
  if (content.length > 1024) memo.set(content, v);
  return v;
}

function containerAttrs(name: string, rs: Resource[], idx: OwnerIndex): Attrs {
  const a: Attrs = new Map();
  // interface in the namespace → network (host veth end: its bridge; macvlan: its mark)
  const netOf = new Map<string, string>();
  for (const r of rs) {
    if (r.kind !== 'link') continue;
    const m = aliasMark(r.alias);
    if (r.ns === HOST_NS && r.type === 'veth' && r.peer && r.master) netOf.set(`${r.peer.ns}/${r.peer.ifname}`, idx.hostIfNetwork.get(r.master) ?? r.master);
    if (r.ns !== HOST_NS && m?.[0] === 'macvlan') netOf.set(`${r.ns}/${r.ifname}`, m[1]);
  }
  const ifaces = rs.filter((r): r is LinkRes => r.kind === 'link' && r.ns !== HOST_NS && r.ifname !== 'lo');
  const label = (l: { ns: string; ifname: string }) => netOf.get(`${l.ns}/${l.ifname}`) ?? l.ifname;
  const nets = uniqSorted(ifaces.map(label));
  set(a, 'networks', join(nets));
  for (const l of [...ifaces].sort((x, y) => naturalCompare(label(x), label(y)))) {
    const cidrs = rs.filter((r) => r.kind === 'addr' && r.ns === l.ns && r.ifname === l.ifname).map((r) => (r as { cidr: string }).cidr.split('/')[0]);
    const q = `@${label(l)}`;
    set(a, `ip${q}`, join(cidrs.filter((c) => !c.includes(':'))));
    set(a, `ipv6${q}`, join(cidrs.filter((c) => c.includes(':'))));
    set(a, `mac${q}`, l.mac?.toLowerCase());
    set(a, `mtu${q}`, l.mtu === undefined ? undefined : String(l.mtu));
  }
  const ports: string[] = [];
  const masq: string[] = [];
  for (const r of rs) {
    if (r.kind !== 'chain') continue;
    if (r.chain.startsWith('NK-PORTS-')) ports.push(...(portsByContainer(r, idx).get(name) ?? []));
    if (r.ns === HOST_NS) continue;
    for (const rule of r.rules) {
      const m = /^-o (\S+) -j MASQUERADE$/.exec(rule);
      if (m) masq.push(m[1]);
    }
  }
  set(a, 'ports', join(uniqSorted(ports)));
  set(a, 'masquerade', join(uniqSorted(masq)));
  for (const r of rs) {
    if (r.kind === 'netns') set(a, 'namespace', r.origin === 'shared' ? `shares ${r.sharedWith ?? '?'}` : r.path);
    if (r.kind === 'sysctl' && r.name === 'net.ipv4.ip_forward' && r.ns !== HOST_NS) set(a, 'forwarding', r.value === '1' ? 'true' : 'false');
    // (a shared hosts file is said by the hosts file that links to it)
    if (r.kind === 'file' && r.ns !== HOST_NS) {
      const v = fileView(r.content, idx);
      const lines = v.lines;
      const base = r.path.slice(r.path.lastIndexOf('/') + 1);
      if (base === 'hostname') set(a, 'hostname', lines.join(' '));
      else if (base === 'resolv.conf') set(a, 'dns', lines.join('\n'));
      else if (base === 'hosts') set(a, 'hosts', v.hosts);
      else set(a, base, lines.join('\n'));
    }
  }
  set(a, 'loopback', join(rs.filter((r) => r.kind === 'addr' && r.ifname === 'lo' && r.ns !== HOST_NS).map((r) => (r as { cidr: string }).cidr)));
  const routes = rs.filter((r) => r.kind === 'route' && r.ns !== HOST_NS) as Extract<Resource, { kind: 'route' }>[];
  set(
    a,
    'routes',
    routes
      .map((r) => `${r.dst === 'default6' ? 'default (IPv6)' : r.dst}${r.via ? ` via ${r.via}` : ''}${r.dev ? ` dev ${r.dev}` : ''}`)
      .sort(naturalCompare)
      .join('\n'),
  );
  return a;
}

function networkAttrs(rs: Resource[]): Attrs {
  const a: Attrs = new Map();
  for (const r of rs) {
    if (r.kind !== 'link' || r.ns !== HOST_NS) continue;
    if (r.type === 'bridge') {
      set(a, 'bridge', r.ifname);
      set(a, 'mtu', r.mtu === undefined ? undefined : String(r.mtu));
    }
    if (r.type === 'vxlan' && r.vxlan) {
      set(a, 'vni', String(r.vxlan.vni));
      set(a, 'vxlan port', String(r.vxlan.port));
      set(a, 'this host', r.vxlan.local);
    }
  }
  const addrs = rs.filter((r) => r.kind === 'addr' && r.ns === HOST_NS).map((r) => (r as { cidr: string }).cidr);
  const subnets = addrs.map((c) => {
    const p = parseCidr(c);
    return p ? formatNetwork(p) : c;
  });
  set(a, 'subnet', join(uniqSorted(subnets)));
  set(a, 'gateway', join(uniqSorted(addrs.map((c) => c.split('/')[0]))));
  return a;
}

function linkAttrs(rs: Resource[], idx: OwnerIndex): Attrs {
  const a: Attrs = new Map();
  const ends = (rs.filter((r) => r.kind === 'link') as LinkRes[])
    .map((l) => ({ l, name: `${l.ns === HOST_NS ? 'host' : (idx.nsContainer.get(l.ns) ?? l.ns)}/${l.ifname}` }))
    .sort((x, y) => naturalCompare(x.name, y.name));
  set(
    a,
    'ends',
    join(
      ends.map((e) => e.name),
      ' ↔ ',
    ),
  );
  set(a, 'mtu', join(uniqSorted(ends.map((e) => String(e.l.mtu ?? '')).filter(Boolean))));
  for (const e of ends) {
    const ips = rs.filter((r) => r.kind === 'addr' && r.ns === e.l.ns && r.ifname === e.l.ifname).map((r) => (r as { cidr: string }).cidr);
    set(a, `ip@${e.name}`, join(ips));
    set(a, `mac@${e.name}`, e.l.mac?.toLowerCase());
  }
  return a;
}

function hostAttrs(rs: Resource[], idx: OwnerIndex): Attrs {
  const a: Attrs = new Map();
  const byNet = new Map<string, { members: string[]; flood: boolean }>();
  const of = (dev: string) => {
    const n = idx.hostIfNetwork.get(dev) ?? dev;
    if (!byNet.has(n)) byNet.set(n, { members: [], flood: false });
    return byNet.get(n)!;
  };
  for (const r of rs) {
    if (r.kind === 'neigh') of(r.dev).members.push([idx.ipContainer.get(normalizeIP(r.ip) ?? r.ip), r.ip].filter(Boolean).join(' '));
    if (r.kind === 'fdb' && r.mac === '00:00:00:00:00:00') of(r.dev).flood = true;
    if (r.kind === 'fdb' && r.dst && r.mac !== '00:00:00:00:00:00') set(a, 'address', r.dst);
  }
  for (const [n, v] of [...byNet].sort((x, y) => naturalCompare(x[0], y[0]))) {
    set(a, `containers@${n}`, uniqSorted(v.members).join('\n'));
    if (v.flood) set(a, `floods@${n}`, 'yes');
  }
  return a;
}

function settingsAttrs(rs: Resource[]): Attrs {
  const a: Attrs = new Map();
  for (const r of rs) {
    if (r.kind === 'sysctl') set(a, r.name, r.value);
    else if (r.kind === 'chain') a.set(`${RULES_PREFIX}${r.family === 'ipv6' ? 'ipv6 ' : ''}${r.table}/${r.chain}`, r.rules.join('\n') || '(empty)');
    else if (r.kind === 'hook') set(a, `jump ${r.family === 'ipv6' ? 'ipv6 ' : ''}${r.table}/${r.chain} → ${r.rule.replace(/^.*-j (\S+)$/, '$1')}`, 'present');
    else set(a, r.key, 'present');
  }
  return a;
}

/** The attributes of one declared object, from the resources it owns on one side (before or after). */
export function attributes(owner: Owner, rs: Resource[], idx: OwnerIndex): Attrs {
  switch (owner.kind) {
    case 'container':
      return containerAttrs(owner.name, rs, idx);
    case 'network':
      return networkAttrs(rs);
    case 'link':
      return linkAttrs(rs, idx);
    case 'host':
      return hostAttrs(rs, idx);
    case 'settings':
      return settingsAttrs(rs);
  }
}
