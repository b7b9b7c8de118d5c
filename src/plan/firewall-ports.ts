// Published ports: which of them this host serves (and into which bridge), the
// DNAT rules of one port, and the bridges that need route_localnet. Pure.

import type { TContainer, TPort, Topology } from '../model/topology.js';
import { bridged, isAny, isLoopback4 } from './firewall-common.js';
import { dnatTarget, familyOf, rule } from './firewall-rules.js';

/** Published ports this host serves, with the bridge they lead into. */
export interface LocalPort extends TPort {
  bridge: string;
  container: TContainer;
}

export function localPorts(topo: Topology): LocalPort[] {
  const nets = new Map(bridged(topo).map((n) => [n.name, n]));
  const out: LocalPort[] = [];
  for (const c of topo.containers) {
    if (!c.local) continue;
    for (const p of c.ports) {
      const n = nets.get(p.network);
      // isolated: the host routes nothing there; internal: no published ports
      if (!n || n.gatewayMode === 'isolated' || n.internal) continue;
      if (familyOf(p.containerIP) !== familyOf(isAny(p.hostIP) ? p.containerIP : p.hostIP)) continue;
      out.push({ ...p, bridge: n.bridge, container: c });
    }
  }
  return out;
}

/** Bridges that need route_localnet: a port reachable at 127.0.0.1 leads into them. */
export function localnetBridges(ports: LocalPort[]): string[] {
  const s = new Set<string>();
  for (const p of ports) if (familyOf(p.containerIP) === 'ipv4' && (isAny(p.hostIP) || isLoopback4(p.hostIP))) s.add(p.bridge);
  return [...s];
}

const portRange = (a: number, b: number) => (a === b ? `${a}` : `${a}:${b}`);

/** DNAT rules for one published port (range). */
export function dnatRules(p: TPort): string[] {
  const d = isAny(p.hostIP) ? undefined : p.hostIP;
  const len = p.hostPortEnd - p.hostPort;
  if (len === 0) return [rule({ d, p: p.protocol, dport: `${p.hostPort}`, j: `DNAT --to-destination ${dnatTarget(p.containerIP, `${p.containerPort}`)}` })];
  if (p.containerPort === p.hostPort && p.containerPortEnd === p.hostPortEnd)
    return [rule({ d, p: p.protocol, dport: portRange(p.hostPort, p.hostPortEnd), j: `DNAT --to-destination ${dnatTarget(p.containerIP)}` })];
  const out: string[] = [];
  for (let i = 0; i <= len; i++) {
    const cport = p.containerPortEnd === p.containerPort ? p.containerPort : p.containerPort + i;
    out.push(rule({ d, p: p.protocol, dport: `${p.hostPort + i}`, j: `DNAT --to-destination ${dnatTarget(p.containerIP, `${cport}`)}` }));
  }
  return out;
}
