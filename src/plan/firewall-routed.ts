// The firewall's share of a routed overlay (src/plan/overlay-routed.ts). Pure.
// Traffic from other hosts' containers arrives on the VXLAN device and is routed
// into the bridge: accepted like traffic from the bridge itself (before a nat
// network's drop of what comes in unasked). Traffic to other hosts' containers
// (the network's whole subnet) is routed, never masqueraded.

import type { TNetwork } from '../model/topology.js';
import { rule } from './firewall-rules.js';

/** FORWARD: in from the VXLAN device, out into the bridge. */
export function routedForward(n: TNetwork, f: 4 | 6): string[] {
  if (!n.routed || !n.vxlanDev || !n.bridge || f !== 4) return [];
  return [rule({ i: n.vxlanDev, o: n.bridge, j: 'ACCEPT' })];
}

/** nat POSTROUTING: before the network's masquerade, return for the whole overlay subnet. */
export function routedNoMasquerade(n: TNetwork, f: 4 | 6): string[] {
  if (!n.routed || f !== 4) return [];
  return n.subnets.filter((s) => s.family === 4).map((s) => rule({ s: s.subnet, d: n.routed!.supernet, j: 'RETURN' }));
}
