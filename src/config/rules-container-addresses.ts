// Rules on the addresses and MACs of Container attachments: declared network,
// one attachment per network, fixed addresses inside a configured subnet and free
// (not the gateway, reserved, another member's or a Host's underlay), one MAC per
// network (pure).

import type { AttachmentSpec, ContainerSpec } from '../model/config.js';
import type { DiagnosticCode } from '../model/diagnostic.js';
import { cidrContains, firstHost, formatIP, isNetworkOrBroadcast, parseCidr, parseIP, type IP } from '../model/ip.js';
import { where, type RuleCtx } from './rules-context.js';

export const AUTO_SUBNET_MESSAGE = 'user specified IP address is supported only on networks with user configured subnets';

/** An attachment's MAC as the config fixes it: written, or derived from a fixed IPv4 address (02:42 + its four bytes). */
interface FixedMac {
  c: ContainerSpec;
  a: AttachmentSpec;
  mac: string;
  /** derived from this fixed IPv4 address (no `mac` written) */
  from?: string;
}

function fixedMac(c: ContainerSpec, a: AttachmentSpec): FixedMac | undefined {
  if (a.mac !== undefined) return { c, a, mac: a.mac };
  const ip = a.ip !== undefined ? parseIP(a.ip) : undefined;
  if (!ip || ip.family !== 4) return undefined;
  const bytes = [24n, 16n, 8n, 0n].map((sh) => ((ip.value >> sh) & 0xffn).toString(16).padStart(2, '0'));
  return { c, a, mac: `02:42:${bytes.join(':')}`, from: a.ip };
}

/**
 * Two attachments of one network with one MAC: written twice, or written equal
 * to the default MAC of another member's fixed IPv4 address. Reported at the
 * written `mac` (the later one when both are written). Dynamic addresses are
 * not known here; topology never hands out one whose default MAC is taken.
 */
function checkMacs(ctx: RuleCtx, byNetwork: Map<string, FixedMac[]>): void {
  for (const [network, list] of byNetwork) {
    const first = new Map<string, FixedMac>();
    for (const m of list) {
      const prev = first.get(m.mac);
      if (!prev) {
        first.set(m.mac, m);
        continue;
      }
      if (prev.from !== undefined && m.from !== undefined) continue; // one fixed address twice: address-taken
      const [at, other] = m.from === undefined ? [m, prev] : [prev, m];
      const whose =
        other.from === undefined
          ? `by Container ${other.c.name} (${where(ctx.pos(other.a, 'mac'))})`
          : `as the default MAC of Container ${other.c.name}'s address ${other.from} (${where(ctx.pos(other.a, 'ip'))}; 02:42 + the IPv4 address)`;
      ctx.error('mac-taken', at.c, ctx.pos(at.a, 'mac'), `MAC ${m.mac} is already used on Network ${network} ${whose}`);
    }
  }
}

/** Underlay addresses of the declared Hosts, canonical text → Host name. */
function hostAddresses(ctx: RuleCtx): Map<string, string> {
  const out = new Map<string, string>();
  for (const h of ctx.cfg.hosts) {
    const ip = parseIP(h.address);
    if (ip && !out.has(formatIP(ip.family, ip.value))) out.set(formatIP(ip.family, ip.value), h.name);
  }
  return out;
}

export function checkAddresses(ctx: RuleCtx): void {
  const taken = new Map<string, { c: ContainerSpec; a: AttachmentSpec }>(); // network/ip → first user
  const macs = new Map<string, FixedMac[]>(); // network → fixed MACs in order
  const hosts = hostAddresses(ctx);
  for (const c of ctx.containerList) {
    if (c.mode.type !== 'bridge') continue; // other modes may not declare networks (mode-conflict)
    const seen = new Set<string>();
    for (const a of c.networks) {
      const n = ctx.network(a.network);
      if (!n) {
        ctx.error('unknown-reference', c, ctx.pos(a, 'network'), `Network "${a.network}" is not declared`);
        continue;
      }
      if (seen.has(a.network)) {
        ctx.error('duplicate-attachment', c, ctx.pos(a, 'network'), `the container is already attached to Network ${a.network}`);
        continue;
      }
      seen.add(a.network);
      // one Host only (a fleet store's directory: its own Host and its own containers): the container runs there
      if (n.driver === 'overlay' && ctx.hostNames.size > 1 && c.host === undefined) {
        ctx.error(
          'overlay-host-required',
          c,
          ctx.pos(a, 'network'),
          `Network ${n.name} is an overlay and several Hosts are declared: say which Host runs this container ("host: ...")`,
        );
      }
      const fm = fixedMac(c, a);
      // (a fixed address on a network without subnets is refused below: no default MAC from it)
      if (fm && (fm.from === undefined || (n.subnets ?? []).length > 0)) (macs.get(n.name) ?? macs.set(n.name, []).get(n.name)!).push(fm);
      for (const field of ['ip', 'ip6'] as const) {
        const text = a[field];
        if (text === undefined) continue;
        const at = ctx.pos(a, field);
        if (!n.subnets || n.subnets.length === 0) {
          ctx.error('fixed-ip-auto-subnet', c, at, AUTO_SUBNET_MESSAGE);
          continue;
        }
        const ip = parseIP(text);
        if (!ip) continue;
        const problem = addressProblem(n, ip);
        if (problem) {
          ctx.error(problem.code, c, at, `address ${text} ${problem.message}`);
          continue;
        }
        const host = hosts.get(formatIP(ip.family, ip.value));
        if (host !== undefined) {
          ctx.error('address-taken', c, at, `address ${text} is the underlay address of Host ${host}`);
          continue;
        }
        const key = `${n.name}/${text}`;
        const prev = taken.get(key);
        if (prev) {
          ctx.error(
            'address-taken',
            c,
            at,
            `address ${text} on Network ${n.name} is already taken by Container ${prev.c.name} (${where(ctx.pos(prev.a, field))})`,
          );
        } else taken.set(key, { c, a });
      }
    }
  }
  checkMacs(ctx, macs);
}

function addressProblem(n: NonNullable<ReturnType<RuleCtx['network']>>, ip: IP): { code: DiagnosticCode; message: string } | null {
  const subnets = n.subnets ?? [];
  const s = subnets.find((x) => {
    const cidr = parseCidr(x.subnet);
    return cidr && cidrContains(cidr, ip);
  });
  if (!s) {
    return { code: 'address-outside-subnet', message: `is outside the subnets of Network ${n.name} (${subnets.map((x) => x.subnet).join(', ')})` };
  }
  const cidr = parseCidr(s.subnet)!;
  if (isNetworkOrBroadcast(cidr, ip.value)) {
    return { code: 'address-unusable', message: `is the ${ip.value === cidr.network ? 'network' : 'broadcast'} address of subnet ${s.subnet}` };
  }
  const text = formatIP(ip.family, ip.value);
  if (n.gatewayMode !== 'isolated') {
    const gw = s.gateway ?? formatIP(cidr.family, firstHost(cidr));
    if (gw === text) return { code: 'address-taken', message: `is the gateway of Network ${n.name}${s.gateway ? '' : ' (the first address, by default)'}` };
  }
  if ((s.reserved ?? []).includes(text)) return { code: 'address-taken', message: `is reserved in Network ${n.name}` };
  return null;
}
