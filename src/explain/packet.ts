// A packet as the evaluator carries it through namespaces, and the context a
// netfilter hook sees it in. Pure data.

import type { Proto } from './types.js';

export interface Packet {
  src: string;
  dst: string;
  proto: Proto;
  sport: number;
  /** tcp/udp destination port; icmp: undefined (echo request / reply) */
  dport?: number;
  /** icmp: echo-request (8) or echo-reply (0) */
  icmpType?: number;
}

/** Conntrack's view of the packet in one namespace. */
export interface CtState {
  /** NEW for the first packet, ESTABLISHED for a reply */
  state: 'NEW' | 'ESTABLISHED';
  dnat: boolean;
  snat: boolean;
}

export interface HookCtx {
  pkt: Packet;
  /** input interface (PREROUTING, INPUT, FORWARD) */
  iif?: string;
  /** output interface (OUTPUT, FORWARD, POSTROUTING) */
  oif?: string;
  ct: CtState;
  /** the namespace's local addresses (addrtype LOCAL) */
  isLocal: (ip: string) => boolean;
}
