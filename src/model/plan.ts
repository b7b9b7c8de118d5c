import type { Resource, ResourceMap } from './resources.js';
import type { Diagnostic } from './diagnostic.js';

export type ChangeAction = 'create' | 'update' | 'replace' | 'delete' | 'adopt';

interface ChangeBase {
  key: string;
  /** human reason, e.g. "declared in networks.d", "mtu 1400 → 1500", "no longer declared" */
  reason: string;
}

/**
 * One step of a plan, by action: what is made (`after`; `before` when an object of
 * that key goes first, e.g. a route made again after an address it hung on), what
 * is changed or made anew (`before` → `after`), what is removed (`before`).
 */
export type Change =
  | (ChangeBase & { action: 'create'; after: Resource; before?: Resource })
  | (ChangeBase & { action: 'update' | 'replace'; before: Resource; after: Resource })
  /** take ownership of a live object netkeeper did not make: write its mark (and in-place updates), never re-create it (src/plan/adopt.ts) */
  | (ChangeBase & { action: 'adopt'; before: Resource; after: Resource })
  | (ChangeBase & { action: 'delete'; before: Resource; after?: undefined });

/** The object a change is about: what it makes or changes, or what it removes. */
export function changeSubject(c: Change): Resource {
  return c.action === 'delete' ? c.before : c.after;
}

/**
 * A problem with some objects of the plan (see src/plan/hold-back.ts). With `keys`,
 * those objects and what depends on them are held back and the rest of the plan is
 * applied; without, nothing at all may be applied.
 */
export interface Conflict extends Diagnostic {
  /** keys of the objects it is about */
  keys?: string[];
  /** keys of the changes held back by it (filled by holdBack) */
  heldBack?: string[];
}

export interface Plan {
  changes: Change[];
  /**
   * conflicts with unowned objects: errors. Those with `keys` hold back what they
   * touch (their changes are not in `changes`); one without blocks the whole plan.
   */
  conflicts: Conflict[];
  /**
   * not errors: what netkeeper noticed and leaves alone (a user's NK-* chain), and
   * what it cannot reach (an adopted namespace that is gone: with `keys`, what it
   * names is held back as by a conflict)
   */
  warnings?: Conflict[];
}

/** A route of the host's main table that netkeeper did not make. */
export interface HostRoute {
  /** canonical CIDR */
  dst: string;
  dev?: string;
  via?: string;
}

/** What observe returns besides resources: facts about the host the desired state depends on. */
/** A DNAT rule of the host's nat table that is not netkeeper's (src/observe/foreign-dnat.ts). */
export interface ForeignDnat {
  family: 'ipv4' | 'ipv6';
  chain: string;
  /** the rule after `-A CHAIN`, as iptables-save prints it */
  rule: string;
  protocol: 'tcp' | 'udp';
  dport: number;
  dportEnd: number;
  toIp: string;
  toPort?: number;
}

export interface HostFacts {
  /** destinations (CIDR) of every route in the host namespace not on a netkeeper interface */
  foreignRoutes: string[];
  /** DNAT rules of the host's nat table that are not netkeeper's, when the firewall was read */
  foreignDnat?: ForeignDnat[];
  /** the same routes (IPv4, main table) with their device and gateway, to name them in errors */
  hostRoutes?: HostRoute[];
  /** the host's /etc/resolv.conf text (for namespaces without `dns`) */
  resolvConf: string;
  /** the machine's hostname (default --host) */
  hostname: string;
  /** MTU of each host interface by name (underlay MTU for overlays, macvlan parents) */
  linkMtu: Record<string, number>;
  /** host ports bound by a socket in the host namespace (TCP: listening), read only when a port needs its host port chosen */
  boundPorts?: { tcp: number[]; udp: number[] };
}

export interface Observed {
  resources: ResourceMap;
  facts: HostFacts;
}

export interface Desired {
  resources: ResourceMap;
}
