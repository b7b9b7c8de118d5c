// The render stage: the changes of a plan → one typed Program (src/render/program.ts)
// that apply runs: ip/bridge batches per namespace (ip.ts), sysctl and file writes,
// bind mounts, iptables-restore inputs per namespace and table, conntrack deletions
// (iptables.ts), and whether br_netfilter must be loaded first. Pure.

import { changeSubject, type Change } from '../model/plan.js';
import type { Resource } from '../model/resources.js';
import { renderIp } from './ip.js';
import { renderIptables, staleUdpPorts } from './iptables.js';
import type { Program } from './program.js';

export type { Program, Line, IptablesBatch, StaleUdpPort } from './program.js';

const FIREWALL_KINDS = new Set(['chain', 'hook']);

/** Whether a change is the firewall's (an iptables chain or hook). */
export const isFirewallChange = (c: Change): boolean => FIREWALL_KINDS.has(changeSubject(c).kind);

/** `known`: the resources observed and desired (namespace paths, veth peers). */
export function render(changes: Change[], known: Resource[]): Program {
  const fw = changes.filter(isFirewallChange);
  return {
    ...renderIp(changes, known),
    brNetfilter: changes.some((c) => c.after?.kind === 'sysctl' && c.after.name.startsWith('net.bridge.')),
    iptables: renderIptables(fw),
    iptablesKeys: fw.map((c) => c.key),
    conntrack: fw.length ? staleUdpPorts(fw) : [],
  };
}
