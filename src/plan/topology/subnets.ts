// Subnets: the declared ones as written (gateway derived where the mode wants
// one), and automatic ones for networks without — kept while the kernel holds
// them (the bridge's address, else a member's), otherwise the first free pool
// subnet. Overlays choose from the files alone, so every host agrees.

import type { NetworkSpec, SubnetSpec } from '../../model/config.js';
import { canonicalIP, firstHost, formatIP, formatNetwork, isDefaultRoute, normalizeIP, parseCidr } from '../../model/ip.js';
import { overlayGatewayMac } from '../../model/names.js';
import { HOST_NS, key } from '../../model/resources.js';
import type { TNetwork, TSubnet } from '../../model/topology.js';
import { hostOverlapErrors } from '../host-overlap.js';
import { chooseAutoSubnets, type AutoSubnetRequest } from '../ipam/index.js';
import type { AttDraft } from './attachments.js';
import { declaredAt, err, firstV4, netObj, type Ctx } from './context.js';
import { gatewayRule } from './networks.js';

/** Fill in every network's subnets (and an overlay's anycast gateway MAC). */
export function assignSubnets(ctx: Ctx, specs: NetworkSpec[], nets: Map<string, TNetwork>, drafts: AttDraft[]): void {
  const specByName = new Map(specs.map((s) => [s.name, s]));
  const autoReqs = specs.filter((s) => !s.subnets || s.subnets.length === 0).map((s) => autoRequest(ctx, s, nets.get(s.name)!, drafts));
  // declared subnets that collide with the host's routes or a live automatic subnet (host-overlap.ts)
  for (const e of hostOverlapErrors({ specs, autoReqs, routes: ctx.observed.facts.hostRoutes ?? [], bridgeOf: (n) => nets.get(n)?.bridge }))
    err(ctx, e.code, netObj(e.network), e.message, specByName.get(e.network)?.pos);
  const auto = chooseAutoSubnets(autoReqs, {
    declared: specs.flatMap((s) => (s.subnets ?? []).map((x) => x.subnet)),
    foreignRoutes: ctx.observed.facts.foreignRoutes.filter((r) => !isDefaultRoute(r)),
  });
  for (const e of auto.errors) err(ctx, e.code, netObj(e.network), e.message, declaredAt(specByName.get(e.network)));
  for (const s of specs) {
    const t = nets.get(s.name)!;
    if (s.subnets && s.subnets.length > 0) {
      for (const sub of s.subnets) {
        const ts = toTSubnet(s, sub, false);
        if (ts) t.subnets.push(ts); // (the schema refuses a subnet that is not a CIDR)
      }
    } else {
      const choice = auto.chosen.get(s.name);
      if (choice) t.subnets.push(toTSubnet(s, { subnet: choice.subnet }, true, choice.gateway)!);
    }
    if (t.driver === 'overlay' && t.subnets.some((x) => x.hostHasGateway)) t.gatewayMac = overlayGatewayMac(t.name);
  }
}

/** What a network without subnets asks for: global (overlay), or local, reusing what the kernel holds. */
function autoRequest(ctx: Ctx, s: NetworkSpec, t: TNetwork, drafts: AttDraft[]): AutoSubnetRequest {
  if (s.driver === 'overlay') return { network: s.name, scope: 'global' };
  let reuse: AutoSubnetRequest['reuse'];
  if (t.bridge && gatewayRule(s).hostHasGateway) {
    const link = ctx.observed.resources.get(key.link(HOST_NS, t.bridge));
    if (link && link.kind === 'link' && link.owned) {
      const c = firstV4(ctx.addrs.owned.get(`${HOST_NS}/${t.bridge}`));
      if (c) reuse = { subnet: formatNetwork(c), gateway: formatIP(4, c.addr) };
    }
  }
  if (!reuse) {
    // no host address to go by: a member container's current address
    for (const d of drafts) {
      if (d.spec.network !== s.name || !d.local || !d.ns) continue;
      const c = firstV4(ctx.addrs.all.get(`${d.ns}/${d.ifname}`));
      if (c) {
        reuse = { subnet: formatNetwork(c) };
        break;
      }
    }
  }
  return { network: s.name, scope: 'local', ...(reuse ? { reuse } : {}) };
}

function toTSubnet(spec: NetworkSpec, s: SubnetSpec, auto: boolean, reusedGateway?: string): TSubnet | undefined {
  const c = parseCidr(s.subnet);
  if (!c) return undefined;
  const rule = gatewayRule(spec);
  let gateway = s.gateway ? normalizeIP(s.gateway) : undefined;
  if (!gateway && rule.derive) gateway = reusedGateway ?? formatIP(c.family, firstHost(c));
  const range = s.ipRange ? parseCidr(s.ipRange) : undefined;
  return {
    subnet: formatNetwork(c),
    family: c.family,
    prefixLen: c.prefix,
    ...(gateway ? { gateway } : {}),
    hostHasGateway: rule.hostHasGateway,
    ipRange: range ? formatNetwork(range) : formatNetwork(c),
    reserved: (s.reserved ?? []).map((r) => canonicalIP(r)),
    auto,
  };
}
