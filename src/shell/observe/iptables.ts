// Read netkeeper's iptables: iptables-save of the host (both families) and of the
// namespaces whose own iptables netkeeper manages (IPv4), parsed by
// src/observe/iptables.ts into chain and hook resources.
//
// Backend: whatever `iptables-save` resolves to on the host (Debian 12: iptables-nft
// through update-alternatives; iptables-legacy prints the same saved form).

import type { Runner } from '../runner.js';
import { HOST_NS, MARK } from '../../model/resources.js';
import type { IptFamily, Resource } from '../../model/resources.js';
import type { ForeignDnat, Observed } from '../../model/plan.js';
import { parseIptablesSave } from '../../observe/iptables.js';
import { foreignDnat } from '../../observe/foreign-dnat.js';
import { netnsPath, netnsPaths } from '../../model/netns-path.js';

const SAVE: Record<IptFamily, string> = { ipv4: 'iptables-save', ipv6: 'ip6tables-save' };

/** Resource kinds read here. */
export const FIREWALL_KINDS: ReadonlySet<string> = new Set(['chain', 'hook']);

/**
 * netkeeper's chains and hooks in one namespace, for each family asked, and the
 * NK-* chains that are not netkeeper's (owned: false). `bridges`: the bridges
 * netkeeper owns on the host (see parseIptablesSave).
 */
export async function readIptables(
  runner: Runner,
  ns: { name: string; path?: string },
  families: IptFamily[],
  bridges: ReadonlySet<string> = new Set(),
  /** told each family's iptables-save text */
  onText?: (family: IptFamily, text: string) => void,
  /** the texts, already being read (hostSaves) */
  started?: Promise<string[]>,
): Promise<Resource[]> {
  const out: Resource[] = [];
  const path = ns.name === HOST_NS ? undefined : (ns.path ?? netnsPath(ns.name));
  // the families are read at once (two processes side by side), taken in order
  const texts = await (started ??
    allInOrder(families.map((family) => (path ? runner.run('nsenter', [`--net=${path}`, SAVE[family]]) : runner.run(SAVE[family], [])).then((r) => r.stdout))));
  families.forEach((family, i) => {
    out.push(...parseIptablesSave(texts[i], family, ns.name, bridges));
    onText?.(family, texts[i]);
  });
  return out;
}

/**
 * Namespaces whose own iptables netkeeper manages: router containers as the files
 * declare them (`routers`), and as marked in the kernel (lo's alias), so rules of a
 * container that dropped `masquerade` are found and removed.
 */
function routerNamespaces(routers: readonly string[], observed: Observed): string[] {
  const names = new Set(routers);
  for (const r of observed.resources.values()) if (r.kind === 'link' && r.type === 'loopback' && r.alias === MARK.nsAliasFirewall) names.add(r.ns);
  return [...names].sort();
}

const HOST_FAMILIES: IptFamily[] = ['ipv4', 'ipv6'];

/** Start reading the host's iptables (both families) before the kernel read is done: it needs nothing from it. */
export function hostSaves(runner: Runner): Promise<string[]> {
  return allInOrder(HOST_FAMILIES.map((f) => runner.run(SAVE[f], []).then((r) => r.stdout)));
}

/**
 * Like Promise.all, but when several fail the error is the first family's, not whichever
 * failed first: a missing iptables names `iptables-save` every time, not now and then
 * `ip6tables-save`.
 */
async function allInOrder<T>(runs: Promise<T>[]): Promise<T[]> {
  const done = await Promise.allSettled(runs);
  const failed = done.find((d): d is PromiseRejectedResult => d.status === 'rejected');
  if (failed) throw failed.reason;
  return done.map((d) => (d as PromiseFulfilledResult<T>).value);
}

/** Add netkeeper's chains and hooks of the host and the router namespaces to `observed`. `host`: hostSaves(), started earlier. */
export async function observeFirewall(runner: Runner, observed: Observed, routers: readonly string[], host?: Promise<string[]>): Promise<void> {
  // the host is always read in both families: chains of a network that left the files
  // (or of `destroy`) must be found to be removed; router namespaces only in IPv4
  const paths = netnsPaths(observed.resources.values());
  const spaces = [{ name: HOST_NS, families: HOST_FAMILIES }, ...routerNamespaces(routers, observed).map((name) => ({ name, families: ['ipv4'] as const }))];
  // NK-PORTS-<bridge> of a bridge netkeeper owns is netkeeper's even when NK-PORTS lost its jump to it
  const bridges = new Set<string>();
  for (const r of observed.resources.values()) if (r.kind === 'link' && r.type === 'bridge' && r.ns === HOST_NS && r.owned) bridges.add(r.ifname);
  const foreign: ForeignDnat[] = [];
  const readNs = (ns: (typeof spaces)[number]): Promise<Resource[]> => {
    const nsr = observed.resources.get(`netns:${ns.name}`);
    const present = ns.name === HOST_NS || (nsr?.kind === 'netns' && nsr.broken === undefined); // a broken one cannot be entered
    if (!present) return Promise.resolve([]);
    // where the namespace really is (an adopted one: its /proc/PID/ns/net or path)
    // the host's hand-written DNAT rules: the plan names those netkeeper's chains make redundant
    const onText = ns.name === HOST_NS ? (family: IptFamily, text: string) => foreign.push(...foreignDnat(text, family)) : undefined;
    return readIptables(runner, { name: ns.name, path: netnsPath(ns.name, paths) }, [...ns.families], bridges, onText, ns.name === HOST_NS ? host : undefined);
  };
  // the host beside the router namespaces (those one after the other), taken in the order above
  const hostRead = readNs(spaces[0]);
  hostRead.catch(() => undefined); // a failure is reported where it is awaited
  const routerReads: Resource[][] = [];
  for (const ns of spaces.slice(1)) routerReads.push(await readNs(ns));
  const read = [await hostRead, ...routerReads];
  for (const rs of read) for (const r of rs) observed.resources.set(r.key, r);
  observed.facts.foreignDnat = foreign;
}

/** Carry the firewall resources of an earlier observation of this pass over to `observed` (nothing changed them). */
export function reuseFirewall(observed: Observed, earlier: Observed): void {
  for (const r of earlier.resources.values()) if (FIREWALL_KINDS.has(r.kind)) observed.resources.set(r.key, r);
  if (earlier.facts.foreignDnat) observed.facts.foreignDnat = earlier.facts.foreignDnat;
}

/** A copy of an earlier observation of this pass without its firewall resources (read again by observeFirewall). */
export function withoutFirewall(earlier: Observed): Observed {
  const resources: Observed['resources'] = new Map();
  for (const [k, r] of earlier.resources) if (!FIREWALL_KINDS.has(r.kind)) resources.set(k, r);
  const { foreignDnat: _, ...facts } = earlier.facts;
  return { resources, facts };
}
