// Schema-valid documents → typed specs with the loader's defaults, plus the
// per-value checks a schema cannot express (host bits, multicast MACs, ...).
// Values are normalized (canonical address text) so later stages compare text.
// The documents arrive typed by their kind's schema (validate-schema.ts), so no
// field is cast; defaults come from src/model/defaults.ts. Containers are built in
// build-container.ts, their published ports in build-ports.ts.

import type { ContainerSpec, HostSpec, LinkEndpointSpec, LinkSpec, NetworkSpec, SettingsSpec, SubnetSpec } from '../model/config.js';
import { DEFAULT_SETTINGS, NETWORK_DEFAULTS } from '../model/defaults.js';
import type { Diagnostic, DiagnosticCode } from '../model/diagnostic.js';
import { canonicalIP, formatAddrPrefix, formatNetwork, hostBitsSet, parseCidr } from '../model/ip.js';
import { buildContainer } from './build-container.js';
import { buildExpect } from './build-expect.js';
import type { ExpectSpec } from '../model/expect.js';
import { posAt, type Path } from './documents.js';
import type { Locator } from './locator.js';
import { fieldName, objectLabel, type TypedDoc } from './validate-schema.js';

/** A MAC a host interface may take: multicast bit clear, not all zeros. */
function isUnicastMac(mac: string): boolean {
  const first = parseInt(mac.slice(0, 2), 16);
  return (first & 1) === 0 && !/^(00:){5}00$/.test(mac);
}

export class Builder {
  readonly errors: Diagnostic[] = [];
  constructor(private readonly loc: Locator) {}

  /** An error at `path` of the document, prefixed with the field's name. */
  err(td: TypedDoc, code: DiagnosticCode, path: Path, message: string): void {
    const field = fieldName(path);
    this.errors.push({
      code,
      message: field ? `${field}: ${message}` : message,
      object: objectLabel(td.kind, td.data),
      pos: posAt(td.raw, path),
    });
  }

  /** Remembers where `obj` was written (for the rules' diagnostics). */
  track<T extends object>(obj: T, td: TypedDoc, path: Path): T {
    this.loc.set(obj, td.raw, path);
    return obj;
  }

  /** A CIDR whose host bits must be zero; normalized, host bits cleared after the error. */
  prefix(td: TypedDoc, path: Path, text: string, code: DiagnosticCode, what: string): string {
    const c = parseCidr(text)!; // the schema's "cidr" format
    if (hostBitsSet(c)) {
      this.err(td, code, path, `invalid ${what} ${text}: it has host bits set (did you mean ${formatNetwork(c)}?)`);
    }
    return formatNetwork(c);
  }

  mac(td: TypedDoc, path: Path, text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    const mac = text.toLowerCase();
    if (!isUnicastMac(mac)) this.err(td, 'invalid-mac', path, `${mac} is not a unicast MAC address (multicast bit set, or all zeros)`);
    return mac;
  }

  network(td: TypedDoc<'Network'>): NetworkSpec {
    const d = td.data;
    const driver = d.driver ?? NETWORK_DEFAULTS.driver;
    const subnets = d.subnets?.map((s, i): SubnetSpec => {
      const base = ['subnets', i];
      const out: SubnetSpec = { subnet: this.prefix(td, [...base, 'subnet'], s.subnet, 'invalid-subnet', 'subnet') };
      if (s.gateway !== undefined) out.gateway = canonicalIP(s.gateway);
      if (s.ipRange !== undefined) out.ipRange = this.prefix(td, [...base, 'ipRange'], s.ipRange, 'invalid-ip-range', 'ipRange');
      if (s.reserved !== undefined) out.reserved = s.reserved.map(canonicalIP);
      return this.track(out, td, base);
    });
    const n: NetworkSpec = {
      kind: 'Network',
      name: d.name,
      driver,
      gatewayMode: d.gatewayMode ?? NETWORK_DEFAULTS.gatewayMode,
      icc: d.icc ?? NETWORK_DEFAULTS.icc,
      internal: d.internal ?? NETWORK_DEFAULTS.internal,
      pos: posAt(td.raw, []),
    };
    if (d.interface !== undefined) n.interface = d.interface;
    if (subnets !== undefined) n.subnets = subnets;
    if (d.mtu !== undefined) n.mtu = d.mtu;
    if (d.hostIP !== undefined) n.hostIP = canonicalIP(d.hostIP);
    if (d.allowHostOverlap === true) n.allowHostOverlap = true;
    if (d.parent !== undefined) n.parent = d.parent;
    if (d.mode !== undefined) n.mode = d.mode;
    else if (driver === 'macvlan') n.mode = NETWORK_DEFAULTS.macvlanMode;
    if (d.vni !== undefined) n.vni = d.vni;
    if (d.port !== undefined) n.port = d.port;
    else if (driver === 'overlay') n.port = NETWORK_DEFAULTS.port;
    if (d.fabric !== undefined) n.fabric = d.fabric;
    if (d.hostSubnetSize !== undefined) n.hostSubnetSize = d.hostSubnetSize;
    const mac = this.mac(td, ['mac'], d.mac);
    if (mac !== undefined) n.mac = mac;
    if (d.adopt === true) n.adopt = true;
    return this.track(n, td, []);
  }

  container(td: TypedDoc<'Container'>): ContainerSpec {
    return buildContainer(this, td);
  }

  link(td: TypedDoc<'Link'>): LinkSpec {
    const d = td.data;
    const ends = d.endpoints.map((e, i): LinkEndpointSpec => {
      const path = ['endpoints', i];
      const out: LinkEndpointSpec = { container: e.container, ifname: e.ifname, pos: posAt(td.raw, path) };
      if (e.ip !== undefined) out.ip = formatAddrPrefix(parseCidr(e.ip)!);
      const mac = this.mac(td, [...path, 'mac'], e.mac);
      if (mac !== undefined) out.mac = mac;
      return this.track(out, td, path);
    });
    const l: LinkSpec = {
      kind: 'Link',
      name: d.name,
      endpoints: [ends[0], ends[1]],
      pos: posAt(td.raw, []),
    };
    if (d.mtu !== undefined) l.mtu = d.mtu;
    if (d.adopt === true) l.adopt = true;
    return this.track(l, td, []);
  }

  host(td: TypedDoc<'Host'>): HostSpec {
    const d = td.data;
    return this.track({ kind: 'Host', name: d.name, address: canonicalIP(d.address), pos: posAt(td.raw, []) }, td, []);
  }

  expect(td: TypedDoc<'Expect'>): ExpectSpec {
    return buildExpect(this, td);
  }

  settings(td: TypedDoc<'Settings'>): SettingsSpec {
    const d = td.data;
    const s: SettingsSpec = {
      kind: 'Settings',
      ipForward: d.ipForward ?? DEFAULT_SETTINGS.ipForward,
      iptables: d.iptables ?? DEFAULT_SETTINGS.iptables,
      prune: d.prune ?? DEFAULT_SETTINGS.prune,
      pos: posAt(td.raw, []),
    };
    if (d.name !== undefined) s.name = d.name;
    if (d.store) {
      const e = d.store.etcd;
      s.store = { etcd: { endpoints: [...e.endpoints], prefix: e.prefix ?? '/netkeeper', ttl: e.ttl ?? 10, ...(e.tls ? { tls: { ...e.tls } } : {}) } };
    }
    return this.track(s, td, []);
  }
}
