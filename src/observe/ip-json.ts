// Shapes of iproute2 6.x JSON output (`ip -j [-d] [-N] ...`, `bridge -j ...`), only the
// fields netkeeper reads. Everything is optional: iproute2 omits keys at their defaults
// and omits the key a command filters on (e.g. no `dev` in `neigh show dev X`).
// With -N, numeric fields such as scope/protocol/table/type print as strings ("253").

export interface IpLinkInfo {
  info_kind?: string;
  info_data?: Record<string, unknown>;
  info_slave_kind?: string;
  info_slave_data?: Record<string, unknown>;
}

export interface IpAddrInfo {
  family?: string; // inet | inet6
  local?: string;
  prefixlen?: number;
  scope?: string | number; // "global" / "0", "link" / "253", "host" / "254"
  label?: string;
}

/** One entry of `ip -j -d link show` or `ip -j -d addr show` (the latter adds addr_info). */
export interface IpLink {
  ifindex?: number;
  ifname?: string;
  flags?: string[];
  mtu?: number;
  address?: string;
  master?: string;
  ifalias?: string;
  link?: string | null; // peer / parent name when in the same namespace
  link_index?: number;
  link_netnsid?: number;
  link_type?: string;
  inet6_addr_gen_mode?: string;
  linkinfo?: IpLinkInfo;
  addr_info?: IpAddrInfo[];
}

export interface IpRoute {
  type?: string;
  dst?: string;
  gateway?: string;
  via?: { family?: string; host?: string };
  dev?: string;
  protocol?: string;
  table?: string;
  scope?: string;
  metric?: number;
  pref?: string;
  flags?: string[];
}

export interface IpNeigh {
  dst?: string;
  dev?: string;
  lladdr?: string;
  state?: string[];
}

export interface FdbEntry {
  mac?: string;
  ifname?: string;
  dev?: string;
  dst?: string;
  master?: string;
  flags?: string[];
  state?: string;
  vlan?: number;
}

export interface NetconfEntry {
  family?: string;
  interface?: string;
  forwarding?: boolean | number | string;
}

export interface NetnsListEntry {
  name?: string;
  id?: number;
}

/** Parse one JSON document that must be an array (iproute2 prints `[]` when empty). */
export function parseJsonArray<T>(text: string, what: string): T[] {
  const t = text.trim();
  if (t === '') return [];
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (e) {
    throw new Error(`cannot parse ${what} output as JSON: ${(e as Error).message}: ${t.slice(0, 120)}`);
  }
  if (!Array.isArray(v)) throw new Error(`${what} output is not a JSON array`);
  return v as T[];
}
