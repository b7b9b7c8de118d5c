// What `ip -j -d -N … show` prints for the fake state: the same keys, in the same
// order and with the same -N numeric strings as the real captures
// (test/fixtures/ip/*_batch.txt, iproute2 6.1). Fields netkeeper does not read are
// printed with the constant values of a quiet kernel (qdisc, txqlen, gso_*…).

import type { FakeLink, FakeNs, FakeRoute } from './state.js';
import { connectedRoutes } from './state.js';

type Json = Record<string, unknown>;

function flags(l: FakeLink): string[] {
  if (l.kind === 'loopback') return l.up ? ['LOOPBACK', 'UP', 'LOWER_UP'] : ['LOOPBACK'];
  return l.up ? ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'] : ['BROADCAST', 'MULTICAST'];
}

function linkInfo(l: FakeLink): Json | undefined {
  const info: Json = {};
  if (l.kind === 'bridge') info.info_kind = 'bridge';
  if (l.kind === 'bridge')
    info.info_data = { forward_delay: 1500, hello_time: 200, max_age: 2000, ageing_time: 30000, stp_state: 0, priority: 32768, vlan_filtering: 0 };
  if (l.kind === 'veth') info.info_kind = 'veth';
  if (l.kind === 'dummy') info.info_kind = 'dummy';
  if (l.kind === 'vxlan') {
    const v = l.vxlan!;
    info.info_kind = 'vxlan';
    info.info_data = {
      id: v.id,
      ...(v.local ? { local: v.local } : {}),
      ...(v.dev ? { link: v.dev } : {}),
      port_range: { low: 0, high: 0 },
      port: v.port,
      learning: v.learning,
      ...(v.proxy ? { proxy: true } : {}),
      ttl: 0,
      df: 'unset',
      ageing: 300,
    };
  }
  if (l.kind === 'macvlan') {
    info.info_kind = 'macvlan';
    info.info_data = { mode: l.macvlanMode ?? 'vepa', bcqueuelen: 1000, usedbcqueuelen: 1000 };
  }
  if (l.master?.kind === 'bridge') {
    info.info_slave_kind = 'bridge';
    info.info_slave_data = {
      state: l.up ? 'forwarding' : 'disabled',
      priority: 32,
      cost: 2,
      hairpin: l.hairpin,
      guard: false,
      learning: l.learning,
      flood: true,
    };
  }
  return Object.keys(info).length ? info : undefined;
}

/** The cross-link fields: `link` (a name in this namespace) or `link_index` + `link_netnsid`. */
function linkRef(l: FakeLink): Json {
  const other = l.peer ?? l.parent;
  if (!other) return {};
  if (other.ns === l.ns) return { link: other.ifname };
  return { link_index: other.ifindex, link_netnsid: l.ns.nsidOf(other.ns) };
}

function linkJson(l: FakeLink): Json {
  const ref = linkRef(l);
  const j: Json = { ifindex: l.ifindex };
  if ('link' in ref) j.link = ref.link;
  if ('link_index' in ref) j.link_index = ref.link_index;
  j.ifname = l.ifname;
  j.flags = flags(l);
  j.mtu = l.mtu;
  j.qdisc = l.up ? 'noqueue' : 'noop';
  if (l.master) j.master = l.master.ifname;
  j.operstate = l.kind === 'loopback' ? 'UNKNOWN' : l.up ? 'UP' : 'DOWN';
  j.linkmode = 'DEFAULT';
  j.group = '0';
  j.txqlen = 1000;
  j.link_type = l.kind === 'loopback' ? '[772]' : '[1]';
  j.address = l.mac;
  j.broadcast = l.kind === 'loopback' ? '00:00:00:00:00:00' : 'ff:ff:ff:ff:ff:ff';
  if ('link_netnsid' in ref) j.link_netnsid = ref.link_netnsid;
  j.promiscuity = l.master ? 1 : 0;
  j.allmulti = l.master ? 1 : 0;
  j.min_mtu = l.kind === 'loopback' ? 0 : 68;
  j.max_mtu = l.kind === 'loopback' ? 0 : 65535;
  const info = linkInfo(l);
  if (info) j.linkinfo = info;
  j.inet6_addr_gen_mode = l.addrgenNone ? 'none' : 'eui64';
  j.num_tx_queues = 1;
  j.num_rx_queues = 1;
  j.gso_max_size = 65536;
  j.gso_max_segs = 65535;
  if (l.alias !== undefined) j.ifalias = l.alias;
  return j;
}

function sorted(ns: FakeNs): FakeLink[] {
  return [...ns.links.values()].sort((a, b) => a.ifindex - b.ifindex);
}

export function linkShow(ns: FakeNs): Json[] {
  return sorted(ns).map(linkJson);
}

export function addrShow(ns: FakeNs): Json[] {
  return sorted(ns).map((l) => {
    const j = linkJson(l);
    delete j.linkmode;
    j.addr_info = l.addrs.map((a) => ({
      family: a.family,
      local: a.local,
      prefixlen: a.prefixlen,
      scope: l.kind === 'loopback' && (a.local === '127.0.0.1' || a.local === '::1') ? '254' : '0',
      ...(a.family === 'inet' ? { label: a.label ?? l.ifname } : {}),
      ...(a.nodad ? { nodad: true } : {}),
      valid_life_time: 4294967295,
      preferred_life_time: 4294967295,
    }));
    return j;
  });
}

function routeJson(r: FakeRoute, withTable: boolean, withProto: boolean): Json {
  const j: Json = { type: '1', dst: r.dst };
  if (r.gateway) j.gateway = r.gateway;
  if (r.dev) j.dev = r.dev;
  if (withTable) j.table = String(r.table);
  if (withProto) j.protocol = String(r.protocol);
  j.scope = String(r.scope);
  if (r.prefsrc) j.prefsrc = r.prefsrc;
  if (r.family === 'inet6') j.metric = r.protocol === 2 ? 256 : 1024;
  j.flags = r.onlink ? ['onlink'] : [];
  if (r.family === 'inet6') j.pref = 'medium';
  return j;
}

/** Every route of the namespace: explicit ones and the connected routes of its up links. */
export function allRoutes(ns: FakeNs): FakeRoute[] {
  const connected = sorted(ns).flatMap(connectedRoutes);
  return [...ns.routes, ...connected];
}

const order = (r: FakeRoute) => (r.family === 'inet' ? 0 : 1);

/** `route show table all proto P` (table printed, protocol filtered hence omitted). */
export function routeShowProto(ns: FakeNs, proto: number): Json[] {
  return allRoutes(ns)
    .filter((r) => r.protocol === proto)
    .sort((a, b) => order(a) - order(b))
    .map((r) => routeJson(r, true, false));
}

/** `route show table main` (IPv4 only, as a family-less `ip route` prints). */
export function routeShowMain(ns: FakeNs): Json[] {
  return allRoutes(ns)
    .filter((r) => r.family === 'inet' && r.table === 254)
    .sort((a, b) => (a.dst === 'default' ? -1 : b.dst === 'default' ? 1 : a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0))
    .map((r) => routeJson(r, false, true));
}

/** `-6 route show default` (the RA guard). */
export function route6Default(ns: FakeNs): Json[] {
  return allRoutes(ns)
    .filter((r) => r.family === 'inet6' && r.dst === 'default')
    .map((r) => ({
      dst: 'default',
      ...(r.gateway ? { gateway: r.gateway } : {}),
      ...(r.dev ? { dev: r.dev } : {}),
      protocol: r.protocol === 9 ? 'ra' : String(r.protocol),
      metric: 1024,
      flags: [],
      pref: 'medium',
    }));
}

export function neighShow(ns: FakeNs): Json[] {
  return ns.neigh.map((n) => ({ dst: n.dst, dev: n.dev, lladdr: n.lladdr, state: ['PERMANENT'] }));
}

export function netconfShow(ns: FakeNs): Json[] {
  const out: Json[] = [];
  for (const [family, key] of [
    ['inet', 'net/ipv4/ip_forward'],
    ['inet6', 'net/ipv6/conf/all/forwarding'],
  ] as const) {
    const on = ns.sysctls.get(key) === '1';
    for (const l of sorted(ns)) out.push({ family, interface: l.ifname, forwarding: on });
    out.push({ family, interface: 'all', forwarding: on }, { family, interface: 'default', forwarding: on });
  }
  return out;
}

/** `bridge -j fdb show dev D`: the port's own permanent entry when it is a bridge port, then static and remote entries. */
export function fdbShow(ns: FakeNs, dev: string): Json[] {
  const link = ns.byName(dev);
  const out: Json[] = [];
  if (link?.master) out.push({ mac: link.mac, flags: [], master: link.master.ifname, state: 'permanent' });
  for (const f of ns.fdb) {
    if (f.dev !== dev) continue;
    if (f.master) out.push({ mac: f.mac, flags: [], master: link?.master?.ifname ?? '', state: 'static' });
    else out.push({ mac: f.mac, dst: f.dst, flags: ['self'], state: 'permanent' });
  }
  return out;
}
