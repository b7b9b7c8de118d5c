// Rules on the interface names the files give the kernel (pure): names the
// kernel reserves, and clashes in the host's namespace between the names
// netkeeper derives (br-<net>, nk0, vx-<net>, the host end of each veth) and
// the names the files write (a Network's `interface`, a Link end in `host`).
// Everything here follows from the files alone, so `validate` decides it.

import type { ContainerSpec, NetworkSpec, SourcePos } from '../model/config.js';
import { DEFAULT_NETWORK, IMPLICIT_BRIDGE } from '../model/defaults.js';
import { networkBridgeName, vethHostName, vxlanName } from '../model/names.js';
import { attachmentIfnames, where, type RuleCtx } from './rules-context.js';

/** Interface names the kernel will not create (`all`, `default`: sysctl directories) or that exist in every namespace (`lo`). */
export const RESERVED_IFNAMES: ReadonlySet<string> = new Set(['all', 'default', 'lo']);

/** Every interface name the files write: reserved ones are refused where they are written. */
export function checkReservedIfnames(ctx: RuleCtx): void {
  // `at` is asked only for a report: positions are the costly part at 1000 containers (issue 16)
  const refuse = (name: string | undefined, owner: { kind: string; name?: string }, at: () => SourcePos | undefined) => {
    if (name === undefined || !RESERVED_IFNAMES.has(name)) return;
    ctx.error('reserved-ifname', owner, at(), `interface name "${name}" is reserved by the kernel (all, default and lo are); choose another`);
  };
  for (const n of ctx.networkList) refuse(n.interface, n, () => ctx.pos(n, 'interface'));
  for (const c of ctx.containerList)
    for (const a of c.networks) {
      refuse(a.ifname, c, () => ctx.pos(a, 'ifname'));
      refuse(a.hostIfname, c, () => ctx.pos(a, 'hostIfname'));
    }
  for (const l of ctx.linkList) for (const e of l.endpoints) refuse(e.ifname, l, () => ctx.pos(e, 'ifname'));
}

interface Claim {
  name: string;
  /** who uses the name, for people: "Network web's bridge (br-web, derived from its name)" */
  what: string;
  owner: { kind: string; name?: string };
  /** where it is written, asked only for a report (positions are the costly part at 1000 containers) */
  at: () => SourcePos | undefined;
  /** written in a file (an `interface` or a Link end), as opposed to derived */
  written: 'interface' | 'link' | 'hostIfname' | false;
  /** the Host whose namespace holds it; undefined: every host */
  host?: string;
}

/** The networks every host has: the declared ones, and the implicit `bridge` unless one is declared. */
export function effectiveNetworks(ctx: RuleCtx): NetworkSpec[] {
  return ctx.networks.has(DEFAULT_NETWORK) ? ctx.networkList : [IMPLICIT_BRIDGE, ...ctx.networkList];
}

function claims(ctx: RuleCtx): Claim[] {
  const out: Claim[] = [];
  for (const n of effectiveNetworks(ctx)) {
    if (n.driver === 'macvlan') continue;
    const br = networkBridgeName(n);
    const written = n.interface !== undefined && !n.implicit;
    const at = () => (n.implicit ? undefined : ctx.pos(n, written ? 'interface' : 'name'));
    const what = written
      ? `Network ${n.name}'s interface`
      : n.name === DEFAULT_NETWORK
        ? `the bridge of the default Network ${n.name}`
        : `the bridge netkeeper derives for Network ${n.name} (br-<name>)`;
    out.push({ name: br, what, owner: n, at, written: written ? 'interface' : false });
    if (n.driver === 'overlay') {
      const vx = vxlanName(n.name);
      out.push({
        name: vx,
        what: `the VXLAN device netkeeper derives for Network ${n.name} (vx-<name>)`,
        owner: n,
        at: () => ctx.pos(n, 'name'),
        written: false,
      });
    }
  }
  for (const c of ctx.containerList) {
    if (c.mode.type !== 'bridge') continue;
    const atts = c.networksDeclared ? c.networks : [];
    const ifnames = c.networksDeclared ? attachmentIfnames(atts) : ['eth0'];
    const nets = c.networksDeclared ? atts.map((a) => a.network) : [DEFAULT_NETWORK];
    const seen = new Set<string>(); // an ifname twice is duplicate-ifname, not a clash of its veths
    nets.forEach((net, i) => {
      const n = ctx.network(net);
      if (!n || n.driver === 'macvlan' || seen.has(ifnames[i])) return;
      seen.add(ifnames[i]);
      const given = atts[i]?.hostIfname;
      const v = given ?? vethHostName(c.name, ifnames[i]);
      const att = atts[i];
      const at = () => (att ? ctx.pos(att, given ? 'hostIfname' : 'network') : ctx.pos(c, 'name'));
      out.push({ name: v, what: `the host end of Container ${c.name}'s ${ifnames[i]}`, owner: c, at, written: given ? 'hostIfname' : false, host: c.host });
    });
  }
  for (const l of ctx.linkList) {
    const other = l.endpoints.map((e) => ctx.containers.get(e.container)).find((c): c is ContainerSpec => c !== undefined);
    for (const e of l.endpoints) {
      if (e.container !== 'host') continue;
      out.push({
        name: e.ifname,
        what: `Link ${l.name}'s end in the host namespace`,
        owner: l,
        at: () => ctx.pos(e, 'ifname'),
        written: 'link',
        host: other?.host,
      });
    }
  }
  return out;
}

/**
 * One report per clash, at the name a user wrote when there is one (that is
 * the one to change). Two written `interface`s are duplicate-interface and two
 * Link ends duplicate-ifname (reported by their own rules).
 */
export function checkHostNameClashes(ctx: RuleCtx): void {
  const byName = new Map<string, Claim[]>();
  for (const c of claims(ctx)) {
    if (RESERVED_IFNAMES.has(c.name)) continue; // reserved-ifname
    (byName.get(c.name) ?? byName.set(c.name, []).get(c.name)!).push(c);
  }
  for (const list of byName.values()) {
    for (let j = 1; j < list.length; j++) {
      const b = list[j];
      const a = list.slice(0, j).find((x) => sameHost(x, b) && !(x.written && x.written === b.written && x.written !== 'hostIfname'));
      if (!a) continue;
      const [at, other] = b.written || !a.written ? [b, a] : [a, b];
      const otherAt = other.at();
      const place = otherAt ? ` (${where(otherAt)})` : '';
      ctx.error('name-clash', at.owner, at.at(), `interface name ${at.name} is ${at.what} and also ${other.what}${place}; rename one`);
      break; // one report per name
    }
  }
}

function sameHost(a: Claim, b: Claim): boolean {
  return a.host === undefined || b.host === undefined || a.host === b.host;
}
