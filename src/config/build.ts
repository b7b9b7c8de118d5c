// Schema-valid documents → typed specs with the loader's defaults, plus the
// per-value checks a schema cannot express (host bits, multicast MACs, ...).
// Values are normalized (canonical address text) so later stages compare text.

import type {
  AttachmentSpec,
  ContainerMode,
  ContainerSpec,
  HostSpec,
  LinkEndpointSpec,
  LinkRefSpec,
  LinkSpec,
  NetnsSpec,
  NetworkSpec,
  PortProtocol,
  PortSpec,
  RouteSpec,
  SettingsSpec,
  SubnetSpec,
} from '../model/config.js';
import { DEFAULT_VXLAN_PORT } from '../model/defaults.js';
import type { Diagnostic, DiagnosticCode } from '../model/diagnostic.js';
import { canonicalIP, formatAddrPrefix, formatNetwork, hostBitsSet, parseCidr, parseIP } from '../model/ip.js';
import type { Locator } from './locator.js';
import { echo } from '../model/diagnostic-bounds.js';
import { autoPort, pairRanges, parseLinkPort, parsePortString, parseRange } from './ports.js';
import { fieldName, objectLabel, type TypedDoc } from './validate-schema.js';
import { posAt, type Path } from './documents.js';

type Obj = Record<string, unknown>;

/** A MAC a host interface may take: multicast bit clear, not all zeros. */
function isUnicastMac(mac: string): boolean {
  const first = parseInt(mac.slice(0, 2), 16);
  return (first & 1) === 0 && !/^(00:){5}00$/.test(mac);
}

export class Builder {
  readonly errors: Diagnostic[] = [];
  constructor(private readonly loc: Locator) {}

  private err(td: TypedDoc, code: DiagnosticCode, path: Path, message: string): void {
    const field = fieldName(path);
    this.errors.push({
      code,
      message: field ? `${field}: ${message}` : message,
      object: objectLabel(td.kind, td.data),
      pos: posAt(td.raw, path),
    });
  }

  private track<T extends object>(obj: T, td: TypedDoc, path: Path): T {
    this.loc.set(obj, td.raw, path);
    return obj;
  }

  /** A CIDR whose host bits must be zero; normalized, host bits cleared after the error. */
  private prefix(td: TypedDoc, path: Path, text: string, code: DiagnosticCode, what: string): string {
    const c = parseCidr(text)!;
    if (hostBitsSet(c)) {
      this.err(td, code, path, `invalid ${what} ${text}: it has host bits set (did you mean ${formatNetwork(c)}?)`);
    }
    return formatNetwork(c);
  }

  private mac(td: TypedDoc, path: Path, text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    const mac = text.toLowerCase();
    if (!isUnicastMac(mac)) this.err(td, 'invalid-mac', path, `${mac} is not a unicast MAC address (multicast bit set, or all zeros)`);
    return mac;
  }

  network(td: TypedDoc): NetworkSpec {
    const d = td.data;
    const driver = (d.driver as NetworkSpec['driver']) ?? 'bridge';
    const subnets = (d.subnets as Obj[] | undefined)?.map((s, i): SubnetSpec => {
      const base = ['subnets', i];
      const out: SubnetSpec = { subnet: this.prefix(td, [...base, 'subnet'], s.subnet as string, 'invalid-subnet', 'subnet') };
      if (s.gateway !== undefined) out.gateway = canonicalIP(s.gateway as string);
      if (s.ipRange !== undefined) out.ipRange = this.prefix(td, [...base, 'ipRange'], s.ipRange as string, 'invalid-ip-range', 'ipRange');
      if (s.reserved !== undefined) out.reserved = (s.reserved as string[]).map(canonicalIP);
      return this.track(out, td, base);
    });
    const n: NetworkSpec = {
      kind: 'Network',
      name: d.name as string,
      driver,
      gatewayMode: (d.gatewayMode as NetworkSpec['gatewayMode']) ?? 'nat',
      icc: (d.icc as boolean | undefined) ?? true,
      internal: (d.internal as boolean | undefined) ?? false,
      pos: posAt(td.raw, []),
    };
    if (d.interface !== undefined) n.interface = d.interface as string;
    if (subnets !== undefined) n.subnets = subnets;
    if (d.mtu !== undefined) n.mtu = d.mtu as number;
    if (d.hostIP !== undefined) n.hostIP = canonicalIP(d.hostIP as string);
    if (d.allowHostOverlap === true) n.allowHostOverlap = true;
    if (d.parent !== undefined) n.parent = d.parent as string;
    if (d.mode !== undefined) n.mode = d.mode as NetworkSpec['mode'];
    else if (driver === 'macvlan') n.mode = 'bridge';
    if (d.vni !== undefined) n.vni = d.vni as number;
    if (d.port !== undefined) n.port = d.port as number;
    else if (driver === 'overlay') n.port = DEFAULT_VXLAN_PORT;
    return this.track(n, td, []);
  }

  container(td: TypedDoc): ContainerSpec {
    const d = td.data;
    const name = d.name as string;
    const c: ContainerSpec = {
      kind: 'Container',
      name,
      netns: this.netns(d.netns, name),
      mode: parseMode(d.mode as string | undefined),
      networks: ((d.networks as unknown[] | undefined) ?? []).map((a, i) => this.attachment(td, a, i)),
      networksDeclared: d.networks !== undefined,
      ports: ((d.ports as unknown[] | undefined) ?? []).flatMap((p, i) => this.port(td, p, i)),
      extraHosts: ((d.extraHosts as string[] | undefined) ?? []).flatMap((h, i) => this.extraHost(td, h, i)),
      links: ((d.links as unknown[] | undefined) ?? []).map((l, i) => this.linkRef(td, l, i)),
      routes: ((d.routes as Obj[] | undefined) ?? []).map((r, i) => this.route(td, r, i)),
      loopback: ((d.loopback as string[] | undefined) ?? []).map((s) => formatAddrPrefix(parseCidr(s)!)),
      forwarding: (d.forwarding as boolean | undefined) ?? false,
      masquerade: (d.masquerade as string[] | undefined) ?? [],
      pos: posAt(td.raw, []),
    };
    if (d.hostname !== undefined) c.hostname = d.hostname as string;
    if (d.dns !== undefined) {
      const dns = d.dns as Obj;
      c.dns = {
        servers: ((dns.servers as string[] | undefined) ?? []).map(canonicalIP),
        search: (dns.search as string[] | undefined) ?? [],
        options: (dns.options as string[] | undefined) ?? [],
      };
    }
    if (d.host !== undefined) c.host = d.host as string;
    return this.track(c, td, []);
  }

  private netns(v: unknown, name: string): NetnsSpec {
    if (v === undefined) return { type: 'named', name };
    if (typeof v === 'string') return { type: 'named', name: v };
    const o = v as Obj;
    if (o.path !== undefined) return { type: 'path', path: o.path as string };
    return { type: 'pid', pid: o.pid as number };
  }

  private attachment(td: TypedDoc, a: unknown, i: number): AttachmentSpec {
    const path = ['networks', i];
    const pos = posAt(td.raw, path);
    if (typeof a === 'string') return this.track({ network: a, aliases: [], pos }, td, path);
    const o = a as Obj;
    const out: AttachmentSpec = { network: o.network as string, aliases: (o.aliases as string[] | undefined) ?? [], pos };
    if (o.ip !== undefined) out.ip = canonicalIP(o.ip as string);
    if (o.ip6 !== undefined) {
      if (parseIP(o.ip6 as string)?.family !== 6) this.err(td, 'schema', [...path, 'ip6'], `${o.ip6} is not an IPv6 address`);
      out.ip6 = canonicalIP(o.ip6 as string);
    }
    const mac = this.mac(td, [...path, 'mac'], o.mac as string | undefined);
    if (mac !== undefined) out.mac = mac;
    if (o.ifname !== undefined) out.ifname = o.ifname as string;
    return this.track(out, td, path);
  }

  private port(td: TypedDoc, p: unknown, i: number): PortSpec[] {
    const path = ['ports', i];
    const pos = posAt(td.raw, path);
    if (typeof p === 'string' || typeof p === 'number') {
      const r = parsePortString(String(p));
      if (!r.ok) {
        this.err(td, 'invalid-port', path, r.message);
        return [];
      }
      return [this.track({ ...r.value, pos }, td, path)];
    }
    const o = p as Obj;
    const range = (field: string, what: string): [number, number] | null => {
      const v = o[field];
      const r = typeof v === 'number' ? parseRange(String(v), what) : parseRange(v as string, what);
      if (typeof r === 'string') {
        this.err(td, 'invalid-port', [...path, field], r);
        return null;
      }
      return r;
    };
    const cont = range('containerPort', 'container port');
    if (o.hostPort === undefined && cont) {
      const auto: PortSpec = { ...autoPort(o.hostIP as string | undefined, cont, (o.protocol as PortProtocol | undefined) ?? 'tcp'), pos };
      if (o.network !== undefined) auto.network = o.network as string;
      return [this.track(auto, td, path)];
    }
    const host = range('hostPort', 'host port');
    if (!host || !cont) return [];
    const pairErr = pairRanges(host, cont, `${o.hostPort}:${o.containerPort}`);
    if (pairErr) {
      this.err(td, 'invalid-port', path, pairErr);
      return [];
    }
    const out: PortSpec = {
      hostPort: host[0],
      hostPortEnd: host[1],
      containerPort: cont[0],
      containerPortEnd: cont[1],
      protocol: (o.protocol as PortProtocol | undefined) ?? 'tcp',
      pos,
    };
    if (o.hostIP !== undefined) out.hostIP = canonicalIP(o.hostIP as string);
    if (o.network !== undefined) out.network = o.network as string;
    return [this.track(out, td, path)];
  }

  private extraHost(td: TypedDoc, h: string, i: number): { name: string; ip: string }[] {
    const colon = h.indexOf(':');
    const name = h.slice(0, colon);
    const ip = h.slice(colon + 1);
    if (!parseIP(ip)) {
      this.err(td, 'invalid-extra-host', ['extraHosts', i], `${echo(h)}: ${echo(ip)} is not an IP address (write "name:address")`);
      return [];
    }
    return [{ name, ip: canonicalIP(ip) }];
  }

  private linkRef(td: TypedDoc, l: unknown, i: number): LinkRefSpec {
    const path = ['links', i];
    const pos = posAt(td.raw, path);
    if (typeof l === 'string') {
      const [container, alias] = l.split(':');
      const out: LinkRefSpec = { container, ports: [], pos };
      if (alias !== undefined) out.alias = alias;
      return this.track(out, td, path);
    }
    const o = l as Obj;
    const ports: LinkRefSpec['ports'] = [];
    ((o.ports as (number | string)[] | undefined) ?? []).forEach((p, j) => {
      const r = parseLinkPort(p);
      if (typeof r === 'string') this.err(td, 'invalid-port', [...path, 'ports', j], r);
      else ports.push(r);
    });
    const out: LinkRefSpec = { container: o.container as string, ports, pos };
    if (o.alias !== undefined) out.alias = o.alias as string;
    return this.track(out, td, path);
  }

  private route(td: TypedDoc, r: Obj, i: number): RouteSpec {
    const path = ['routes', i];
    let to = r.to as string;
    if (to !== 'default') to = this.prefix(td, [...path, 'to'], to, 'invalid-route', 'route destination');
    if (r.via === undefined && r.dev === undefined) {
      this.err(td, 'invalid-route', path, `route to ${to} needs "via" (a next hop) or "dev" (an interface)`);
    }
    const out: RouteSpec = { to, pos: posAt(td.raw, path) };
    if (r.via !== undefined) out.via = canonicalIP(r.via as string);
    if (r.dev !== undefined) out.dev = r.dev as string;
    return this.track(out, td, path);
  }

  link(td: TypedDoc): LinkSpec {
    const d = td.data;
    const ends = (d.endpoints as Obj[]).map((e, i): LinkEndpointSpec => {
      const path = ['endpoints', i];
      const out: LinkEndpointSpec = { container: e.container as string, ifname: e.ifname as string, pos: posAt(td.raw, path) };
      if (e.ip !== undefined) out.ip = formatAddrPrefix(parseCidr(e.ip as string)!);
      const mac = this.mac(td, [...path, 'mac'], e.mac as string | undefined);
      if (mac !== undefined) out.mac = mac;
      return this.track(out, td, path);
    });
    const l: LinkSpec = {
      kind: 'Link',
      name: d.name as string,
      endpoints: [ends[0], ends[1]],
      pos: posAt(td.raw, []),
    };
    if (d.mtu !== undefined) l.mtu = d.mtu as number;
    return this.track(l, td, []);
  }

  host(td: TypedDoc): HostSpec {
    const d = td.data;
    return this.track(
      { kind: 'Host', name: d.name as string, address: canonicalIP(d.address as string), pos: posAt(td.raw, []) },
      td,
      [],
    );
  }

  settings(td: TypedDoc): SettingsSpec {
    const d = td.data;
    const s: SettingsSpec = {
      kind: 'Settings',
      ipForward: (d.ipForward as boolean | undefined) ?? true,
      iptables: (d.iptables as boolean | undefined) ?? true,
      prune: (d.prune as boolean | undefined) ?? true,
      pos: posAt(td.raw, []),
    };
    if (d.name !== undefined) s.name = d.name as string;
    return this.track(s, td, []);
  }
}

export function parseMode(m: string | undefined): ContainerMode {
  if (m === undefined || m === 'bridge') return { type: 'bridge' };
  if (m === 'none' || m === 'host') return { type: m };
  return { type: 'container', container: m.slice('container:'.length) };
}

