// `ip [-j -d -N] [-force] -batch -` against the fake state: each line is parsed and
// applied to one namespace; show lines print one JSON array each. A failing line
// prints the kernel's error text then "Command failed -:N" on stderr (what
// batchErrors in src/shell/apply.ts reads); without -force the batch stops there.
// An argument ip cannot parse aborts the whole batch with exit 255, as iproute2 does.
// (Over 300 lines on purpose: the whole `ip` grammar netkeeper emits, one function per object, read together.)

import { parseIP, cidrContains, parseCidrOrHost } from '../../../src/model/ip.js';
import type { KernelState } from './kernel.js';
import { adjustBridgeMtu, newLink, routeDst, type FakeLink, type FakeNs, type FakeRoute } from './state.js';
import { addrShow, allRoutes, linkShow, neighShow, netconfShow, routeShowMain, routeShowProto } from './ip-show.js';

/** A line that fails: the kernel's message. */
export class LineError extends Error {}
/** A line ip cannot parse: the whole batch is aborted (exit 255). */
export class ParseAbort extends Error {}

/** iproute2's makeargs: words split on blanks, double quotes group, backslash escapes. */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (ch === '"') {
      quoted = !quoted;
      inWord = true;
    } else if (!quoted && (ch === ' ' || ch === '\t')) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** rt_protos names iproute2 knows (the ones a test may write). */
const PROTOS: Record<string, number> = { kernel: 2, boot: 3, static: 4, ra: 9, dhcp: 16 };

const noDev = (n: string) => new LineError(`Cannot find device "${n}"`);
const EXISTS = 'RTNETLINK answers: File exists';

export interface BatchContext {
  kernel: KernelState;
  ns: FakeNs;
  json: boolean;
}

/** Options of a `link add`/`link set` line as key → value (flags map to ''). */
function takeOpts(args: string[], valued: Set<string>, bare: Set<string>): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (valued.has(a)) {
      if (i + 1 >= args.length) throw new ParseAbort(`Command line is not complete. Try option "help"`);
      m.set(a, args[++i]);
    } else if (bare.has(a)) m.set(a, '');
    else throw new ParseAbort(`Error: either "dev" is duplicate, or "${a}" is a garbage.`);
  }
  return m;
}

function nsArg(ctx: BatchContext, v: string | undefined): FakeNs {
  if (v === undefined) return ctx.ns;
  const path = v.startsWith('/') ? v : `/run/netns/${v}`;
  const t = ctx.kernel.resolve(path);
  if (!t || !('ns' in t)) throw new ParseAbort(`Error: argument "${v}" is wrong: Invalid "netns" value\n`);
  return t.ns;
}

function linkAdd(ctx: BatchContext, args: string[]): void {
  const ti = args.indexOf('type');
  if (ti < 0) throw new ParseAbort('Not enough information: "type" argument is required');
  const headArgs = args.slice(0, ti);
  // `link add NAME …` is `link add name NAME …`
  if (headArgs.length % 2 === 1 && !['name', 'netns', 'mtu', 'address', 'link'].includes(headArgs[0])) headArgs.unshift('name');
  const head = takeOpts(headArgs, new Set(['name', 'netns', 'mtu', 'address', 'link']), new Set());
  const kind = args[ti + 1];
  const rest = args.slice(ti + 2);
  const name = head.get('name');
  if (!name) throw new ParseAbort('Not enough information: "dev" argument is required.');
  const target = nsArg(ctx, head.get('netns'));
  const mtu = head.has('mtu') ? Number(head.get('mtu')) : undefined;
  const mac = head.get('address');
  const base = { ...(mtu ? { mtu } : {}), ...(mac ? { mac } : {}) };
  switch (kind) {
    case 'bridge':
    case 'dummy': {
      if (target.byName(name)) throw new LineError(EXISTS);
      newLink(target, name, kind, { ...base, ...(kind === 'bridge' && mtu ? { mtuSetByUser: true } : {}) });
      return;
    }
    case 'vxlan': {
      const o = takeOpts(rest, new Set(['id', 'local', 'dstport', 'dev']), new Set(['nolearning', 'learning', 'proxy']));
      if (!o.has('id')) throw new ParseAbort('vxlan: missing virtual network identifier');
      const dev = o.get('dev');
      if (dev && !ctx.ns.byName(dev)) throw noDev(dev);
      if (target.byName(name)) throw new LineError(EXISTS);
      // the kernel takes the underlay's overhead off: 1450 over a 1500 device
      const under = dev ? ctx.ns.byName(dev)!.mtu : 1500;
      newLink(target, name, 'vxlan', {
        mtu: under - 50,
        ...base,
        vxlan: {
          id: Number(o.get('id')),
          port: Number(o.get('dstport') ?? 8472),
          learning: !o.has('nolearning'),
          proxy: o.has('proxy'),
          ...(o.get('local') ? { local: o.get('local') } : {}),
          ...(dev ? { dev } : {}),
        },
      });
      return;
    }
    case 'macvlan': {
      const o = takeOpts(rest, new Set(['mode']), new Set());
      const parentName = head.get('link');
      const parent = parentName ? ctx.ns.byName(parentName) : undefined;
      if (!parent) throw noDev(parentName ?? '');
      if (target.byName(name)) throw new LineError(EXISTS);
      newLink(target, name, 'macvlan', { ...base, parent, macvlanMode: o.get('mode') ?? 'vepa' });
      return;
    }
    case 'veth': {
      if (rest[0] !== 'peer') throw new ParseAbort(`Error: either "dev" is duplicate, or "${rest[0]}" is a garbage.`);
      const peerArgs = rest.slice(1);
      if (peerArgs.length % 2 === 1 && !['name', 'netns', 'mtu', 'address'].includes(peerArgs[0])) peerArgs.unshift('name');
      const p = takeOpts(peerArgs, new Set(['name', 'netns', 'mtu', 'address']), new Set());
      const peerNs = nsArg(ctx, p.get('netns'));
      const peerName = p.get('name') ?? `veth${target.nextIfindex}`;
      if (target.byName(name) || peerNs.byName(peerName) || (peerNs === target && peerName === name)) throw new LineError(EXISTS);
      const a = newLink(target, name, 'veth', base);
      const b = newLink(peerNs, peerName, 'veth', {
        ...(p.get('mtu') ? { mtu: Number(p.get('mtu')) } : {}),
        ...(p.get('address') ? { mac: p.get('address') } : {}),
      });
      a.peer = b;
      b.peer = a;
      return;
    }
    default:
      throw new ParseAbort(`Error: Unknown device type.`);
  }
}

function linkSet(ctx: BatchContext, args: string[]): void {
  if (args[0] !== 'dev') args = ['dev', ...args]; // `link set NAME …`
  const link = ctx.ns.byName(args[1]);
  if (!link) throw noDev(args[1]);
  let i = 2;
  if (args[i] === 'type' && args[i + 1] === 'bridge_slave') {
    if (link.master?.kind !== 'bridge') throw new LineError('Error: Device is not a bridge port.'); // not the exact text
    for (i += 2; i < args.length; i += 2) {
      const on = args[i + 1] === 'on';
      if (args[i] === 'learning') link.learning = on;
      else if (args[i] === 'hairpin') link.hairpin = on;
      else throw new ParseAbort(`Error: either "dev" is duplicate, or "${args[i]}" is a garbage.`);
    }
    return;
  }
  // validate everything before changing anything (one netlink request)
  const o = takeOpts(args.slice(2), new Set(['mtu', 'address', 'master', 'alias', 'addrgenmode']), new Set(['nomaster', 'up', 'down']));
  const master = o.get('master');
  const m = master !== undefined ? ctx.ns.byName(master) : undefined;
  if (master !== undefined && !m) throw noDev(master);
  if (m && m.kind !== 'bridge') throw new LineError('RTNETLINK answers: Operation not supported');
  const oldMaster = link.master;
  if (o.has('mtu')) {
    link.mtu = Number(o.get('mtu'));
    if (link.kind === 'bridge') link.mtuSetByUser = true;
  }
  if (o.has('address')) link.mac = o.get('address')!.toLowerCase();
  if (o.get('addrgenmode') === 'none') link.addrgenNone = true;
  else if (o.has('addrgenmode')) link.addrgenNone = false;
  if (m) {
    if (link.master !== m) {
      link.learning = true;
      link.hairpin = false;
    }
    link.master = m;
  }
  if (o.has('nomaster')) link.master = undefined;
  adjustBridgeMtu(oldMaster);
  adjustBridgeMtu(link.master);
  if (o.has('alias')) link.alias = o.get('alias') || undefined;
  if (o.has('up')) link.up = true;
  if (o.has('down')) ctx.kernel.setDown(link);
}

function addrCmd(ctx: BatchContext, verb: string, args: string[]): void {
  const c = parseCidrOrHost(args[0] ?? '');
  if (!c) throw new ParseAbort(`Error: any valid prefix is expected rather than "${args[0]}".`);
  const o = takeOpts(args.slice(1), new Set(['dev', 'label']), new Set(['nodad']));
  const dev = o.get('dev');
  const link = dev ? ctx.ns.byName(dev) : undefined;
  if (!link) throw noDev(dev ?? '');
  const family = c.family === 4 ? 'inet' : 'inet6';
  const local = args[0].split('/')[0].toLowerCase();
  const prefixlen = c.prefix;
  const idx = link.addrs.findIndex((a) => a.family === family && a.local === local && (family === 'inet6' || a.prefixlen === prefixlen));
  if (verb === 'del') {
    if (idx < 0) throw new LineError(family === 'inet' ? 'Error: ipv4: Address not found.' : 'RTNETLINK answers: Cannot assign requested address');
    link.addrs.splice(idx, 1);
    // the last IPv4 address gone, the kernel disables IP on the device: its IPv4 routes go (fib_disable_ip)
    if (family === 'inet' && !link.addrs.some((a) => a.family === 'inet'))
      ctx.ns.routes = ctx.ns.routes.filter((r) => r.family !== 'inet' || r.dev !== link.ifname);
    return;
  }
  if (verb === 'add' && idx >= 0) throw new LineError(EXISTS);
  const label = o.get('label');
  if (label !== undefined && !label.startsWith(link.ifname)) throw new ParseAbort(`"${label}" is not a valid label: it must start with the interface name`);
  const addr = { family, local, prefixlen, ...(label ? { label } : {}), ...(o.has('nodad') ? { nodad: true } : {}) } as const;
  if (idx >= 0) link.addrs[idx] = addr;
  else link.addrs.push(addr);
}

/** Is `gw` directly reachable: inside a gateway-less route (connected or `dev` route) over an up link? */
function reachable(ns: FakeNs, gw: string, dev?: string): FakeLink | undefined {
  const ip = parseIP(gw)!;
  for (const r of allRoutes(ns)) {
    if (r.gateway || !r.dev || (dev && r.dev !== dev)) continue;
    const c = parseCidrOrHost(r.dst === 'default' ? (r.family === 'inet' ? '0.0.0.0/0' : '::/0') : r.dst);
    const link = ns.byName(r.dev);
    if (c && cidrContains(c, ip) && link?.up) return link;
  }
  return undefined;
}

function routeCmd(ctx: BatchContext, verb: string, args: string[]): void {
  const d = routeDst(args[0] === '::/0' ? '::/0' : (args[0] ?? ''));
  if (!d) throw new ParseAbort(`Error: any valid prefix is expected rather than "${args[0]}".`);
  const family = args[0] === 'default' && args.includes('via') && args[args.indexOf('via') + 1]?.includes(':') ? 'inet6' : d.family;
  const o = takeOpts(args.slice(1), new Set(['via', 'dev', 'proto', 'table', 'metric']), new Set(['onlink']));
  const proto = o.has('proto') ? (PROTOS[o.get('proto')!] ?? Number(o.get('proto'))) : 3;
  if (Number.isNaN(proto)) throw new ParseAbort(`Error: "protocol" value is invalid`);
  const devName = o.get('dev');
  const dev = devName !== undefined ? ctx.ns.byName(devName) : undefined;
  if (devName !== undefined && !dev) throw noDev(devName);
  const matches = (r: FakeRoute) =>
    r.family === family && r.dst === d.dst && r.table === 254 && (!devName || r.dev === devName) && (!o.has('proto') || r.protocol === proto);
  if (verb === 'del') {
    const i = ctx.ns.routes.findIndex(matches);
    if (i < 0) throw new LineError('RTNETLINK answers: No such process');
    ctx.ns.routes.splice(i, 1);
    return;
  }
  const via = o.get('via');
  let out = dev;
  if (via !== undefined) {
    if (!parseIP(via)) throw new ParseAbort(`Error: inet address is expected rather than "${via}".`);
    if (!o.has('onlink')) {
      const through = reachable(ctx.ns, via, devName);
      if (!through) throw new LineError('Error: Nexthop has invalid gateway.');
      out = through;
    } else if (!dev) throw new LineError('Error: Device for nexthop is not up.');
    else if (!dev.up) throw new LineError('Error: Nexthop device is not up.');
  } else if (!dev) throw new LineError('Error: Device for nexthop is not up.');
  else if (!dev.up) throw new LineError('Error: Nexthop device is not up.'); // a route needs its device up (linkdown otherwise: kept simple)
  const route: FakeRoute = {
    family,
    dst: d.dst,
    ...(via ? { gateway: via.toLowerCase() } : {}),
    dev: out!.ifname,
    protocol: proto,
    table: 254,
    scope: via ? 0 : 253,
    onlink: o.has('onlink'),
  };
  if (!via) route.scope = family === 'inet' ? 253 : 0;
  // `replace` replaces the route of that destination (same table, family, metric); `add` refuses it
  const same = (r: FakeRoute) => r.family === family && r.dst === d.dst && r.table === 254;
  const i = ctx.ns.routes.findIndex(same);
  if (verb === 'add' && i >= 0) throw new LineError(EXISTS);
  if (i >= 0) ctx.ns.routes[i] = route;
  else ctx.ns.routes.push(route);
}

function neighCmd(ctx: BatchContext, verb: string, args: string[]): void {
  const ip = args[0]?.toLowerCase();
  const o = takeOpts(args.slice(1), new Set(['lladdr', 'dev', 'nud']), new Set());
  const dev = o.get('dev') ?? '';
  if (!ctx.ns.byName(dev)) throw noDev(dev);
  const i = ctx.ns.neigh.findIndex((n) => n.dst === ip && n.dev === dev);
  if (verb === 'del') {
    if (i < 0) throw new LineError('RTNETLINK answers: No such file or directory');
    ctx.ns.neigh.splice(i, 1);
    return;
  }
  const n = { dst: ip, dev, lladdr: (o.get('lladdr') ?? '').toLowerCase() };
  if (i >= 0) ctx.ns.neigh[i] = n;
  else ctx.ns.neigh.push(n);
}

function netnsCmd(ctx: BatchContext, verb: string, args: string[]): void {
  const name = args[0];
  const path = `/run/netns/${name}`;
  if (verb === 'add') {
    if (ctx.kernel.resolve(path)) throw new LineError(`Cannot create namespace file "${path}": File exists`);
    ctx.kernel.mounts.set(path, ctx.kernel.makeNs());
    return;
  }
  if (verb === 'delete' || verb === 'del') {
    const stale = ctx.kernel.staleFiles.delete(path);
    if (ctx.kernel.mounts.has(path)) ctx.kernel.unmount(path);
    else if (!stale) throw new LineError(`Cannot remove namespace file "${path}": No such file or directory`);
    return;
  }
  throw new ParseAbort(`Command "${verb}" is unknown, try "ip netns help".`);
}

/** Run one line. Returns its stdout (show lines) or throws LineError / ParseAbort. */
export function runIpLine(ctx: BatchContext, line: string): string {
  const [obj, verb = 'show', ...args] = splitArgs(line);
  const show = (v: unknown) => (ctx.json ? JSON.stringify(v) + '\n' : '');
  switch (obj) {
    case 'link':
      if (verb === 'show') return show(linkShow(ctx.ns));
      if (verb === 'add') return (linkAdd(ctx, args), '');
      if (verb === 'set') return (linkSet(ctx, args), '');
      if (verb === 'del' || verb === 'delete') {
        const l = ctx.ns.byName(args[args[0] === 'dev' ? 1 : 0]);
        if (!l) throw noDev(args[1]);
        if (l.kind === 'loopback') throw new LineError('RTNETLINK answers: Operation not supported');
        ctx.kernel.deleteLink(l);
        return '';
      }
      break;
    case 'addr':
    case 'address':
      if (verb === 'show') return show(addrShow(ctx.ns));
      if (verb === 'add' || verb === 'replace' || verb === 'del') return (addrCmd(ctx, verb, args), '');
      break;
    case 'route':
      if (verb === 'show') {
        const proto = args.indexOf('proto');
        return show(proto >= 0 ? routeShowProto(ctx.ns, Number(args[proto + 1])) : routeShowMain(ctx.ns));
      }
      if (verb === 'add' || verb === 'replace' || verb === 'del') return (routeCmd(ctx, verb, args), '');
      break;
    case 'neigh':
      if (verb === 'show') return show(neighShow(ctx.ns));
      if (verb === 'replace' || verb === 'add' || verb === 'del') return (neighCmd(ctx, verb, args), '');
      break;
    case 'netconf':
      return show(netconfShow(ctx.ns));
    case 'netns':
      return (netnsCmd(ctx, verb, args), '');
  }
  throw new ParseAbort(`Object "${obj}" is unknown, try "ip help".`);
}
