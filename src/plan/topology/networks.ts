// Networks: which exist (the implicit `bridge` unless one is declared), and
// everything about them but their subnets: kernel names, MTU, VNI, gateway rule.

import type { Config, NetworkSpec } from '../../model/config.js';
import { DEFAULT_MTU, DEFAULT_NETWORK, DEFAULT_VXLAN_PORT, IMPLICIT_BRIDGE, VXLAN_OVERHEAD } from '../../model/defaults.js';
import { canonicalIP } from '../../model/ip.js';
import { defaultVni, networkBridgeName, vxlanName } from '../../model/names.js';
import type { TNetwork } from '../../model/topology.js';
import { cmp, declaredAt, type Ctx } from './context.js';
import { underlayLink } from '../underlay.js';
import { routedOf } from './routed.js';

/** The implicit `bridge` first (unless declared), then the declared networks by name. */
export function networkSpecs(config: Config): NetworkSpec[] {
  const declared = config.networks.filter((n) => !n.implicit).sort((a, b) => cmp(a.name, b.name));
  return declared.some((n) => n.name === DEFAULT_NETWORK) ? declared : [IMPLICIT_BRIDGE, ...declared];
}

/** Whether the host takes the gateway address, and whether a gateway is derived when none is written. */
export function gatewayRule(spec: NetworkSpec): { hostHasGateway: boolean; derive: boolean } {
  if (spec.gatewayMode === 'isolated') return { hostHasGateway: false, derive: false };
  if (spec.driver === 'macvlan') return { hostHasGateway: false, derive: true };
  return { hostHasGateway: true, derive: true };
}

/** One TNetwork per spec, without subnets (subnets.ts adds them). */
export function buildNetworks(ctx: Ctx, specs: NetworkSpec[]): Map<string, TNetwork> {
  const nets = new Map<string, TNetwork>();
  for (const s of specs) {
    const pos = declaredAt(s);
    const t: TNetwork = {
      name: s.name,
      driver: s.driver,
      subnets: [],
      mtu: networkMtu(ctx, s),
      gatewayMode: s.gatewayMode,
      icc: s.icc,
      internal: s.internal,
      hostIP: s.hostIP ? canonicalIP(s.hostIP) : '0.0.0.0',
      declared: !s.implicit,
      ...(pos ? { pos } : {}),
    };
    if (s.driver !== 'macvlan') {
      t.bridge = networkBridgeName(s);
      if (s.mac) t.gatewayMac = s.mac;
    } else {
      t.parent = s.parent;
      t.macvlanMode = s.mode ?? 'bridge';
    }
    if (s.driver === 'overlay') {
      t.vni = s.vni ?? defaultVni(s.name);
      t.vxlanPort = s.port ?? DEFAULT_VXLAN_PORT;
      t.vxlanDev = vxlanName(s.name);
      if (s.fabric === 'routed') routedOf(ctx, s, t);
    }
    nets.set(s.name, t);
  }
  if (specs.some((s) => s.driver === 'overlay') && !ctx.config.hosts.some((h) => h.name === ctx.self)) {
    ctx.warnings.push({
      code: 'overlay-no-self-host',
      message: `overlay networks are declared but no Host is named ${ctx.self} (this host); its VXLAN devices get no local address`,
    });
  }
  return nets;
}

function networkMtu(ctx: Ctx, spec: NetworkSpec): number {
  if (spec.mtu) return spec.mtu;
  if (spec.driver === 'overlay') {
    const u = underlayLink(ctx.config, ctx.observed, ctx.self)?.mtu;
    return u ? u - VXLAN_OVERHEAD : DEFAULT_MTU - VXLAN_OVERHEAD;
  }
  if (spec.driver === 'macvlan' && spec.parent) {
    // a macvlan device inherits its parent's MTU and may not exceed it
    return ctx.observed.facts.linkMtu[spec.parent] ?? DEFAULT_MTU;
  }
  return DEFAULT_MTU;
}
