// Config + what the kernel has now → Topology: every default derived, every
// kernel name derived, every address allocated, stably. Pure.
//
// The config is already valid (src/config judges everything the files alone
// decide); what is refused here needs the kernel: an automatic subnet with none
// free, addresses when a reused automatic subnet is too small, a host port when
// none is free (../ports.ts).
//
// Decisions worth knowing:
// - The implicit network `bridge` (bridge `nk0`, automatic subnet, nat, icc) is
//   ALWAYS part of the topology unless a Network named `bridge` is declared,
//   whether or not a container uses it — like docker0, which exists as soon as
//   the daemon runs. A declared `bridge` keeps `nk0` as its default interface.
// - Stability: an automatic subnet is kept while the network's bridge (or, for
//   networks where the host has no address, a member container) holds an
//   address in it; a container keeps the address it holds now while it is still
//   inside the network's ipRange and free. New addresses are the lowest free
//   ones, containers served in name order.
// - Overlay networks span hosts, so every host must compute the same result
//   without seeing the others' kernels: their automatic subnets (pool
//   10.0.0.0/8 in /24s, like swarm) and their addresses are computed from the
//   config alone — the kernel is not consulted. Fixed addresses first; then
//   each container, in name order, prefers the address at sha1("network/
//   container") modulo the ipRange's size and takes the first free one from
//   there (ipam.ts, placement 'hashed'). Adding or removing a container thus
//   moves no other one, except after a collision: a new container whose probe
//   stops on the address of one that sorts after it displaces that one (which
//   may, rarely, displace one more), and removing a container lets one that
//   had probed past its address move back. The chance is about members ÷ range
//   size per change; give fixed addresses, or a roomy ipRange, where it matters.
// - A dynamic IPv4 address whose default MAC (02:42 + its four bytes) is some
//   member's explicit `mac` on the same network is never handed out, nor a
//   Host's underlay address (a macvlan LAN is usually the hosts' own segment).
// - Bridge and macvlan networks exist per host: only this host's containers
//   take part in their IPAM. Containers of other hosts keep only their fixed
//   addresses there (nothing is built for them on this host anyway).

import type { Config } from '../../model/config.js';
import { canonicalIP } from '../../model/ip.js';
import type { Result } from '../../model/diagnostic.js';
import type { Observed } from '../../model/plan.js';
import type { Topology } from '../../model/topology.js';
import { allocateAddresses } from './addresses.js';
import { attachmentDrafts } from './attachments.js';
import { buildContainers } from './containers.js';
import { cmp, newCtx } from './context.js';
import { buildLinks } from './links.js';
import { namespaces } from './namespaces.js';
import { buildNetworks, networkSpecs } from './networks.js';
import { assignSubnets } from './subnets.js';

export function buildTopology(config: Config, observed: Observed, self: string): Result<Topology> {
  const ctx = newCtx(config, observed, self);
  const specs = networkSpecs(config); // the implicit `bridge` first, then by name
  const nets = buildNetworks(ctx, specs); // kernel names, MTU, VNI
  const ctrs = [...config.containers].sort((a, b) => cmp(a.name, b.name)); // name order: the order addresses are handed out in
  const nsByName = namespaces(ctrs);
  const drafts = attachmentDrafts(ctrs, nsByName, new Map(specs.map((s) => [s.name, s])), self);
  assignSubnets(ctx, specs, nets, drafts); // declared, then automatic
  const assigned = allocateAddresses(ctx, specs, nets, drafts);
  const topology: Topology = {
    self,
    networks: specs.map((s) => nets.get(s.name)!),
    containers: buildContainers(ctx, ctrs, nsByName, nets, drafts, assigned),
    links: buildLinks(config.links, ctrs, nsByName),
    hosts: config.hosts.map((h) => ({ name: h.name, address: canonicalIP(h.address) })),
    settings: { ipForward: config.settings.ipForward, iptables: config.settings.iptables, prune: config.settings.prune },
  };
  if (ctx.errors.length > 0) return { ok: false, errors: ctx.errors };
  return ctx.warnings.length > 0 ? { ok: true, value: topology, warnings: ctx.warnings } : { ok: true, value: topology };
}
