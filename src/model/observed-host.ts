// What the observe stage hands the plan stage: the kernel's resources (Observed)
// and the few host reads the checks need besides them. Filled by
// src/shell/observe/index.ts; read by the pure plan stage (src/plan/index.ts).

import type { Observed } from './plan.js';

/** Identity of a namespace file: "device:inode" of the nsfs inode it leads to. */
export type NsId = string;

/** Which namespace each adopted `netns: {pid}` / `{path}` really is (src/plan/adopted-netns.ts). */
export interface NetnsIdentity {
  /** the namespace netkeeper runs in (/proc/self/ns/net) */
  host?: NsId;
  /** by container name: its adopted namespace (undefined: the path does not exist) */
  adopted: Map<string, NsId | undefined>;
  /** by container name: the named namespace it owns, when it exists */
  named: Map<string, NsId>;
}

/** A default route of the host as `ip -6 -j route show default` prints it. */
export interface DefaultRoute {
  dst?: string;
  gateway?: string;
  dev?: string;
  protocol?: string | number;
  nexthops?: { gateway?: string; dev?: string }[];
}

/** The host's IPv6 default routes and the accept_ra of their devices (src/plan/ra-guard.ts). */
export interface RaFacts {
  routes: DefaultRoute[];
  acceptRa: Map<string, string | undefined>;
}

/** A socket listening on the host (TCP) or bound (UDP), as `ss -l -t -u -n -p` shows it. */
export interface HostListener {
  protocol: 'tcp' | 'udp';
  /** local address: "0.0.0.0", "::" or "*" (any), or one address */
  addr: string;
  port: number;
  /** "nginx (pid 812)", when ss could name it */
  process?: string;
}

export interface ObservedHost {
  observed: Observed;
  /**
   * Host sysctls netkeeper may set that `ip netconf` does not show (route_localnet of
   * each host bridge, net.bridge.bridge-nf-call-*), by dotted name; a setting that
   * does not exist (br_netfilter not loaded) is absent.
   */
  hostSysctls: Map<string, string>;
  identity: NetnsIdentity;
  /** read only when the files may turn IPv6 forwarding on and it is off */
  ra?: RaFacts;
  /** sockets listening on the host: read only when the files publish ports */
  listeners?: HostListener[];
}
