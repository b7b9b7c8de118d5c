// FROM and TO as the user names them → where the packet starts and which address
// it is sent to. A container starts in its namespace; `host` in the host's; an
// address that is some observed namespace's starts there, and any other address is
// "another machine": it arrives on the host device whose route leads to it. Pure.

import { inCidr, isIp4 } from './ipv4.js';
import { lookupRoute } from './routes.js';
import type { Endpoint, NsView, World } from './types.js';

export type Start = { ns: string; src: string; iif?: string; outside?: boolean } | { error: string };

function nsOf(world: World, e: Endpoint): string | undefined {
  if (e.kind === 'host') return 'host';
  if (e.kind === 'container') return world.containers.get(e.name) ?? (world.namespaces.has(e.name) && e.name !== 'host' ? e.name : undefined);
  const owners = [...world.namespaces.values()].filter((v) => v.addrs.some((a) => a.ip === e.ip));
  return (owners.find((v) => v.name !== 'host') ?? owners[0])?.name;
}

const usable = (v: NsView) => v.addrs.filter((a) => a.ifname !== 'lo' && isIp4(a.ip));

export function resolveStart(world: World, from: Endpoint): Start {
  const ns = nsOf(world, from);
  if (ns) return { ns, src: from.kind === 'address' ? from.ip : '' };
  if (from.kind === 'container') return { error: `no container or namespace named ${from.name} was observed` };
  if (from.kind !== 'address' || !isIp4(from.ip))
    return { error: `${from.kind === 'address' ? from.ip : 'host'} is not an IPv4 address (only IPv4 is evaluated)` };
  const host = world.namespaces.get('host');
  const r = host ? lookupRoute(host, from.ip) : undefined;
  if (!r || r.kind !== 'unicast') return { error: `no route of the host leads to ${from.ip}: where it would arrive from is unknown` };
  return { ns: 'host', src: from.ip, iif: r.dev, outside: true };
}

/** The address TO stands for, as seen from the source namespace. */
export function resolveTarget(world: World, to: Endpoint, startNs: string | undefined, iif?: string): { ip: string; ns?: string } | { error: string } {
  if (to.kind === 'address') {
    if (!isIp4(to.ip)) return { error: `${to.ip} is not an IPv4 address (only IPv4 is evaluated)` };
    return { ip: to.ip };
  }
  const ns = nsOf(world, to);
  const v = ns ? world.namespaces.get(ns) : undefined;
  if (!ns || !v) return { error: to.kind === 'container' ? `no container or namespace named ${to.name} was observed` : 'the host namespace was not observed' };
  const src = startNs ? world.namespaces.get(startNs) : undefined;
  if (ns === startNs && !iif) return { ip: to.kind === 'host' ? '127.0.0.1' : (usable(v)[0]?.ip ?? '127.0.0.1'), ns };
  const cands = usable(v);
  if (iif) {
    const onIif = cands.find((a) => a.ifname === iif);
    if (onIif) return { ip: onIif.ip, ns };
  }
  // an address in a subnet the source is on, else the first
  const shared = src ? cands.find((a) => usable(src).some((b) => inCidr(b.ip, `${a.ip}/${a.prefix}`))) : undefined;
  const pick = shared ?? cands[0];
  if (!pick) return { error: `${ns} has no IPv4 address` };
  return { ip: pick.ip, ns };
}
