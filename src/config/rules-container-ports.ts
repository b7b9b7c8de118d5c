// Rules on published ports: a network that can carry them, a host address of a
// family the network has, iptables on, and no two ports on one host port (pure).

import type { ContainerSpec, NetworkSpec, PortSpec } from '../model/config.js';
import { formatIP, parseIP, type IP } from '../model/ip.js';
import { noPortsReason } from './ports.js';
import { where, type RuleCtx } from './rules-context.js';

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

export function checkPorts(ctx: RuleCtx): void {
  const all: Published[] = [];
  const iptablesOff = !ctx.cfg.settings.iptables;
  for (const c of ctx.containerList) {
    if (c.mode.type !== 'bridge' || c.ports.length === 0) continue;
    const nets = ctx.networksOf(c);
    for (const p of c.ports) {
      if (iptablesOff) {
        const at = ctx.cfg.settings.pos ? ` (${where(ctx.cfg.settings.pos)})` : '';
        ctx.error(
          'port-no-iptables',
          c,
          ctx.pos(p),
          `Settings.iptables is false${at}: netkeeper writes no iptables rules, so this port would not be published; remove the port or set iptables: true`,
        );
        continue;
      }
      if (p.network !== undefined && !nets.includes(p.network)) {
        ctx.error(
          'unknown-reference',
          c,
          ctx.pos(p, 'network'),
          `port targets Network "${p.network}", which this container is not attached to (${nets.join(', ') || 'none'})`,
        );
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
        ctx.error(
          'port-family',
          c,
          ctx.pos(p),
          `the port is published on an ${fam} host address (${formatIP(ip.family, ip.value)}), but ${nets} ${fam} subnet`,
        );
        continue;
      }
      if (p.auto) continue; // its host port is chosen free when planning
      for (const ip of publishAddresses(p, n)) all.push({ c, p, ip });
    }
  }
  // Sweep each protocol/family by host port: only ranges that overlap are compared.
  const sameHost = (a: ContainerSpec, b: ContainerSpec) => a.host === undefined || b.host === undefined || a.host === b.host;
  const clash = (a: Published, b: Published) => (a.ip.value === b.ip.value || a.ip.value === 0n || b.ip.value === 0n) && sameHost(a.c, b.c);
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
