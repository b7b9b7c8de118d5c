// What of the observed host the desired side of a plan reads (desiredOf in index.ts:
// the topology, the route and adopted-namespace checks, buildDesired), and a memo of
// that side keyed by exactly those inputs. Pure.
//
// The topology keeps what the kernel holds where the files leave a choice: an
// address a container or bridge holds now (addresses, in any namespace, and the
// host's bridges), a host port an NK-PORTS-<bridge> chain maps already, a port a
// host socket is bound to, the MTU of a host interface; it refuses subnets over the
// host's routes; the adopted-namespace check reads the namespaces and their
// identities; buildDesired reads the host's resolv.conf. desiredOf is given only
// `desiredInputs(observed)` — nothing else of the observed host reaches it — so a
// key made of those inputs (and of the files) names everything its result depends on.
//
// A watcher plans again every few seconds against files that seldom change and a
// kernel whose addresses seldom move: with the same inputs the memo hands back the
// topology and desired state of the pass before instead of building them again
// (~65 ms of CPU at 1000 containers). The diff, the checks of the live host and the
// verify still compare them with everything read in this pass.

import type { Diagnostic } from '../model/diagnostic.js';
import type { NetnsIdentity } from '../model/observed-host.js';
import type { Desired, HostFacts, Observed } from '../model/plan.js';
import { HOST_NS, type Resource, type ResourceMap } from '../model/resources.js';
import type { Topology } from '../model/topology.js';

/** Resources the desired side reads: every address and namespace, the host's links, and its NK-PORTS-<bridge> DNAT chains. */
function readByDesired(r: Resource): boolean {
  switch (r.kind) {
    case 'addr':
    case 'netns':
      return true;
    case 'link':
      return r.ns === HOST_NS;
    case 'chain':
      return r.ns === HOST_NS && r.table === 'nat' && r.chain.startsWith('NK-PORTS-');
    default:
      return false;
  }
}

/** `observed` as the desired side sees it: the resources it reads (in the same order), and the facts it reads. */
export function desiredInputs(observed: Observed): Observed {
  const resources: ResourceMap = new Map();
  for (const r of observed.resources.values()) if (readByDesired(r)) resources.set(r.key, r);
  const f = observed.facts;
  const facts: HostFacts = {
    foreignRoutes: f.foreignRoutes,
    ...(f.hostRoutes ? { hostRoutes: f.hostRoutes } : {}),
    resolvConf: f.resolvConf,
    hostname: f.hostname,
    linkMtu: f.linkMtu,
    ...(f.boundPorts ? { boundPorts: f.boundPorts } : {}),
  };
  return { resources, facts };
}

export type DesiredOutcome = { ok: true; topo: Topology; desired: Desired } | { ok: false; errors: Diagnostic[] };

/** What the desired side of one plan was computed from (besides the files, named by `configKey`). */
export interface DesiredKeyParts {
  /** names the files exactly (the watcher's JSON of the Config) */
  configKey: string;
  /** this reconciler's Host name as given (--host), else undefined */
  host: string | undefined;
  destroy: boolean;
  inputs: Observed;
  identity: NetnsIdentity;
}

const entries = <K, V>(m: ReadonlyMap<K, V>): [K, V | null][] => [...m].map(([k, v]) => [k, v === undefined ? null : v]);

/**
 * One string naming every input of the desired side but the files (configKey, compared
 * on its own: the watcher's is the same string object from pass to pass, so comparing it
 * costs nothing, where copying it into this key cost a JSON escape of the whole Config):
 * with equal configKeys, equal strings give equal results.
 */
export function desiredKey(p: Omit<DesiredKeyParts, 'configKey'>): string {
  return JSON.stringify([
    p.host ?? null,
    p.destroy,
    p.identity.host ?? null,
    entries(p.identity.adopted),
    entries(p.identity.named),
    p.inputs.facts,
    [...p.inputs.resources.values()],
  ]);
}

/**
 * The desired side of the last plan, kept by its key (desiredKey). Shared between
 * passes: whoever reads the topology or the desired state must not change them
 * (nothing does; a unit test plans against frozen ones).
 */
export class DesiredMemo {
  private last: { configKey: string; key: string; value: DesiredOutcome } | undefined;
  /** whether the last get() handed back the kept result */
  kept = false;

  get(configKey: string, key: string, compute: () => DesiredOutcome): DesiredOutcome {
    this.kept = this.last?.configKey === configKey && this.last.key === key;
    if (this.kept) return this.last!.value;
    const value = compute();
    this.last = { configKey, key, value };
    return value;
  }
}
