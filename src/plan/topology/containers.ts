// Containers: attachments with their addresses, MACs and veth names, published
// ports (../ports.ts), and everything else a container declares, copied into the
// resolved model.

import type { ContainerSpec } from '../../model/config.js';
import { macFromIPv4, macFromName, normalizeMac, vethHostName } from '../../model/names.js';
import type { TAttachment, TContainer, TNetwork } from '../../model/topology.js';
import type { IpamAssignment } from '../ipam/index.js';
import type { AttDraft } from './attachments.js';
import { buildPorts } from '../ports.js';
import { ctrObj, err, type Ctx } from './context.js';
import type { NsInfo } from './namespaces.js';

export function buildContainers(
  ctx: Ctx,
  ctrs: ContainerSpec[],
  nsByName: Map<string, NsInfo>,
  nets: Map<string, TNetwork>,
  drafts: AttDraft[],
  assigned: Map<AttDraft, IpamAssignment>,
): TContainer[] {
  const attsByCtr = new Map<string, TAttachment[]>();
  for (const d of drafts) {
    const att = attachment(d, nets.get(d.spec.network)!, assigned.get(d) ?? {});
    (attsByCtr.get(d.container.name) ?? attsByCtr.set(d.container.name, []).get(d.container.name)!).push(att);
  }
  const portsByCtr = buildPorts({
    containers: ctrs.map((c) => {
      const ns = nsByName.get(c.name)!;
      return { spec: c, local: (c.host ?? ctx.self) === ctx.self, attachments: attsByCtr.get(ns.sharedWith ?? c.name) ?? [] };
    }),
    networks: nets,
    observed: ctx.observed.resources.values(),
    ...(ctx.observed.facts.boundPorts ? { bound: ctx.observed.facts.boundPorts } : {}),
    error: (code, name, message, pos) => err(ctx, code, ctrObj(name), message, pos),
  });
  return ctrs.map((c) => {
    const ns = nsByName.get(c.name)!;
    const host = c.host ?? ctx.self;
    const local = host === ctx.self;
    const attachments = attsByCtr.get(c.name) ?? [];
    return {
      name: c.name,
      ...(ns.netns !== undefined ? { netns: ns.netns } : {}),
      netnsOrigin: ns.netnsOrigin,
      ...(ns.netnsPath !== undefined ? { netnsPath: ns.netnsPath } : {}),
      ...(ns.sharedWith !== undefined ? { sharedWith: ns.sharedWith } : {}),
      mode: c.mode.type,
      hostname: c.hostname ?? c.name,
      attachments,
      ports: portsByCtr.get(c.name) ?? [],
      dns: c.dns ? { servers: [...c.dns.servers], search: [...c.dns.search], options: [...c.dns.options] } : { servers: [], search: [], options: [] },
      extraHosts: c.extraHosts.map((h) => ({ ...h })),
      links: c.links.map((l) => ({
        container: l.container,
        alias: l.alias ?? l.container,
        ports: l.ports.map((p) => ({ ...p })),
      })),
      routes: c.routes.map((r) => ({ to: r.to, ...(r.via ? { via: r.via } : {}), ...(r.dev ? { dev: r.dev } : {}) })),
      loopback: [...c.loopback],
      forwarding: c.forwarding,
      masquerade: [...c.masquerade],
      host,
      local,
    };
  });
}

/** MAC: as written, else Docker's 02:42 + the IPv4 address, else a hash of container/ifname. */
function attachment(d: AttDraft, t: TNetwork, a: IpamAssignment): TAttachment {
  return {
    network: t.name,
    ifname: d.ifname,
    ...(t.bridge ? { hostIfname: d.spec.hostIfname ?? vethHostName(d.container.name, d.ifname) } : {}),
    ...a,
    mac: d.spec.mac ? normalizeMac(d.spec.mac) : a.ip4 ? macFromIPv4(a.ip4) : macFromName(d.container.name, d.ifname),
    mtu: t.mtu,
    aliases: [...d.spec.aliases],
  };
}
