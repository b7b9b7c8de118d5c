// Namespaces → Container documents: the namespace (an `ip netns` one by its name, to be
// taken over with --adopt; a Docker sandbox by `netns: {path}`), its
// attachments (each veth whose host end is a port of an imported bridge: interface
// name, address, MAC), its default and extra routes, extra loopback addresses,
// forwarding, and the ports published to it by DNAT rules. Pure.

import { HOST_NS, type LinkRes } from '../model/resources.js';
import { namedNetnsPath } from '../model/netns-path.js';
import { cidrContains, formatAddrPrefix, formatIP, parseCidrOrHost, parseIP, type Cidr } from '../model/ip.js';
import { normalizeDst } from '../observe/routes.js';
import type { IpRoute } from '../observe/ip-json.js';
import type { ImportedDoc, ImportNamespace, ReportItem } from './input.js';
import type { Dnat } from './iptables.js';
import { addrsOf, type HostIndex } from './host-model.js';
import { isCable, type ImportedLink } from './links.js';
import type { ImportedNetwork } from './networks.js';

/** A namespace interface whose host end is a bridge port. */
export interface Attachment {
  ns: string;
  link: LinkRes;
  bridge: string;
  hostEnd: string;
  addrs: Cidr[];
}

/** Every veth of the namespaces read whose other end is a port of a host bridge. */
export function findAttachments(idx: HostIndex, namespaces: readonly string[]): Attachment[] {
  const out: Attachment[] = [];
  for (const ns of namespaces) {
    for (const l of idx.links.get(ns) ?? []) {
      if (l.type !== 'veth' || l.peer?.ns !== HOST_NS) continue;
      const master = idx.hostLinks.get(l.peer.ifname)?.master;
      if (!master || !idx.bridges.has(master)) continue;
      out.push({ ns, link: l, bridge: master, hostEnd: l.peer.ifname, addrs: addrsOf(idx, ns, l.ifname) });
    }
  }
  return out;
}

const KERNEL_PROTO = new Set(['kernel', '2']);

function portText(d: Dnat): string {
  const range = (a: number, b: number) => (a === b ? `${a}` : `${a}-${b}`);
  const host = d.dest ? `${d.dest}:` : '';
  return `${host}${range(d.hostPort, d.hostPortEnd)}:${range(d.toPort, d.toPortEnd)}${d.protocol === 'udp' ? '/udp' : ''}`;
}

/**
 * Ports in order (protocol, host port), the same rule in two chains once, and runs
 * of consecutive ports to one address (Docker writes a range as one rule per port)
 * as one range.
 */
export function mergeRuns(dnats: readonly Dnat[]): Dnat[] {
  const sorted = [...dnats].sort((a, b) => (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : a.hostPort - b.hostPort || a.toPort - b.toPort));
  const out: Dnat[] = [];
  for (const d of sorted) {
    const p = out[out.length - 1];
    const same = p && p.protocol === d.protocol && p.dest === d.dest && p.toIP === d.toIP && p.inIf === d.inIf;
    if (same && p.hostPort === d.hostPort && p.hostPortEnd === d.hostPortEnd && p.toPort === d.toPort) continue;
    if (same && d.hostPort === p.hostPortEnd + 1 && d.toPort === p.toPortEnd + 1 && d.hostPortEnd - d.hostPort === d.toPortEnd - d.toPort) {
      out[out.length - 1] = { ...p, hostPortEnd: d.hostPortEnd, toPortEnd: d.toPortEnd };
      continue;
    }
    out.push(d);
  }
  return out;
}

export interface ContainerContext {
  idx: HostIndex;
  networks: ImportedNetwork[];
  attachments: Attachment[];
  links: ImportedLink[];
  routes: Map<string, IpRoute[]>;
  dnats: Dnat[];
  /** namespace → Container name */
  names: Map<string, string>;
  report: ReportItem[];
}

export function buildContainer(ns: ImportNamespace, ctx: ContainerContext, usedDnats: Set<Dnat>): ImportedDoc {
  const { idx, report } = ctx;
  const name = ctx.names.get(ns.name)!;
  const object = `Container ${name}`;
  const note = (message: string) => report.push({ object, kind: 'Container', message });
  const notes: string[] = [];
  const body: Record<string, unknown> = { kind: 'Container', name };
  if (ns.origin === 'docker') {
    body.netns = { path: ns.path };
    notes.push(
      `Docker container ${ns.dockerId?.slice(0, 12) ?? '?'}${ns.image ? ` (image ${ns.image})` : ''}, pid ${ns.pid ?? '?'}; its sandbox namespace is adopted: netkeeper plumbs it, never deletes it`,
    );
  } else if (name === ns.name && ns.path === namedNetnsPath(ns.name)) {
    // netkeeper's own kind of namespace: `plan --adopt` takes it over as it is (a mark on
    // its lo), and from then on it is netkeeper's like one it made (destroy removes it)
    notes.push(`named namespace ${ns.name} (ip netns): plan/reconcile --adopt takes it over without re-creating it`);
  } else {
    body.netns = { path: ns.path };
    notes.push(`named namespace ${ns.name} (ip netns), adopted by path: netkeeper plumbs it, never deletes it`);
  }

  // attachments, the one carrying the default route first
  const mine = ctx.attachments.filter((a) => a.ns === ns.name);
  const routes = (ctx.routes.get(ns.name) ?? []).filter((r) => !KERNEL_PROTO.has(String(r.protocol ?? '')) && (r.type ?? 'unicast') === 'unicast');
  const def = routes.find((r) => normalizeDst(r) === 'default');
  const netOf = (a: Attachment) => ctx.networks.find((n) => n.bridge === a.bridge);
  const defVia = def?.gateway;
  const defAtt = def?.dev ? mine.find((a) => a.link.ifname === def.dev) : undefined;
  const implied = !!(defAtt && defVia && netOf(defAtt)?.gateways.includes(defVia));
  if (implied && defAtt) mine.splice(mine.indexOf(defAtt), 1), mine.unshift(defAtt);

  const atts: Record<string, unknown>[] = [];
  const attIPs: { ip: string; network: string; first: boolean }[] = [];
  for (const a of mine) {
    const net = netOf(a)!;
    const doc: Record<string, unknown> = { network: net.doc.name, ifname: a.link.ifname };
    // the live host end keeps its name (Docker's vethXXXX, a script's), so --adopt can take it over
    if (!/^nk[0-9a-f]{10}$/.test(a.hostEnd)) doc.hostIfname = a.hostEnd;
    const taken = new Set<number>();
    for (const [i, c] of a.addrs.entries()) {
      const key = c.family === 4 ? 'ip' : 'ip6';
      const ip = formatIP(c.family, c.addr);
      const inSubnet = net.subnets.some((s) => s.family === c.family && s.prefix === c.prefix && cidrContains(s, parseIP(ip)!));
      if (doc[key] === undefined && inSubnet) {
        doc[key] = ip;
        taken.add(i);
        attIPs.push({ ip, network: net.doc.name, first: atts.length === 0 });
      }
    }
    for (const [i, c] of a.addrs.entries())
      if (!taken.has(i))
        note(`${a.link.ifname} has ${formatAddrPrefix(c)}, not an address of network ${net.doc.name}'s subnets (or a second one): not imported`);
    if (a.link.mac) doc.mac = a.link.mac;
    if (a.link.mtu !== undefined && net.doc.body.mtu !== undefined && a.link.mtu !== net.doc.body.mtu)
      note(`${a.link.ifname} has MTU ${a.link.mtu}, network ${net.doc.name} ${String(net.doc.body.mtu)}: netkeeper gives attachments the network's MTU`);
    atts.push(doc);
  }
  body.networks = atts;
  if (atts.length === 0) notes.push('no bridge attachment (networks: [])');

  // routes: the default one unless it is the first attachment's gateway; the rest, except what Links imply
  const rts: Record<string, unknown>[] = [];
  const linkImplied = (r: IpRoute) =>
    ctx.links.some((l) =>
      l.ends.some((e, i) => {
        const o = l.ends[1 - i];
        return (
          e.ns === ns.name &&
          e.ifname === r.dev &&
          !!o.ip &&
          e.ip?.match(/\/(32|128)$/) &&
          normalizeDst(r) === formatAddrPrefix(parseCidrOrHost(o.ip.replace(/\/\d+$/, ''))!)
        );
      }),
    );
  for (const r of routes) {
    const dst = normalizeDst(r);
    if (!dst || dst === 'default6') continue;
    if (dst === 'default' && implied) continue;
    if (dst !== 'default' && linkImplied(r)) continue;
    const rt: Record<string, unknown> = { to: dst === 'default' ? 'default' : dst };
    if (r.gateway) rt.via = r.gateway;
    else if (r.dev) rt.dev = r.dev;
    rts.push(rt);
    if (dst === 'default') notes.push(`default route via ${r.gateway ?? r.dev}: not a network's gateway, so written as a route`);
  }
  if (rts.length) body.routes = rts;

  // extra loopback addresses
  const lo = addrsOf(idx, ns.name, 'lo').map(formatAddrPrefix);
  if (lo.length) body.loopback = lo;

  // interfaces that are neither attachments, cables nor lo
  for (const l of idx.links.get(ns.name) ?? []) {
    if (l.type === 'loopback' || mine.some((a) => a.link.ifname === l.ifname)) continue;
    if (isCable(idx, l) && ctx.links.some((k) => k.ends.some((e) => e.ns === ns.name && e.ifname === l.ifname))) continue;
    const why =
      l.type === 'veth' && !l.peer
        ? 'a veth whose other end is in a namespace import did not read'
        : l.type === 'veth' && l.peer?.ns === ns.name
          ? `a veth pair with both ends in the namespace (${l.peer.ifname})`
          : l.type === 'veth'
            ? `a veth to ${l.peer!.ns}/${l.peer!.ifname}, not a port of a bridge import saw`
            : `a ${l.type} interface`;
    note(`${l.ifname}: ${why}: not imported`);
  }

  if (idx.forwarding.get(ns.name)) {
    body.forwarding = true;
    notes.push('forwarding: net.ipv4.ip_forward is 1 in the namespace');
  }

  // published ports: DNAT rules whose target is one of this container's addresses
  const ports: unknown[] = [];
  const seen = new Set<string>();
  for (const d of mergeRuns(ctx.dnats.filter((x) => attIPs.some((a) => a.ip === x.toIP)))) {
    const to = attIPs.find((x) => x.ip === d.toIP);
    if (!to) continue;
    for (const x of ctx.dnats) if (x.toIP === d.toIP) usedDnats.add(x);
    const text = portText(d);
    const nb = ctx.networks.find((n) => n.doc.name === to.network)?.doc.body;
    if (nb?.gatewayMode === 'isolated' || nb?.internal === true) {
      note(
        `port ${text} (${d.rule.chain}) goes to network ${to.network}, which is ${nb.internal ? 'internal' : 'isolated'}: netkeeper publishes no ports there; not imported`,
      );
      continue;
    }
    const k = `${text}/${d.protocol}`;
    if (seen.has(k)) continue; // the same port DNAT'ed in PREROUTING and OUTPUT
    seen.add(k);
    if (d.inIf) note(`port ${text} is DNAT'ed only from interface ${d.inIf} (${d.rule.chain}); netkeeper publishes it on every interface`);
    if (to.first) ports.push(text);
    else
      ports.push({
        ...(d.dest ? { hostIP: d.dest } : {}),
        hostPort: d.hostPort === d.hostPortEnd ? d.hostPort : `${d.hostPort}-${d.hostPortEnd}`,
        containerPort: d.toPort === d.toPortEnd ? d.toPort : `${d.toPort}-${d.toPortEnd}`,
        protocol: d.protocol,
        network: to.network,
      });
  }
  if (ports.length) body.ports = ports;
  return { kind: 'Container', name, body, notes };
}
