// Changes → the ip/bridge part of the program (src/render/index.ts), in as few processes as possible:
// one `ip -batch` for the host, one per namespace (before the host batch for what
// must go first, after it for the rest), one `bridge -batch` per namespace for
// FDB entries, sysctl and file writes, and namespace bind mounts. Pure.

import { HOST_NS, MARK } from '../model/resources.js';
import type { LinkRes, Resource } from '../model/resources.js';
import { changeSubject, type Change } from '../model/plan.js';
import { isPrimaryEnd, observedPeer } from '../plan/diff.js';
import { netnsPath } from '../model/netns-path.js';
import { outlivesItsNetns } from '../plan/netns-leftovers.js';
import { ETC_NETNS_DIR } from '../plan/desired-files.js';
import { SHARED_HOSTS_DIRNAME } from '../model/shared-hosts-path.js';

export interface Line {
  /** one line of an `ip -batch` (or `bridge -batch`) input */
  text: string;
  /** the change it carries out */
  key: string;
}

/** The ip/bridge/sysctl/file part of a Program (src/render/program.ts). */
export interface IpProgram {
  /** per namespace: deletions run before the host batch (a name must be free before it is made again) */
  nsPre: Map<string, Line[]>;
  host: Line[];
  /** bind mounts for `mode: container:<name>` namespaces */
  mounts: { source: string; target: string; key: string }[];
  nsPost: Map<string, Line[]>;
  /** `bridge -batch` lines per namespace */
  bridge: Map<string, Line[]>;
  sysctls: { ns: string; name: string; value: string; key: string }[];
  /** content null: remove; `link`: a symbolic link to that target */
  files: { path: string; content: string | null; key: string; link?: string }[];
  /** /etc/netns/<name> directories that go whole (their container left): keys of the files in them */
  dirs: { path: string; keys: string[] }[];
  /** nsenter path of every namespace named above */
  nsPaths: Record<string, string>;
}

const push = (m: Map<string, Line[]>, ns: string, line: Line) => {
  const list = m.get(ns);
  if (list) list.push(line);
  else m.set(ns, [line]);
};

function q(s: string): string {
  return /^[A-Za-z0-9_.:/@+-]+$/.test(s) ? s : `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

function netnsArg(ns: string, paths: Record<string, string>): string {
  return ns === HOST_NS ? '' : ` netns ${netnsPath(ns, paths)}`;
}

function ipDst(dst: string): string {
  return dst === 'default6' ? '::/0' : dst;
}

function linkAdd(l: LinkRes, paths: Record<string, string>): string {
  const mtu = l.mtu ? ` mtu ${l.mtu}` : '';
  const mac = l.mac ? ` address ${l.mac}` : '';
  const head = `link add name ${l.ifname}${netnsArg(l.ns, paths)}${mtu}${mac}`;
  switch (l.type) {
    case 'bridge':
      return `${head} type bridge`;
    case 'vxlan': {
      const v = l.vxlan!;
      return `${head} type vxlan id ${v.vni}${v.local ? ` local ${v.local}` : ''} dstport ${v.port}${v.dev ? ` dev ${v.dev}` : ''}${v.learning ? '' : ' nolearning'}${v.proxy ? ' proxy' : ''}`;
    }
    case 'macvlan':
      return `link add name ${l.ifname} link ${l.macvlan!.parent}${netnsArg(l.ns, paths)}${mtu}${mac} type macvlan mode ${l.macvlan!.mode}`;
    case 'veth': {
      const p = l.peer!;
      return `${head} type veth peer name ${p.ifname}${netnsArg(p.ns, paths)}${mtu}`;
    }
    default:
      throw new Error(`cannot create an interface of type ${l.type}`);
  }
}

/** `link set` lines that bring a (new or existing) link to its desired settings. */
function linkSettings(d: LinkRes, o: LinkRes | undefined, key: string, masterFresh = false): Line[] {
  const out: Line[] = [];
  if (d.addrgenNone && !o?.addrgenNone) out.push({ text: `link set dev ${d.ifname} addrgenmode none`, key });
  // a rollback (its target is an observed before image, whose `false` is explicit): the kernel's default mode
  if (d.addrgenNone === false && o?.addrgenNone) out.push({ text: `link set dev ${d.ifname} addrgenmode eui64`, key });
  const opts: string[] = [];
  if (o && d.mtu !== undefined && d.mtu !== o.mtu) opts.push(`mtu ${d.mtu}`);
  if (d.mac && (!o || d.mac.toLowerCase() !== o.mac?.toLowerCase()) && (o || d.type === 'veth')) opts.push(`address ${d.mac}`);
  // a bridge made anew has no ports: join it again even if the name is the same
  if (d.master !== undefined && (masterFresh || d.master !== (o?.master ?? null))) opts.push(d.master ? `master ${d.master}` : 'nomaster');
  if (d.alias !== undefined && d.alias !== o?.alias) opts.push(`alias ${q(d.alias)}`);
  if (d.up !== o?.up) opts.push(d.up ? 'up' : 'down');
  if (opts.length) out.push({ text: `link set dev ${d.ifname} ${opts.join(' ')}`, key });
  // a rollback takes a namespace's lo back down as `ip netns add` left it: without the
  // addresses (127.0.0.1/8) the kernel gave it when it came up (desired lo is always up)
  if (d.type === 'loopback' && d.up === false && o?.up) out.push({ text: `address flush dev ${d.ifname}`, key });
  // bridge port flags: after `master` (a port joining a bridge starts with the defaults)
  const joins = opts.some((x) => x.startsWith('master '));
  if (d.portLearning !== undefined && (joins || d.portLearning !== (o?.portLearning ?? true)))
    out.push({ text: `link set dev ${d.ifname} type bridge_slave learning ${d.portLearning ? 'on' : 'off'}`, key });
  if (d.hairpin !== undefined && (joins ? d.hairpin : d.hairpin !== (o?.hairpin ?? false)))
    out.push({ text: `link set dev ${d.ifname} type bridge_slave hairpin ${d.hairpin ? 'on' : 'off'}`, key });
  return out;
}

/** Keys removed by this plan (deleted or replaced). */
function removedKeys(changes: Change[]): Set<string> {
  return new Set(changes.filter((c) => c.action === 'delete' || c.action === 'replace').map((c) => c.key));
}

export function renderIp(changes: Change[], known: Resource[]): IpProgram {
  const paths: Record<string, string> = {};
  for (const r of known) if (r.kind === 'netns') paths[r.name] = r.path;
  for (const c of changes) {
    const r = changeSubject(c);
    if (r.kind === 'netns') paths[r.name] = r.path;
  }
  const prog: IpProgram = {
    nsPre: new Map(),
    host: [],
    mounts: [],
    nsPost: new Map(),
    bridge: new Map(),
    sysctls: [],
    files: [],
    dirs: [],
    nsPaths: paths,
  };
  const removed = removedKeys(changes);
  const made = new Set(changes.filter((c) => c.action === 'create' || c.action === 'replace').map((c) => c.key));
  const nsLine = (phase: 'pre' | 'post', ns: string, line: Line) => {
    if (ns === HOST_NS) prog.host.push(line);
    else push(phase === 'pre' ? prog.nsPre : prog.nsPost, ns, line);
  };

  // removals first (the changes are ordered: deepest objects first)
  for (const c of changes) {
    if (c.action !== 'delete' && c.action !== 'replace') continue;
    const o = c.before!;
    switch (o.kind) {
      case 'netns':
        prog.host.push({ text: `netns delete ${o.name}`, key: c.key });
        break;
      case 'link': {
        if (o.type === 'loopback') break;
        const p = observedPeer(o);
        if (p && removed.has(`link:${p.ns}/${p.ifname}`) && !isPrimaryEnd({ ...o, peer: p })) break; // the pair goes with its other end
        if (o.ns !== HOST_NS && removed.has(`netns:${o.ns}`) && !(c.action === 'delete' && outlivesItsNetns(o, p, removed))) break;
        nsLine('pre', o.ns, { text: `link del dev ${o.ifname}`, key: c.key });
        break;
      }
      case 'addr':
        if (c.action === 'delete') nsLine('pre', o.ns, { text: `addr del ${o.cidr} dev ${o.ifname}`, key: c.key });
        break;
      case 'route':
        if (c.action === 'delete')
          nsLine('pre', o.ns, { text: `route del ${ipDst(o.dst)}${o.dev ? ` dev ${o.dev}` : ''} proto ${MARK.routeProto}`, key: c.key });
        break;
      case 'neigh':
        nsLine('pre', o.ns, { text: `neigh del ${o.ip} dev ${o.dev}`, key: c.key });
        break;
      case 'fdb':
        push(prog.bridge, o.ns, {
          text: o.master ? `fdb del ${o.mac} dev ${o.dev} master` : `fdb del ${o.mac} dev ${o.dev} dst ${o.dst} self`,
          key: c.key,
        });
        break;
      case 'file':
        if (c.action === 'delete') prog.files.push({ path: o.path, content: null, key: c.key });
        break;
      default:
        break; // sysctl never deleted; chains and hooks are rendered by the firewall renderer
    }
  }

  for (const c of changes) {
    if (c.action === 'delete') continue;
    const d = c.after!;
    const fresh = c.action !== 'update' && c.action !== 'adopt';
    switch (d.kind) {
      case 'netns':
        if (!fresh) break;
        if (d.origin === 'named') prog.host.push({ text: `netns add ${d.name}`, key: c.key });
        else if (d.origin === 'shared' && d.sharedWith) prog.mounts.push({ source: netnsPath(d.sharedWith, paths)!, target: d.path, key: c.key });
        break;
      case 'link': {
        const o = fresh ? undefined : (c.before as LinkRes);
        if (fresh && d.type !== 'loopback' && (d.type !== 'veth' || isPrimaryEnd(d))) {
          prog.host.push({ text: linkAdd(d, paths), key: c.key });
        }
        // a veth end made with its peer gets its MAC here (the add line sets only the primary's)
        const settings = linkSettings(d, o, c.key, !!d.master && made.has(`link:${d.ns}/${d.master}`));
        if (d.ns === HOST_NS) prog.host.push(...settings);
        else for (const l of settings) push(prog.nsPost, d.ns, l);
        break;
      }
      case 'addr': {
        const v6 = d.cidr.includes(':');
        const label = d.ifname === 'lo' && !v6 ? ` label ${MARK.loLabel}` : '';
        nsLine('post', d.ns, { text: `addr replace ${d.cidr} dev ${d.ifname}${label}${v6 ? ' nodad' : ''}`, key: c.key });
        break;
      }
      case 'route': {
        const via = d.via ? ` via ${d.via}` : '';
        const dev = d.dev ? ` dev ${d.dev}` : '';
        nsLine('post', d.ns, {
          text: `route replace ${ipDst(d.dst)}${via}${dev} proto ${MARK.routeProto}${d.onlink ? ' onlink' : ''}`,
          key: c.key,
        });
        break;
      }
      case 'neigh':
        nsLine('post', d.ns, { text: `neigh replace ${d.ip} lladdr ${d.mac} dev ${d.dev} nud permanent`, key: c.key });
        break;
      case 'fdb':
        push(prog.bridge, d.ns, {
          text: d.master ? `fdb replace ${d.mac} dev ${d.dev} master static` : `fdb append ${d.mac} dev ${d.dev} dst ${d.dst} self permanent`,
          key: c.key,
        });
        break;
      case 'sysctl':
        prog.sysctls.push({ ns: d.ns, name: d.name, value: d.value, key: c.key });
        break;
      case 'file':
        prog.files.push({ path: d.path, content: d.content, key: c.key, ...(d.link !== undefined ? { link: d.link } : {}) });
        break;
      default:
        break;
    }
  }
  // a directory all of whose files go is removed whole (see apply: renamed away
  // first, so a run killed half-way leaves nothing that looks like a container's)
  const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/'));
  const keep = new Set<string>();
  for (const r of known) if (r.kind === 'file' && !removed.has(r.key)) keep.add(dirOf(r.path));
  for (const c of changes) if (c.action !== 'delete' && c.after?.kind === 'file') keep.add(dirOf(c.after.path));
  const whole = new Map<string, string[]>();
  const sharedDir = `${ETC_NETNS_DIR}/${SHARED_HOSTS_DIRNAME}`;
  for (const f of prog.files) {
    // (the shared hosts files go one by one, after the links to them; the directory goes when empty)
    if (f.content !== null || keep.has(dirOf(f.path)) || dirOf(f.path) === sharedDir) continue;
    whole.set(dirOf(f.path), [...(whole.get(dirOf(f.path)) ?? []), f.key]);
  }
  prog.files = prog.files.filter((f) => !whole.has(dirOf(f.path)) || f.content !== null);
  // `hostname` has no room for the header: it counts as netkeeper's only beside a marked
  // hosts or resolv.conf. So it is written after them and removed before them, and a run
  // killed in between never leaves an unmarked hostname alone.
  // A shared hosts file (/etc/netns/.hosts/<set>) is written before the links to it
  // and removed after them, so no container's hosts file ever points at nothing.
  const isHostname = (f: { path: string }) => f.path.endsWith('/hostname');
  const isShared = (f: { path: string }) => dirOf(f.path) === sharedDir;
  const rank = (f: { path: string; content: string | null }) =>
    isShared(f) ? (f.content === null ? 5 : 0) : f.content === null ? (isHostname(f) ? 1 : 2) : isHostname(f) ? 4 : 3;
  prog.files.sort((a, b) => rank(a) - rank(b));
  prog.dirs = [...whole].map(([path, keys]) => ({ path, keys }));
  return prog;
}
