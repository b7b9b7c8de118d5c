// Overlay membership from a store (etcd, src/shell/store/) → the same input the
// overlay planner takes from the files of a shared directory. Pure.
//
// With a store, each host's directory declares the shared overlay Networks, its own
// Host and only its own containers. The other hosts and their overlay endpoints
// come from the store and are merged in as if they had been written as Host and
// Container documents of other hosts: the planner (topology, overlay.ts, status)
// has one path for remote members, whichever way they arrive.
//
// Keys under the prefix (every one under its host's lease):
//   <prefix>/hosts/<host>                  {"address": "...", "vteps": [{network, vni, port}]}
//   <prefix>/claims/<network>/<address>    {"host": "...", "container": "...", "mac": "..."}
// A claim is created only if absent (an etcd transaction): it is the IPAM claim
// and the endpoint's registration at once, so two hosts never hand out one address.

import type { AttachmentSpec, Config, ContainerSpec, HostSpec, SourcePos } from '../model/config.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { Topology } from '../model/topology.js';
import type { FleetSubnet } from './fleet-routed.js';

export interface FleetHost {
  name: string;
  address: string;
  vteps: { network: string; vni?: number; port?: number }[];
}

export interface FleetClaim {
  network: string;
  address: string;
  host: string;
  container: string;
  mac: string;
}

export interface Membership {
  hosts: FleetHost[];
  claims: FleetClaim[];
  /** routed overlays' per-host subnets (src/plan/fleet-routed.ts) */
  subnets?: FleetSubnet[];
}

export const EMPTY_MEMBERSHIP: Membership = { hosts: [], claims: [] };

const STORE_POS = (key: string): SourcePos => ({ file: `store:${key}`, line: 1, col: 1 });

export const hostKey = (prefix: string, host: string) => `${prefix}/hosts/${host}`;
export const claimKey = (prefix: string, network: string, address: string) => `${prefix}/claims/${network}/${address}`;

function parseJson(v: string): Record<string, unknown> | undefined {
  try {
    const o = JSON.parse(v) as unknown;
    return o && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** The store's keys under `prefix` → membership; keys it does not understand are ignored (listed in `ignored`). */
export function parseMembership(kvs: { key: string; value: string }[], prefix: string): Membership & { ignored: string[] } {
  const hosts: FleetHost[] = [];
  const claims: FleetClaim[] = [];
  const ignored: string[] = [];
  for (const { key, value } of kvs) {
    if (!key.startsWith(`${prefix}/`)) continue;
    const parts = key.slice(prefix.length + 1).split('/');
    const o = parseJson(value);
    if (parts[0] === 'hosts' && parts.length === 2 && o && str(o.address)) {
      const vteps = Array.isArray(o.vteps) ? (o.vteps as FleetHost['vteps']).filter((v) => v && typeof v.network === 'string') : [];
      hosts.push({ name: parts[1], address: str(o.address)!, vteps });
    } else if (parts[0] === 'claims' && parts.length === 3 && o && str(o.host) && str(o.container) && str(o.mac)) {
      claims.push({ network: parts[1], address: parts[2], host: str(o.host)!, container: str(o.container)!, mac: str(o.mac)!.toLowerCase() });
    } else {
      ignored.push(key);
    }
  }
  hosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  claims.sort((a, b) => (a.network + a.address < b.network + b.address ? -1 : 1));
  return { hosts, claims, ignored };
}

/**
 * Files + store → the configuration the planner sees. Remote hosts become Host
 * documents (unless the files declare them: the files win), remote endpoints on
 * an overlay Network the files declare become Container documents placed on their
 * host with fixed addresses and MACs. This host's own claims pin its containers'
 * dynamic addresses, so an address stays put while the container exists even
 * when the remote members around it change. A remote endpoint whose container
 * name the files use is left out with a warning.
 */
export function mergeMembership(config: Config, m: Membership, self: string): { config: Config; warnings: Diagnostic[] } {
  const warnings: Diagnostic[] = [];
  const overlays = new Set(config.networks.filter((n) => n.driver === 'overlay' && n.fabric !== 'routed').map((n) => n.name));
  const declaredHosts = new Set(config.hosts.map((h) => h.name));
  const hosts: HostSpec[] = [...config.hosts];
  const live = new Set<string>();
  for (const h of m.hosts) {
    live.add(h.name);
    if (h.name === self || declaredHosts.has(h.name)) continue;
    hosts.push({ kind: 'Host', name: h.name, address: h.address, pos: STORE_POS(`hosts/${h.name}`) });
  }
  const fileNames = new Set(config.containers.map((c) => c.name));
  const remote = new Map<string, ContainerSpec>();
  const own = new Map<string, { ip?: string; ip6?: string }>(); // `${container}/${network}` → claimed addresses
  for (const c of m.claims) {
    if (!overlays.has(c.network)) continue;
    const v6 = c.address.includes(':');
    if (c.host === self) {
      const k = `${c.container}/${c.network}`;
      const o = own.get(k) ?? {};
      if (v6) o.ip6 ??= c.address;
      else o.ip ??= c.address;
      own.set(k, o);
      continue;
    }
    if (!live.has(c.host)) continue; // its host's registration is gone (they share a lease: a moment's race)
    if (fileNames.has(c.container)) {
      warnings.push({
        code: 'store-name-clash',
        object: `Container ${c.container}`,
        message: `host ${c.host} registers a container named ${c.container} on ${c.network} in the store; this host's files declare one too, so the remote one is left out`,
        pos: STORE_POS(`claims/${c.network}/${c.address}`),
      });
      continue;
    }
    let spec = remote.get(c.container);
    if (!spec) {
      spec = remoteContainer(c);
      remote.set(c.container, spec);
    }
    let att = spec.networks.find((a) => a.network === c.network);
    if (!att) {
      att = { network: c.network, mac: c.mac, aliases: [], pos: spec.pos };
      spec.networks.push(att);
    }
    if (v6) att.ip6 ??= c.address;
    else att.ip ??= c.address;
  }
  const containers = config.containers.map((c) => pinOwn(c, own, self));
  return {
    config: { ...config, hosts, containers: [...containers, ...[...remote.values()].sort((a, b) => (a.name < b.name ? -1 : 1))] },
    warnings,
  };
}

function remoteContainer(c: FleetClaim): ContainerSpec {
  return {
    kind: 'Container',
    name: c.container,
    netns: { type: 'named', name: c.container },
    mode: { type: 'bridge' },
    networks: [],
    networksDeclared: true,
    ports: [],
    extraHosts: [],
    links: [],
    routes: [],
    loopback: [],
    forwarding: false,
    masquerade: [],
    host: c.host,
    pos: STORE_POS(`claims/${c.network}/${c.address}`),
  };
}

function pinOwn(c: ContainerSpec, own: Map<string, { ip?: string; ip6?: string }>, self: string): ContainerSpec {
  if ((c.host ?? self) !== self) return c;
  let changed = false;
  const networks = c.networks.map((a): AttachmentSpec => {
    const o = own.get(`${c.name}/${a.network}`);
    if (!o) return a;
    const next = { ...a };
    if (!a.ip && o.ip && !(a.ip6 && a.ip6.includes('.'))) next.ip = o.ip;
    if (!a.ip6 && o.ip6 && !(a.ip && a.ip.includes(':'))) next.ip6 = o.ip6;
    changed ||= next.ip !== a.ip || next.ip6 !== a.ip6;
    return next;
  });
  return changed ? { ...c, networks } : c;
}

/** What this host must hold in the store: one claim per address of its own containers on overlays. */
export function wantedClaims(topo: Topology): FleetClaim[] {
  const overlays = new Set(topo.networks.filter((n) => n.driver === 'overlay' && !n.routed).map((n) => n.name));
  const out: FleetClaim[] = [];
  for (const c of topo.containers) {
    if (!c.local) continue;
    for (const a of c.attachments) {
      if (!overlays.has(a.network)) continue;
      for (const ip of [a.ip4, a.ip6]) if (ip) out.push({ network: a.network, address: ip, host: topo.self, container: c.name, mac: a.mac.toLowerCase() });
    }
  }
  return out;
}

export interface ClaimPlan {
  /** to create if absent */
  create: FleetClaim[];
  /** this host's claims no longer wanted: delete */
  release: FleetClaim[];
  /** wanted addresses another host holds */
  taken: { want: FleetClaim; holder: FleetClaim }[];
}

const sameClaim = (a: FleetClaim, b: FleetClaim) => a.host === b.host && a.container === b.container && a.mac === b.mac;

/** Wanted claims against the store's: what to create, release, and what another host holds already. */
export function planClaims(wanted: FleetClaim[], m: Membership, self: string): ClaimPlan {
  const held = new Map(m.claims.map((c) => [`${c.network}/${c.address}`, c]));
  const wantedKeys = new Set(wanted.map((c) => `${c.network}/${c.address}`));
  const create: FleetClaim[] = [];
  const taken: ClaimPlan['taken'] = [];
  const release: FleetClaim[] = [];
  for (const w of wanted) {
    const h = held.get(`${w.network}/${w.address}`);
    if (!h) create.push(w);
    else if (h.host !== self) taken.push({ want: w, holder: h });
    else if (!sameClaim(h, w)) {
      release.push(h); // own claim, another container or MAC: replace it
      create.push(w);
    }
  }
  for (const c of m.claims) if (c.host === self && !wantedKeys.has(`${c.network}/${c.address}`)) release.push(c);
  return { create, release, taken };
}

/** A wanted address held by another host, as an error on the container. */
export function takenDiagnostic(t: ClaimPlan['taken'][number], pos: SourcePos | undefined): Diagnostic {
  return {
    code: 'store-address-taken',
    object: `Container ${t.want.container}`,
    message: `network ${t.want.network}: address ${t.want.address} is claimed in the store by host ${t.holder.host} (container ${t.holder.container}); choose another address`,
    ...(pos ? { pos } : {}),
  };
}

/** This host's registration. */
export function selfRegistration(config: Config, self: string): FleetHost | undefined {
  const h = config.hosts.find((x) => x.name === self);
  if (!h) return undefined;
  const vteps = config.networks
    .filter((n) => n.driver === 'overlay')
    .map((n) => ({ network: n.name, ...(n.vni !== undefined ? { vni: n.vni } : {}), ...(n.port !== undefined ? { port: n.port } : {}) }));
  return { name: self, address: h.address, vteps };
}
