// Defaults that more than one stage needs, said once: the implicit default
// network, MTUs, the VXLAN port, the bridge port limit, Settings.

import type { NetworkSpec, SettingsSpec } from './config.js';

/** The network a container without `networks` joins (like Docker's default bridge). */
export const DEFAULT_NETWORK = 'bridge';
/** Kernel name of the default network's bridge (like docker0), unless its Network says `interface`. */
export const DEFAULT_BRIDGE_IFNAME = 'nk0';
export const DEFAULT_MTU = 1500;
/** VXLAN over IPv4 costs 50 bytes of the underlay's MTU. */
export const VXLAN_OVERHEAD = 50;
export const DEFAULT_VXLAN_PORT = 4789;
/** A Linux bridge takes at most 1023 ports ("Exchange full" at the 1024th). */
export const MAX_BRIDGE_PORTS = 1023;

export const DEFAULT_SETTINGS: Readonly<SettingsSpec> = Object.freeze({ kind: 'Settings', ipForward: true, iptables: true, prune: true });

/**
 * What a Network document means where a field is left out: the loader fills these
 * in (src/config/build-network.ts) and the schemas publish them as `default`.
 */
export const NETWORK_DEFAULTS = Object.freeze({
  driver: 'bridge',
  gatewayMode: 'nat',
  icc: true,
  internal: false,
  allowHostOverlap: false,
  /** macvlan only */
  macvlanMode: 'bridge',
  /** overlay only */
  port: DEFAULT_VXLAN_PORT,
  /** overlay only: per-container FDB/neighbour entries (l2) or per-host subnets (routed) */
  fabric: 'l2',
  /** routed overlay only: prefix length of each host's subnet */
  hostSubnetSize: 24,
} as const);

/** What a Container document means where a field is left out (loader and schema `default`s). */
export const CONTAINER_DEFAULTS = Object.freeze({
  mode: 'bridge',
  forwarding: false,
  /** of a published port and of a Link's port */
  protocol: 'tcp',
} as const);

/**
 * The implicit default network, as if it had been declared: bridge nk0, an
 * automatic subnet, nat, icc. Present unless a Network named `bridge` is declared.
 */
export const IMPLICIT_BRIDGE: Readonly<NetworkSpec> = Object.freeze({
  kind: 'Network',
  name: DEFAULT_NETWORK,
  driver: NETWORK_DEFAULTS.driver,
  interface: DEFAULT_BRIDGE_IFNAME,
  gatewayMode: NETWORK_DEFAULTS.gatewayMode,
  icc: NETWORK_DEFAULTS.icc,
  internal: NETWORK_DEFAULTS.internal,
  implicit: true,
  pos: Object.freeze({ file: '(implicit)', line: 0, col: 0 }),
} as const);
