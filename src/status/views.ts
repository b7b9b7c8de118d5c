// The Docker-like views of `status`: networks (`docker network ls`), containers
// (`docker ps`), Links, and the host-wide settings, from what the kernel has now
// and, when the files were read, how each stands against them. Pure.
//
// Names come from the files where they are readable (a namespace named apart from
// its container, the implicit `bridge`) and otherwise from netkeeper's marks in
// the kernel (nk:net:NAME on a bridge, nk:macvlan:NAME, nk:link:NAME), so objects
// that left the files still show, as `not declared`.

import { HOST_NS } from '../model/resources.js';
import type { LinkRes, NetnsRes, Resource } from '../model/resources.js';
import type { Plan } from '../model/plan.js';
import type { TContainer, Topology } from '../model/topology.js';
import { formatNetwork, parseCidr } from '../model/ip.js';
import { ownerIndex, type OwnerIndex } from './owners.js';
import { addrsOf, attachmentsIn, kernelIndex, type KernelIndex } from './kernel-index.js';

export { attachmentsIn, kernelIndex, type KernelIndex };
import { aliasDetail } from '../model/marks.js';
import { driftByOwner, syncOf, type OwnerDrift, type Sync } from './drift.js';
import { portDriftByContainer, portLabel, portViews, type PortView } from './ports-drift.js';
import { publishedPorts } from './ports.js';
import { byName, naturalCompare } from './natural.js';

export interface StatusInput {
  /** what the kernel has: netkeeper's objects and everything in the namespaces of declared containers */
  resources: Resource[];
  /** the files' topology, when they were read and are valid */
  topo?: Topology;
  /** the plan the files make against the kernel now (drift); absent: the files were not read */
  plan?: Plan;
  /** the desired resources the plan was made from (for the published ports the files make) */
  desired?: Resource[];
}

export interface AttachmentView {
  /** network name; undefined for a Link's end */
  network?: string;
  /** Link name (point-to-point cable) */
  link?: string;
  interface: string;
  ip4?: string;
  ip6?: string;
  mac?: string;
  mtu?: number;
  up: boolean;
}

export interface NetworkView {
  name: string;
  driver: string;
  subnets: string[];
  gateways: string[];
  /** bridge name (bridge, overlay), parent (macvlan) */
  interface: string | null;
  mtu: number | null;
  containers: string[];
  ports: string[];
  /** null: the files were not read */
  sync: Sync | null;
  /** taken over from the live host by --adopt (when; src/status/adoptions.ts) */
  adopted?: string;
}

export type ContainerState = 'running' | 'down' | 'missing';

export interface ContainerView {
  name: string;
  /** netns name; an adopted one's path; `host` for mode host */
  namespace: string | null;
  mode: string;
  networks: AttachmentView[];
  ports: string[];
  state: ContainerState;
  sync: Sync | null;
  /** taken over from the live host by --adopt (when) */
  adopted?: string;
}

export interface LinkView {
  name: string;
  ends: { container: string; interface: string; addresses: string[]; up: boolean }[];
  mtu: number | null;
  sync: Sync | null;
  /** taken over from the live host by --adopt (when) */
  adopted?: string;
}

export interface StatusViews {
  networks: NetworkView[];
  containers: ContainerView[];
  links: LinkView[];
  ports: PortView[];
  /** the host-wide settings (firewall chains and jumps, host sysctls); null: the files were not read */
  settings: Sync | null;
  /** for the detail view */
  index: OwnerIndex;
}

const links = (rs: Resource[]) => rs.filter((r): r is LinkRes => r.kind === 'link');
function modeOf(c: TContainer | undefined, n: NetnsRes | undefined, hasLinks: boolean): string {
  if (c) return c.mode === 'container' ? `container:${c.sharedWith ?? '?'}` : c.mode;
  if (n?.sharedWith) return `container:${n.sharedWith}`;
  return hasLinks ? 'bridge' : 'none';
}

export function statusViews(input: StatusInput): StatusViews {
  const rs = input.resources;
  const k = kernelIndex(rs);
  const topo = input.topo;
  const files = input.plan !== undefined;
  const idx = ownerIndex(topo, [...rs, ...(input.desired ?? [])]);
  const drift = input.plan ? driftByOwner(input.plan, idx) : new Map<string, OwnerDrift>();
  const sync = (declared: boolean, present: boolean, id: string, extra: string[] = []) => (files ? syncOf(declared, present, drift.get(id), extra) : null);

  // netns name → container name (files first; by default a container's netns is its name)
  const nsNames = new Map<string, string>(idx.containerOfNs);
  const observed = publishedPorts(rs, nsNames);
  const wanted = input.desired ? publishedPorts(input.desired, nsNames) : undefined;
  const ports = portViews(observed, files ? (wanted ?? []) : undefined);
  const portDrift = portDriftByContainer(ports);

  // containers: declared (this host's) and namespaces netkeeper made
  const netnsRes = rs.filter((r): r is NetnsRes => r.kind === 'netns');
  const byNs = new Map(netnsRes.map((n) => [n.name, n]));
  const containers: ContainerView[] = [];
  const declaredNs = new Set<string>();
  for (const c of topo?.containers ?? []) {
    if (!c.local) continue;
    const ns = c.netns ?? HOST_NS;
    declaredNs.add(ns);
    const n = byNs.get(ns);
    const present = ns === HOST_NS || (!!n && n.broken === undefined);
    // mode container: shares another's interfaces (shown there, as `docker ps` does)
    const atts = present && ns !== HOST_NS && c.mode !== 'container' ? attachmentsIn(k, ns, c, idx) : [];
    containers.push({
      name: c.name,
      namespace: c.mode === 'host' ? 'host' : c.netnsOrigin === 'adopted' ? (c.netnsPath ?? ns) : ns,
      mode: modeOf(c, n, atts.length > 0),
      networks: atts,
      ports: ports.filter((p) => p.container === c.name && p.sync?.state !== 'missing').map(portLabel),
      state: !present ? 'missing' : atts.some((a) => !a.up) ? 'down' : 'running',
      sync: sync(true, present, `container:${c.name}`, portDrift.get(c.name)),
    });
  }
  for (const n of netnsRes) {
    if (declaredNs.has(n.name) || !n.owned) continue;
    const atts = n.sharedWith ? [] : attachmentsIn(k, n.name, undefined, idx);
    const name = nsNames.get(n.name) ?? n.name;
    containers.push({
      name,
      namespace: n.origin === 'adopted' ? n.path : n.name,
      mode: modeOf(undefined, n, atts.length > 0),
      networks: atts,
      ports: ports.filter((p) => p.container === name).map(portLabel),
      state: n.broken !== undefined ? 'missing' : atts.some((a) => !a.up) ? 'down' : 'running',
      sync: sync(false, true, `container:${name}`),
    });
  }
  containers.sort(byName);

  // networks: declared, and bridges / macvlans marked as netkeeper's
  const networks = new Map<string, NetworkView>();
  const hostLinks = [...k.hostLinks.values()];
  const membersOf = (net: string) => containers.filter((c) => c.networks.some((a) => a.network === net)).map((c) => c.name);
  const portsOf = (net: string) =>
    ports
      .filter((p) => p.network === net && p.sync?.state !== 'missing')
      .map(
        (p) =>
          `${p.hostIP === '0.0.0.0' || p.hostIP === '::' ? '' : `${p.hostIP}:`}${p.hostPort === p.hostPortEnd ? p.hostPort : `${p.hostPort}-${p.hostPortEnd}`}/${p.protocol}`,
      );
  for (const n of topo?.networks ?? []) {
    const br = n.bridge ? hostLinks.find((l) => l.ifname === n.bridge) : undefined;
    const present = n.driver === 'macvlan' || !!br;
    networks.set(n.name, {
      name: n.name,
      driver: n.driver,
      subnets: n.subnets.map((s) => s.subnet),
      gateways: n.subnets.flatMap((s) => (s.gateway ? [s.gateway] : [])),
      interface: n.bridge ?? n.parent ?? null,
      mtu: br?.mtu ?? n.mtu,
      containers: membersOf(n.name),
      ports: [...new Set(portsOf(n.name))],
      sync: sync(true, present, `network:${n.name}`),
    });
  }
  for (const l of links(rs)) {
    const bridgeNet = l.ns === HOST_NS && l.type === 'bridge' ? aliasDetail(l.alias, 'net') : undefined;
    const macvlanNet = l.type === 'macvlan' ? aliasDetail(l.alias, 'macvlan') : undefined;
    const name = bridgeNet ?? macvlanNet;
    if (!name || networks.has(name)) continue;
    const cidrs = bridgeNet ? addrsOf(k, HOST_NS, l.ifname) : [];
    const overlay = hostLinks.some((x) => x.type === 'vxlan' && aliasDetail(x.alias, 'vxlan') === name);
    networks.set(name, {
      name,
      driver: macvlanNet ? 'macvlan' : overlay ? 'overlay' : 'bridge',
      subnets: cidrs.map((c) => {
        const p = parseCidr(c);
        return p ? formatNetwork(p) : c;
      }),
      gateways: cidrs.map((c) => c.split('/')[0]),
      interface: bridgeNet ? l.ifname : (l.macvlan?.parent ?? null),
      mtu: bridgeNet ? (l.mtu ?? null) : null,
      containers: membersOf(name),
      ports: [...new Set(portsOf(name))],
      sync: sync(false, true, `network:${name}`),
    });
  }

  // Links: declared (with an end on this host), and veths marked nk:link:NAME
  const linkViews = new Map<string, LinkView>();
  const endView = (ns: string, ifname: string, container: string) => {
    const l = k.linksIn.get(ns)?.find((x) => x.ifname === ifname);
    return { container, interface: ifname, addresses: addrsOf(k, ns, ifname), up: l?.up ?? false };
  };
  const localNs = new Set([HOST_NS, ...(topo?.containers.filter((c) => c.local).map((c) => c.netns ?? HOST_NS) ?? [])]);
  for (const l of topo?.links ?? []) {
    if (!l.ends.every((e) => localNs.has(e.ns))) continue;
    const present = l.ends.some((e) => k.linksIn.get(e.ns)?.some((x) => x.ifname === e.ifname));
    linkViews.set(l.name, {
      name: l.name,
      ends: l.ends.map((e) => endView(e.ns, e.ifname, e.container)),
      mtu: l.mtu,
      sync: sync(true, present, `link:${l.name}`),
    });
  }
  for (const l of links(rs)) {
    const name = aliasDetail(l.alias, 'link');
    if (!name) continue;
    const v = linkViews.get(name) ?? linkViews.set(name, { name, ends: [], mtu: l.mtu ?? null, sync: sync(false, true, `link:${name}`) }).get(name)!;
    if (!v.ends.some((e) => e.interface === l.ifname && e.container === (l.ns === HOST_NS ? 'host' : (nsNames.get(l.ns) ?? l.ns))))
      if (v.sync?.state === 'not declared' || !files) v.ends.push(endView(l.ns, l.ifname, l.ns === HOST_NS ? 'host' : (nsNames.get(l.ns) ?? l.ns)));
  }

  return {
    networks: [...networks.values()].sort(byName),
    containers,
    links: [...linkViews.values()].sort(byName),
    ports: ports.sort(
      (a, b) =>
        naturalCompare(a.container ?? '\uffff', b.container ?? '\uffff') ||
        (a.family === b.family ? 0 : a.family === 'ipv4' ? -1 : 1) ||
        a.hostPort - b.hostPort ||
        a.protocol.localeCompare(b.protocol) ||
        a.hostIP.localeCompare(b.hostIP),
    ),
    settings: files ? syncOf(true, true, drift.get('settings:')) : null,
    index: idx,
  };
}
