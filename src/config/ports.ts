// Published-port and link-port syntax (pure).

import type { GatewayMode, NetworkDriver, PortProtocol } from '../model/config.js';
import { CONTAINER_DEFAULTS } from '../model/defaults.js';
import { canonicalIP, parseIP } from '../model/ip.js';

export interface ParsedPort {
  hostIP?: string;
  /** 0 when `auto` */
  hostPort: number;
  hostPortEnd: number;
  /** no host port written ("80", "127.0.0.1::80"): netkeeper chooses one (src/plan/ports.ts) */
  auto?: true;
  containerPort: number;
  containerPortEnd: number;
  protocol: PortProtocol;
}

export type PortParse = { ok: true; value: ParsedPort } | { ok: false; message: string };

const RANGE = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/;

/** "80" or "9000-9003" → [start, end], or a message. */
export function parseRange(s: string, what: string): [number, number] | string {
  const m = RANGE.exec(s);
  if (!m) return `${what} "${s}" is not a port or a range like 9000-9003`;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  for (const n of [a, b]) if (n < 1 || n > 65535) return `${what} ${n} is outside 1-65535`;
  if (b < a) return `${what} range "${s}" ends before it starts`;
  return [a, b];
}

/** Ranges must pair up one to one (Docker's random pick from a host range is not supported). */
export function pairRanges(host: [number, number], cont: [number, number], text: string): string | null {
  if (host[1] - host[0] !== cont[1] - cont[0]) {
    return `port "${text}": the host range and the container range must have the same length`;
  }
  return null;
}

/**
 * "[hostIP:]hostPort[-end]:containerPort[-end][/tcp|udp]"; an IPv6 host address
 * is written in brackets: "[::1]:8080:80". As with Docker's `-p`, the host port may
 * be left out ("80", "80/udp", "127.0.0.1::80", "[::1]::80"): it is then chosen by
 * netkeeper from 49153-65535.
 */
export function parsePortString(text: string): PortParse {
  const fail = (message: string): PortParse => ({ ok: false, message });
  let rest = String(text).trim();
  let protocol: PortProtocol = CONTAINER_DEFAULTS.protocol;
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const proto = rest.slice(slash + 1);
    if (proto !== 'tcp' && proto !== 'udp') return fail(`port "${text}": protocol must be tcp or udp, not "${proto}"`);
    protocol = proto;
    rest = rest.slice(0, slash);
  }
  let hostIP: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0 || rest[close + 1] !== ':') return fail(`port "${text}": an IPv6 host address is written [addr]:hostPort:containerPort`);
    hostIP = rest.slice(1, close);
    rest = rest.slice(close + 2);
    const ip = parseIP(hostIP);
    if (!ip || ip.family !== 6) return fail(`port "${text}": "${hostIP}" is not an IPv6 address`);
  }
  const parts = rest.split(':');
  if (parts.length === 3 && hostIP === undefined) {
    hostIP = parts.shift()!;
    if (!parseIP(hostIP) || hostIP.includes(':')) return fail(`port "${text}": "${hostIP}" is not an IPv4 address`);
  }
  // "80" or "127.0.0.1::80": no host port
  const bare = (parts.length === 1 && hostIP === undefined) || (parts.length === 2 && parts[0] === '' && hostIP !== undefined);
  if (bare && /^[0-9]+(-[0-9]+)?$/.test(parts[parts.length - 1])) {
    const cont = parseRange(parts[parts.length - 1], 'container port');
    if (typeof cont === 'string') return fail(`port "${text}": ${cont}`);
    return { ok: true, value: autoPort(hostIP, cont, protocol) };
  }
  if (parts.length !== 2) return fail(`port "${text}" is not [hostIP:]hostPort:containerPort[/protocol]`);
  const host = parseRange(parts[0], 'host port');
  if (typeof host === 'string') return fail(`port "${text}": ${host}`);
  const cont = parseRange(parts[1], 'container port');
  if (typeof cont === 'string') return fail(`port "${text}": ${cont}`);
  const pairErr = pairRanges(host, cont, text);
  if (pairErr) return fail(pairErr);
  return {
    ok: true,
    value: {
      ...(hostIP !== undefined ? { hostIP: canonicalIP(hostIP) } : {}),
      hostPort: host[0],
      hostPortEnd: host[1],
      containerPort: cont[0],
      containerPortEnd: cont[1],
      protocol,
    },
  };
}

/** A port published without a host port: the host port is chosen when planning. */
export function autoPort(hostIP: string | undefined, cont: [number, number], protocol: PortProtocol): ParsedPort {
  return {
    ...(hostIP !== undefined ? { hostIP: canonicalIP(hostIP) } : {}),
    hostPort: 0,
    hostPortEnd: 0,
    auto: true,
    containerPort: cont[0],
    containerPortEnd: cont[1],
    protocol,
  };
}

/** links[].ports item: 5432 or "5432/tcp" or "53/udp". */
export function parseLinkPort(v: number | string): { port: number; protocol: PortProtocol } | string {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1 || v > 65535) return `port ${v} is outside 1-65535`;
    return { port: v, protocol: CONTAINER_DEFAULTS.protocol };
  }
  const m = /^([0-9]{1,5})(?:\/(tcp|udp))?$/.exec(v);
  if (!m) return `"${v}" is not a port like 5432 or "5432/tcp"`;
  const port = Number(m[1]);
  if (port < 1 || port > 65535) return `port ${port} is outside 1-65535`;
  return { port, protocol: (m[2] as PortProtocol | undefined) ?? CONTAINER_DEFAULTS.protocol };
}

/**
 * Why ports cannot be published into a network (undefined: they can). DNAT
 * needs the host to route into the network: a nat or routed bridge or overlay,
 * not internal. An isolated switch and a macvlan LAN give the host no part.
 */
export function noPortsReason(n: {
  driver: NetworkDriver;
  gatewayMode: GatewayMode;
  internal: boolean;
}): { code: 'port-internal' | 'port-unroutable'; why: string; short: string } | undefined {
  if (n.internal) return { code: 'port-internal', why: 'internal', short: 'internal' };
  if (n.driver === 'macvlan') return { code: 'port-unroutable', why: 'a macvlan network (the host does not route it)', short: 'macvlan' };
  if (n.gatewayMode === 'isolated')
    return { code: 'port-unroutable', why: 'gatewayMode isolated (the host takes no part in it)', short: 'gatewayMode isolated' };
  return undefined;
}
