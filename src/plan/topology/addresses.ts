// Addresses, per network: fixed ones, then the one a container holds now if
// still free, then the lowest free one (or, on overlays, the first free one
// from a hashed slot, the same on every host). Never a Host's underlay address nor
// one the host holds on any of its interfaces (a macvlan LAN is usually the hosts'
// own segment: the parent's address must not go to a container), nor an IPv4 address whose
// default MAC (02:42 + its bytes) is a member's explicit `mac`.

import type { NetworkSpec } from '../../model/config.js';
import { cidrContains, formatIP, parseCidr, parseIP } from '../../model/ip.js';
import { ipv4OfDefaultMacs } from '../../model/names.js';
import type { TNetwork, TSubnet } from '../../model/topology.js';
import { HOST_NS } from '../../model/resources.js';
import { allocate, type IpamAssignment, type IpamRequest } from '../ipam/index.js';
import type { AttDraft } from './attachments.js';
import { ctrObj, declaredAt, err, netObj, type Ctx } from './context.js';

/** Addresses on the host namespace's interfaces, as the kernel shows them now. */
function hostHeld(ctx: Ctx): string[] {
  const out: string[] = [];
  for (const r of ctx.observed.resources.values()) if (r.kind === 'addr' && r.ns === HOST_NS) out.push(r.cidr.split('/')[0]);
  return out;
}

export function allocateAddresses(ctx: Ctx, specs: NetworkSpec[], nets: Map<string, TNetwork>, drafts: AttDraft[]): Map<AttDraft, IpamAssignment> {
  // never an address the host itself holds: a Host's underlay address, and every address
  // on the host's own interfaces (a macvlan or routed LAN is often the host's segment)
  const hostAddresses = [...ctx.config.hosts.map((h) => h.address), ...hostHeld(ctx)];
  const assigned = new Map<AttDraft, IpamAssignment>();
  for (const s of specs) {
    const t = nets.get(s.name)!;
    const global = t.driver === 'overlay' && !t.routed; // a routed overlay's addresses are this host's own (its subnet)
    const members = drafts.filter((d) => d.spec.network === s.name);
    const macBlocked = ipv4OfDefaultMacs(members.filter((d) => global || d.local).map((d) => d.spec.mac));
    const byId = new Map<string, AttDraft>();
    const reqs: IpamRequest[] = [];
    for (const d of members) {
      const fixed = [d.spec.ip, d.spec.ip6].filter((x): x is string => !!x); // (config: none on an automatic subnet)
      if (!global && !d.local) {
        // another host's bridge: carry fixed addresses only
        assigned.set(d, carryFixed(t.subnets, fixed));
        continue;
      }
      const id = `${d.container.name}/${d.ifname}`;
      byId.set(id, d);
      const keep = global || !d.ns ? [] : (ctx.addrs.all.get(`${d.ns}/${d.ifname}`) ?? []).map((x) => x.split('/')[0]);
      reqs.push({ id, fixed, keep, ...(global ? { slotKey: `${s.name}/${d.container.name}` } : {}) });
    }
    const res = allocate(
      t.subnets.map((x) => ({
        subnet: x.subnet,
        ipRange: x.ipRange,
        gateway: x.gateway,
        hostHasGateway: x.hostHasGateway,
        reserved: [...x.reserved, ...hostAddresses, ...(x.family === 4 ? macBlocked : [])],
      })),
      reqs,
      global ? 'hashed' : 'lowest',
    );
    for (const e of res.errors) {
      const d = e.id ? byId.get(e.id) : undefined;
      if (e.code === 'ipam-exhausted' || !d) {
        err(ctx, e.code, netObj(s.name), `network ${s.name}: ${e.message}`, declaredAt(s));
      } else {
        err(ctx, e.code, ctrObj(d.container.name), `network ${s.name}: ${e.message}`, d.spec.pos);
      }
    }
    for (const [id, a] of res.assignments) assigned.set(byId.get(id)!, a);
  }
  return assigned;
}

/** Fixed addresses of an attachment on another host's bridge, with their subnet's prefix. */
function carryFixed(subnets: TSubnet[], fixed: string[]): IpamAssignment {
  const out: IpamAssignment = {};
  for (const f of fixed) {
    const ip = parseIP(f);
    if (!ip) continue;
    const sub = subnets.find((s) => {
      const c = parseCidr(s.subnet);
      return c !== undefined && cidrContains(c, ip);
    });
    if (ip.family === 4) {
      out.ip4 = formatIP(4, ip.value);
      if (sub) out.prefix4 = sub.prefixLen;
    } else {
      out.ip6 = formatIP(6, ip.value);
      if (sub) out.prefix6 = sub.prefixLen;
    }
  }
  return out;
}
