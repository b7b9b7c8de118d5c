// A schema-valid Container document → ContainerSpec: the namespace, attachments,
// /etc/netns entries, links and routes, with the loader's defaults (pure).
// Published ports are built in build-ports.ts.

import type { AttachmentSpec, ContainerMode, ContainerSpec, LinkRefSpec, NetnsSpec, RouteSpec } from '../model/config.js';
import { CONTAINER_DEFAULTS } from '../model/defaults.js';
import { echo } from '../model/diagnostic-bounds.js';
import { canonicalIP, formatAddrPrefix, parseCidr, parseIP } from '../model/ip.js';
import type { Builder } from './build.js';
import { buildPort } from './build-ports.js';
import { posAt } from './documents.js';
import { parseLinkPort } from './ports.js';
import type { RawContainer } from './schemas.js';
import type { TypedDoc } from './validate-schema.js';

type Item<T extends unknown[] | undefined> = NonNullable<T>[number];
type RawAttachment = Item<RawContainer['networks']>;
type RawLinkRef = Item<RawContainer['links']>;
type RawRoute = Item<RawContainer['routes']>;
type Doc = TypedDoc<'Container'>;

export function buildContainer(b: Builder, td: Doc): ContainerSpec {
  const d = td.data;
  const name = d.name;
  const c: ContainerSpec = {
    kind: 'Container',
    name,
    netns: netns(d.netns, name),
    mode: parseMode(d.mode),
    networks: (d.networks ?? []).map((a, i) => attachment(b, td, a, i)),
    networksDeclared: d.networks !== undefined,
    ports: (d.ports ?? []).flatMap((p, i) => buildPort(b, td, p, i)),
    extraHosts: (d.extraHosts ?? []).flatMap((h, i) => extraHost(b, td, h, i)),
    links: (d.links ?? []).map((l, i) => linkRef(b, td, l, i)),
    routes: (d.routes ?? []).map((r, i) => route(b, td, r, i)),
    loopback: (d.loopback ?? []).map((s) => formatAddrPrefix(parseCidr(s)!)),
    forwarding: d.forwarding ?? CONTAINER_DEFAULTS.forwarding,
    masquerade: d.masquerade ?? [],
    pos: posAt(td.raw, []),
  };
  if (d.hostname !== undefined) c.hostname = d.hostname;
  if (d.dns !== undefined) {
    const dns = d.dns;
    c.dns = {
      servers: (dns.servers ?? []).map(canonicalIP),
      search: dns.search ?? [],
      options: dns.options ?? [],
    };
  }
  if (d.host !== undefined) c.host = d.host;
  if (d.adopt === true) c.adopt = true;
  return b.track(c, td, []);
}

function netns(v: RawContainer['netns'], name: string): NetnsSpec {
  if (v === undefined) return { type: 'named', name };
  if (typeof v === 'string') return { type: 'named', name: v };
  if (v.path !== undefined) return { type: 'path', path: v.path };
  return { type: 'pid', pid: v.pid! }; // the schema's minProperties/maxProperties: exactly one of path and pid
}

export function parseMode(m: string | undefined): ContainerMode {
  if (m === undefined || m === CONTAINER_DEFAULTS.mode) return { type: 'bridge' };
  if (m === 'none' || m === 'host') return { type: m };
  return { type: 'container', container: m.slice('container:'.length) };
}

function attachment(b: Builder, td: Doc, a: RawAttachment, i: number): AttachmentSpec {
  const path = ['networks', i];
  const pos = posAt(td.raw, path);
  if (typeof a === 'string') return b.track({ network: a, aliases: [], pos }, td, path);
  const out: AttachmentSpec = { network: a.network, aliases: a.aliases ?? [], pos };
  if (a.ip !== undefined) out.ip = canonicalIP(a.ip);
  if (a.ip6 !== undefined) {
    if (parseIP(a.ip6)?.family !== 6) b.err(td, 'schema', [...path, 'ip6'], `${a.ip6} is not an IPv6 address`);
    out.ip6 = canonicalIP(a.ip6);
  }
  const mac = b.mac(td, [...path, 'mac'], a.mac);
  if (mac !== undefined) out.mac = mac;
  if (a.ifname !== undefined) out.ifname = a.ifname;
  if (a.hostIfname !== undefined) out.hostIfname = a.hostIfname;
  return b.track(out, td, path);
}

function extraHost(b: Builder, td: Doc, h: string, i: number): { name: string; ip: string }[] {
  const colon = h.indexOf(':');
  const name = h.slice(0, colon);
  const ip = h.slice(colon + 1);
  if (!parseIP(ip)) {
    b.err(td, 'invalid-extra-host', ['extraHosts', i], `${echo(h)}: ${echo(ip)} is not an IP address (write "name:address")`);
    return [];
  }
  return [{ name, ip: canonicalIP(ip) }];
}

function linkRef(b: Builder, td: Doc, l: RawLinkRef, i: number): LinkRefSpec {
  const path = ['links', i];
  const pos = posAt(td.raw, path);
  if (typeof l === 'string') {
    const [container, alias] = l.split(':');
    const out: LinkRefSpec = { container, ports: [], pos };
    if (alias !== undefined) out.alias = alias;
    return b.track(out, td, path);
  }
  const ports: LinkRefSpec['ports'] = [];
  (l.ports ?? []).forEach((p, j) => {
    const r = parseLinkPort(p);
    if (typeof r === 'string') b.err(td, 'invalid-port', [...path, 'ports', j], r);
    else ports.push(r);
  });
  const out: LinkRefSpec = { container: l.container, ports, pos };
  if (l.alias !== undefined) out.alias = l.alias;
  return b.track(out, td, path);
}

function route(b: Builder, td: Doc, r: RawRoute, i: number): RouteSpec {
  const path = ['routes', i];
  let to = r.to;
  if (to !== 'default') to = b.prefix(td, [...path, 'to'], to, 'invalid-route', 'route destination');
  if (r.via === undefined && r.dev === undefined) {
    b.err(td, 'invalid-route', path, `route to ${to} needs "via" (a next hop) or "dev" (an interface)`);
  }
  const out: RouteSpec = { to, pos: posAt(td.raw, path) };
  if (r.via !== undefined) out.via = canonicalIP(r.via);
  if (r.dev !== undefined) out.dev = r.dev;
  return b.track(out, td, path);
}
