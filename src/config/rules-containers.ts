// Rules on Containers: modes, references, addresses, interface names, ports (pure).

import type { AttachmentSpec, ContainerSpec, NetworkSpec, PortSpec, SourcePos } from '../model/config.js';
import type { DiagnosticCode } from '../model/diagnostic.js';
import { cidrContains, firstHost, formatIP, isNetworkOrBroadcast, parseCidr, parseIP, type IP } from '../model/ip.js';
import { attachmentIfnames, where, type RuleCtx } from './rules-context.js';
import { noPortsReason } from './ports.js';
import { RESERVED_IFNAMES } from './rules-host-names.js';

export const AUTO_SUBNET_MESSAGE = 'user specified IP address is supported only on networks with user configured subnets';

/** Fields that make no sense in each mode (the namespace is not this container's own). */
const REFUSED: Record<string, { fields: string[]; why: string }> = {
  host: {
    fields: ['networks', 'ports', 'netns', 'routes', 'loopback', 'forwarding', 'masquerade', 'links', 'dns', 'extraHosts', 'hostname'],
    why: 'mode host uses the host\'s own namespace and files',
  },
  container: {
    fields: ['networks', 'ports', 'netns', 'routes', 'loopback', 'forwarding', 'masquerade', 'links'],
    why: 'the namespace belongs to the other container: declare this there',
  },
  none: { fields: ['networks', 'ports'], why: 'mode none has no network attachments' },
};

function written(c: ContainerSpec, field: string, ctx: RuleCtx): boolean {
  if (!ctx.loc.has(c, field)) return false;
  const v = (c as unknown as Record<string, unknown>)[field];
  if (field === 'networks') return c.networks.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (field === 'forwarding') return c.forwarding;
  return true;
}

export function checkContainers(ctx: RuleCtx): void {
  const netns = new Map<string, ContainerSpec>();
  for (const c of ctx.containerList) {
    if (c.name === 'host') {
      ctx.error('reserved-name', c, ctx.pos(c, 'name'), '"host" is reserved: it names the host\'s namespace in Link endpoints');
    }
    checkMode(ctx, c);
    if (c.mode.type === 'bridge' || c.mode.type === 'none') {
      const key = c.netns.type === 'named' ? `named:${c.netns.name}` : c.netns.type === 'path' ? `path:${c.netns.path}` : `pid:${c.netns.pid}`;
      const prev = netns.get(key);
      if (prev && prev.name !== c.name) {
        ctx.error('netns-taken', c, ctx.pos(c, 'netns'), `namespace ${key.slice(key.indexOf(':') + 1)} is already Container ${prev.name}'s (to share it, use mode: container:${prev.name})`);
      } else if (!prev) netns.set(key, c);
    }
    if (c.host !== undefined && !ctx.hostNames.has(c.host)) {
      ctx.error('unknown-reference', c, ctx.pos(c, 'host'), `Host "${c.host}" is not declared (declare it with kind: Host, or drop "host" to run the container on every host)`);
    }
    for (const l of c.links) {
      const target = ctx.containers.get(l.container);
      if (!target) {
        ctx.error('unknown-reference', c, ctx.pos(l, 'container'), `linked container "${l.container}" is not declared`);
      } else if (target === c) {
        ctx.error('link-self', c, ctx.pos(l, 'container'), 'a container cannot link to itself');
      } else {
        const mine = ctx.root(c);
        const theirs = ctx.root(target);
        const shared = mine && theirs ? ctx.networksOf(mine).filter((n) => ctx.networksOf(theirs).includes(n)) : [];
        if (mine && theirs && shared.length === 0) {
          ctx.warn('link-no-common-network', c, ctx.pos(l, 'container'), `${c.name} and ${l.container} share no network, so the alias has no address`);
        }
      }
    }
  }
  checkInterfaces(ctx);
  checkAddresses(ctx);
  checkPassthru(ctx);
  checkPorts(ctx);
}

function checkMode(ctx: RuleCtx, c: ContainerSpec): void {
  const refused = REFUSED[c.mode.type];
  if (refused) {
    for (const f of refused.fields) {
      if (written(c, f, ctx)) {
        const m = c.mode.type === 'container' ? `container:${c.mode.container}` : c.mode.type;
        ctx.error('mode-conflict', c, ctx.pos(c, f), `"${f}" cannot be used with mode ${m}: ${refused.why}`);
      }
    }
  }
  if (c.mode.type !== 'container') return;
  const target = ctx.containers.get(c.mode.container);
  if (!target) {
    ctx.error('unknown-reference', c, ctx.pos(c, 'mode'), `mode container:${c.mode.container}: container "${c.mode.container}" is not declared`);
    return;
  }
  if (!ctx.root(c)) {
    const chain = [c.name];
    let cur: ContainerSpec | undefined = target;
    while (cur && !chain.includes(cur.name)) {
      chain.push(cur.name);
      cur = cur.mode.type === 'container' ? ctx.containers.get(cur.mode.container) : undefined;
    }
    if (cur) chain.push(cur.name);
    ctx.error('mode-cycle', c, ctx.pos(c, 'mode'), `container: modes form a cycle: ${chain.join(' → ')}`);
    return;
  }
  const root = ctx.root(c)!;
  if (root.mode.type === 'host') {
    ctx.error('mode-target-host', c, ctx.pos(c, 'mode'), `Container ${root.name} uses mode host: write mode: host instead of sharing it`);
  }
  if (c.host !== undefined && c.host !== root.host) {
    ctx.error('mode-host-mismatch', c, ctx.pos(c, 'host'), `it shares the namespace of ${root.name}, which runs on ${root.host ?? 'this host'}`);
  }
}

/** Interface names per namespace: attachments, Link endpoints, lo; route dev and masquerade must name one. */
function checkInterfaces(ctx: RuleCtx): void {
  const names = new Map<string, Map<string, string>>(); // namespace owner → ifname → what uses it
  const take = (ns: string, ifname: string, what: string, owner: { kind: string; name?: string }, at: SourcePos | undefined) => {
    if (RESERVED_IFNAMES.has(ifname)) return; // reserved-ifname
    let m = names.get(ns);
    if (!m) names.set(ns, (m = new Map([['lo', 'the loopback interface']])));
    const prev = m.get(ifname);
    if (prev) ctx.error('duplicate-ifname', owner, at, `interface ${ifname} is already used in ${ns === 'host' ? 'the host namespace' : `Container ${ns}`} by ${prev}`);
    else m.set(ifname, what);
  };
  for (const c of ctx.containerList) {
    if (c.mode.type !== 'bridge' && c.mode.type !== 'none') continue;
    if (!names.has(c.name)) names.set(c.name, new Map([['lo', 'the loopback interface']]));
    if (c.mode.type !== 'bridge') continue;
    if (!c.networksDeclared) {
      take(c.name, 'eth0', 'its attachment to bridge (the default network)', c, c.pos);
      continue;
    }
    const ifnames = attachmentIfnames(c.networks);
    c.networks.forEach((a, i) => take(c.name, ifnames[i], `its attachment to ${a.network}`, c, ctx.pos(a, 'ifname')));
  }
  for (const l of ctx.linkList) {
    for (const e of l.endpoints) {
      const c = ctx.containers.get(e.container);
      if (e.container !== 'host' && (!c || (c.mode.type !== 'bridge' && c.mode.type !== 'none'))) continue;
      take(e.container, e.ifname, `Link ${l.name}`, l, ctx.pos(e, 'ifname'));
    }
  }
  for (const c of ctx.containerList) {
    const m = names.get(c.name);
    if (!m) continue;
    for (const r of c.routes) {
      if (r.dev !== undefined && !m.has(r.dev)) {
        ctx.error('unknown-reference', c, ctx.pos(r, 'dev'), `route dev ${r.dev} is not an interface of this container (${[...m.keys()].join(', ')})`);
      }
    }
    c.masquerade.forEach((ifname, i) => {
      if (!m.has(ifname)) {
        ctx.error('unknown-reference', c, ctx.pos(c, 'masquerade', i), `masquerade interface ${ifname} is not an interface of this container (${[...m.keys()].join(', ')})`);
      }
    });
  }
}

/** An attachment's MAC as the config fixes it: written, or derived from a fixed IPv4 address (02:42 + its four bytes). */
interface FixedMac {
  c: ContainerSpec;
  a: AttachmentSpec;
  mac: string;
  /** derived from this fixed IPv4 address (no `mac` written) */
  from?: string;
}

function fixedMac(c: ContainerSpec, a: AttachmentSpec): FixedMac | undefined {
  if (a.mac !== undefined) return { c, a, mac: a.mac };
  const ip = a.ip !== undefined ? parseIP(a.ip) : undefined;
  if (!ip || ip.family !== 4) return undefined;
  const bytes = [24n, 16n, 8n, 0n].map((sh) => ((ip.value >> sh) & 0xffn).toString(16).padStart(2, '0'));
  return { c, a, mac: `02:42:${bytes.join(':')}`, from: a.ip };
}

/**
 * Two attachments of one network with one MAC: written twice, or written equal
 * to the default MAC of another member's fixed IPv4 address. Reported at the
 * written `mac` (the later one when both are written). Dynamic addresses are
 * not known here; topology never hands out one whose default MAC is taken.
 */
function checkMacs(ctx: RuleCtx, byNetwork: Map<string, FixedMac[]>): void {
  for (const [network, list] of byNetwork) {
    const first = new Map<string, FixedMac>();
    for (const m of list) {
      const prev = first.get(m.mac);
      if (!prev) {
        first.set(m.mac, m);
        continue;
      }
      if (prev.from !== undefined && m.from !== undefined) continue; // one fixed address twice: address-taken
      const [at, other] = m.from === undefined ? [m, prev] : [prev, m];
      const whose =
        other.from === undefined
          ? `by Container ${other.c.name} (${where(ctx.pos(other.a, 'mac'))})`
          : `as the default MAC of Container ${other.c.name}'s address ${other.from} (${where(ctx.pos(other.a, 'ip'))}; 02:42 + the IPv4 address)`;
      ctx.error('mac-taken', at.c, ctx.pos(at.a, 'mac'), `MAC ${m.mac} is already used on Network ${network} ${whose}`);
    }
  }
}

/** Underlay addresses of the declared Hosts, canonical text → Host name. */
function hostAddresses(ctx: RuleCtx): Map<string, string> {
  const out = new Map<string, string>();
  for (const h of ctx.cfg.hosts) {
    const ip = parseIP(h.address);
    if (ip && !out.has(formatIP(ip.family, ip.value))) out.set(formatIP(ip.family, ip.value), h.name);
  }
  return out;
}

/** The kernel takes one passthru macvlan per parent: at most one member per host. */
function checkPassthru(ctx: RuleCtx): void {
  const members = new Map<string, { c: ContainerSpec; a: AttachmentSpec }[]>();
  for (const c of ctx.containerList) {
    if (c.mode.type !== 'bridge') continue;
    const seen = new Set<string>();
    for (const a of c.networks) {
      const n = ctx.network(a.network);
      if (!n || n.driver !== 'macvlan' || n.mode !== 'passthru' || seen.has(n.name)) continue;
      seen.add(n.name);
      const list = members.get(n.name) ?? members.set(n.name, []).get(n.name)!;
      // a container without `host` runs on whichever host reconciles: it shares every host
      const prev = list.find((p) => p.c.host === undefined || c.host === undefined || p.c.host === c.host);
      if (prev) {
        const on = c.host ?? prev.c.host;
        ctx.error(
          'macvlan-passthru-shared',
          c,
          ctx.pos(a, 'network'),
          `Network ${n.name} is a passthru macvlan: the kernel allows one per parent, and Container ${prev.c.name} (${where(ctx.pos(prev.a, 'network'))}) ` +
            `already takes it${on ? ` on Host ${on}` : ' on this host'}; use mode bridge, or one container per host`,
        );
      }
      list.push({ c, a });
    }
  }
}

function checkAddresses(ctx: RuleCtx): void {
  const taken = new Map<string, { c: ContainerSpec; a: AttachmentSpec }>(); // network/ip → first user
  const macs = new Map<string, FixedMac[]>(); // network → fixed MACs in order
  const hosts = hostAddresses(ctx);
  for (const c of ctx.containerList) {
    if (c.mode.type !== 'bridge') continue; // other modes may not declare networks (mode-conflict)
    const seen = new Set<string>();
    for (const a of c.networks) {
      const n = ctx.network(a.network);
      if (!n) {
        ctx.error('unknown-reference', c, ctx.pos(a, 'network'), `Network "${a.network}" is not declared`);
        continue;
      }
      if (seen.has(a.network)) {
        ctx.error('duplicate-attachment', c, ctx.pos(a, 'network'), `the container is already attached to Network ${a.network}`);
        continue;
      }
      seen.add(a.network);
      if (n.driver === 'overlay' && ctx.hostNames.size > 0 && c.host === undefined) {
        ctx.error('overlay-host-required', c, ctx.pos(a, 'network'), `Network ${n.name} is an overlay and Hosts are declared: say which Host runs this container ("host: ...")`);
      }
      const fm = fixedMac(c, a);
      // (a fixed address on a network without subnets is refused below: no default MAC from it)
      if (fm && (fm.from === undefined || (n.subnets ?? []).length > 0)) (macs.get(n.name) ?? macs.set(n.name, []).get(n.name)!).push(fm);
      for (const field of ['ip', 'ip6'] as const) {
        const text = a[field];
        if (text === undefined) continue;
        const at = ctx.pos(a, field);
        if (!n.subnets || n.subnets.length === 0) {
          ctx.error('fixed-ip-auto-subnet', c, at, AUTO_SUBNET_MESSAGE);
          continue;
        }
        const ip = parseIP(text);
        if (!ip) continue;
        const problem = addressProblem(n, ip);
        if (problem) {
          ctx.error(problem.code, c, at, `address ${text} ${problem.message}`);
          continue;
        }
        const host = hosts.get(formatIP(ip.family, ip.value));
        if (host !== undefined) {
          ctx.error('address-taken', c, at, `address ${text} is the underlay address of Host ${host}`);
          continue;
        }
        const key = `${n.name}/${text}`;
        const prev = taken.get(key);
        if (prev) {
          ctx.error('address-taken', c, at, `address ${text} on Network ${n.name} is already taken by Container ${prev.c.name} (${where(ctx.pos(prev.a, field))})`);
        } else taken.set(key, { c, a });
      }
    }
  }
  checkMacs(ctx, macs);
}

function addressProblem(n: NonNullable<ReturnType<RuleCtx['network']>>, ip: IP): { code: DiagnosticCode; message: string } | null {
  const subnets = n.subnets ?? [];
  const s = subnets.find((x) => {
    const cidr = parseCidr(x.subnet);
    return cidr && cidrContains(cidr, ip);
  });
  if (!s) {
    return { code: 'address-outside-subnet', message: `is outside the subnets of Network ${n.name} (${subnets.map((x) => x.subnet).join(', ')})` };
  }
  const cidr = parseCidr(s.subnet)!;
  if (isNetworkOrBroadcast(cidr, ip.value)) {
    return { code: 'address-unusable', message: `is the ${ip.value === cidr.network ? 'network' : 'broadcast'} address of subnet ${s.subnet}` };
  }
  const text = formatIP(ip.family, ip.value);
  if (n.gatewayMode !== 'isolated') {
    const gw = s.gateway ?? formatIP(cidr.family, firstHost(cidr));
    if (gw === text) return { code: 'address-taken', message: `is the gateway of Network ${n.name}${s.gateway ? '' : ' (the first address, by default)'}` };
  }
  if ((s.reserved ?? []).includes(text)) return { code: 'address-taken', message: `is reserved in Network ${n.name}` };
  return null;
}

/** Address families a network's members have addresses in: its subnets' (an automatic subnet is IPv4). */
function familiesOf(n: NetworkSpec): Set<4 | 6> {
  const fams = new Set<4 | 6>((n.subnets ?? []).map((s) => (s.subnet.includes(':') ? 6 : 4)));
  return fams.size === 0 ? new Set([4]) : fams;
}

/**
 * The host addresses a port is published on in network n: both families' any
 * address when neither the port nor the network names one (as Docker does),
 * for each family the network has; [] when n has no address of the port's family.
 */
function publishAddresses(p: PortSpec, n: NetworkSpec): IP[] {
  const fams = familiesOf(n);
  const ip = p.hostIP ?? n.hostIP;
  if (ip !== undefined && (p.hostIP !== undefined || ip !== '0.0.0.0')) {
    const x = parseIP(ip)!;
    return fams.has(x.family) ? [x] : [];
  }
  return [...(fams.has(4) ? [parseIP('0.0.0.0')!] : []), ...(fams.has(6) ? [parseIP('::')!] : [])];
}

interface Published {
  c: ContainerSpec;
  p: PortSpec;
  ip: IP;
}

function checkPorts(ctx: RuleCtx): void {
  const all: Published[] = [];
  const iptablesOff = !ctx.cfg.settings.iptables;
  for (const c of ctx.containerList) {
    if (c.mode.type !== 'bridge' || c.ports.length === 0) continue;
    const nets = ctx.networksOf(c);
    for (const p of c.ports) {
      if (iptablesOff) {
        const at = ctx.cfg.settings.pos ? ` (${where(ctx.cfg.settings.pos)})` : '';
        ctx.error('port-no-iptables', c, ctx.pos(p), `Settings.iptables is false${at}: netkeeper writes no iptables rules, so this port would not be published; remove the port or set iptables: true`);
        continue;
      }
      if (p.network !== undefined && !nets.includes(p.network)) {
        ctx.error('unknown-reference', c, ctx.pos(p, 'network'), `port targets Network "${p.network}", which this container is not attached to (${nets.join(', ') || 'none'})`);
        continue;
      }
      if (nets.length === 0) {
        ctx.error('port-no-network', c, ctx.pos(p), 'a published port needs a network attachment to reach the container');
        continue;
      }
      // explicit network, else the first attachment whose network can carry published ports
      const known = (p.network !== undefined ? [p.network] : nets).flatMap((name) => ctx.network(name) ?? []);
      if (known.length === 0) continue; // reported as an unknown attachment
      const carriers = known.filter((x) => noPortsReason(x) === undefined);
      if (carriers.length === 0) {
        if (known.length === 1) {
          const r = noPortsReason(known[0])!;
          ctx.error(r.code, c, ctx.pos(p), `Network ${known[0].name} is ${r.why}: it takes no published ports`);
        } else {
          const list = known.map((x) => `${x.name} (${noPortsReason(x)!.short})`).join(', ');
          ctx.error('port-unroutable', c, ctx.pos(p), `none of this container's networks can carry a published port: ${list}`);
        }
        continue;
      }
      // a host address of one family needs a network with addresses of that family (as topology chooses)
      const n = carriers.find((x) => publishAddresses(p, x).length > 0);
      if (!n) {
        const ip = parseIP(p.hostIP ?? carriers[0].hostIP!)!;
        const fam = ip.family === 6 ? 'IPv6' : 'IPv4';
        const nets = carriers.length === 1 ? `Network ${carriers[0].name} has no` : `none of ${carriers.map((x) => x.name).join(', ')} has an`;
        ctx.error('port-family', c, ctx.pos(p), `the port is published on an ${fam} host address (${formatIP(ip.family, ip.value)}), but ${nets} ${fam} subnet`);
        continue;
      }
      if (p.auto) continue; // its host port is chosen free when planning
      for (const ip of publishAddresses(p, n)) all.push({ c, p, ip });
    }
  }
  // Sweep each protocol/family by host port: only ranges that overlap are compared.
  const sameHost = (a: ContainerSpec, b: ContainerSpec) => a.host === undefined || b.host === undefined || a.host === b.host;
  const clash = (a: Published, b: Published) =>
    (a.ip.value === b.ip.value || a.ip.value === 0n || b.ip.value === 0n) && sameHost(a.c, b.c);
  const firstClash = new Map<number, number>(); // index of a later port → index of the first earlier one it clashes with
  const groups = new Map<string, number[]>();
  all.forEach((x, i) => {
    const k = `${x.p.protocol}/${x.ip.family}`;
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  });
  for (const g of groups.values()) {
    g.sort((i, j) => all[i].p.hostPort - all[j].p.hostPort || i - j);
    let active: number[] = [];
    for (const j of g) {
      const b = all[j];
      active = active.filter((i) => all[i].p.hostPortEnd >= b.p.hostPort);
      for (const i of active) {
        if (!clash(all[i], b)) continue;
        const [early, late] = i < j ? [i, j] : [j, i];
        const prev = firstClash.get(late);
        if (prev === undefined || early < prev) firstClash.set(late, early);
      }
      active.push(j);
    }
  }
  const range = (p: PortSpec) => (p.hostPort === p.hostPortEnd ? `${p.hostPort}` : `${p.hostPort}-${p.hostPortEnd}`);
  const ipText = (x: IP) => formatIP(x.family, x.value);
  const reported = new Set<PortSpec>();
  for (const [late, early] of [...firstClash.entries()].sort((x, y) => x[0] - y[0])) {
    const a = all[early];
    const b = all[late];
    if (reported.has(b.p)) continue; // one port published on both families clashes once
    reported.add(b.p);
    const by = a.c === b.c ? 'this container' : `Container ${a.c.name}`;
    ctx.error(
      'port-conflict',
      b.c,
      ctx.pos(b.p),
      `host port ${range(b.p)}/${b.p.protocol} on ${ipText(b.ip)} is already published on ${ipText(a.ip)} as ${range(a.p)}/${a.p.protocol} by ${by} (${where(ctx.pos(a.p))})`,
    );
  }
}
