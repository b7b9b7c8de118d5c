// The render stage's output: everything apply runs, typed. Pure data; `plan --json`
// shows it (src/commands/plan.ts) and src/shell/apply/index.ts runs it.

import type { IpProgram, Line } from './ip.js';
import type { IptablesBatch, StaleUdpPort } from './iptables.js';

export type { Line, IpProgram, IptablesBatch, StaleUdpPort };

export interface Program extends IpProgram {
  /**
   * `modprobe br_netfilter` before anything else: a net.bridge.* sysctl is set,
   * and those exist only once the module is loaded (built in on some kernels)
   */
  brNetfilter: boolean;
  /** one `iptables-restore --noflush` input per (namespace, family, table), in the order they run */
  iptables: IptablesBatch[];
  /** the firewall changes the iptables inputs carry out (a failed restore fails them all) */
  iptablesKeys: string[];
  /** conntrack entries to delete once the rules are in: UDP ports whose DNAT target moved */
  conntrack: StaleUdpPort[];
}
