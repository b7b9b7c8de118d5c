// Probing after a pass or for `netkeeper check`: the expectations of the files,
// the topology they were planned with, the host's own addresses now → results,
// logged and kept in <run dir>/expectations.json (failing to write it is logged,
// never fatal).

import type { Config } from '../../model/config.js';
import type { ExpectSpec } from '../../model/expect.js';
import { HOST_NS, type Resource } from '../../model/resources.js';
import type { Topology } from '../../model/topology.js';
import type { ExpectOutcome } from '../../expect/result.js';
import { writeExpectState } from '../expect-file.js';
import { runDir } from '../lock.js';
import type { Logger } from '../log.js';
import type { Runner } from '../runner.js';
import { logOutcomes, probeExpectations, type ProbeOptions } from './run.js';
import { realProbeTools, type ProbeTools } from './tools.js';

export { PROBE_TIMEOUT_MS } from './run.js';

/** Addresses (no prefix) of the host's own namespace among `resources`. */
export function hostAddresses(resources: Iterable<Resource>): string[] {
  const out: string[] = [];
  for (const r of resources) if (r.kind === 'addr' && r.ns === HOST_NS) out.push(r.cidr.split('/')[0]);
  return out;
}

export interface CheckOptions {
  config: Config;
  topo: Topology;
  /** the kernel's resources (for the host's own addresses) */
  resources: Iterable<Resource>;
  runner: Runner;
  log: Logger;
  /** "reconcile --once", "watch pass 3", "check" */
  by: string;
  /** the reason a failed expectation fails; the lead attaches the explain path here */
  why?: (x: ExpectSpec, r: ExpectOutcome) => string | undefined | Promise<string | undefined>;
  tools?: ProbeTools;
  /** where expectations.json goes (default: the run dir) */
  stateDir?: string;
  /** the results of the last run (the watcher's): what did not change is logged at debug */
  previous?: ExpectOutcome[];
}

/** Probes every expectation of `config`; [] (and nothing written) when there is none. */
export async function checkExpectations(o: CheckOptions): Promise<ExpectOutcome[]> {
  const expects = o.config.expects ?? [];
  if (expects.length === 0) return [];
  const opts: ProbeOptions = { tools: o.tools ?? realProbeTools(o.runner), log: o.log, now: () => new Date(), ...(o.why ? { why: o.why } : {}) };
  const results = await probeExpectations(expects, { topo: o.topo, hostAddresses: hostAddresses(o.resources) }, opts);
  logOutcomes(o.log, results, o.previous);
  await writeExpectState(o.stateDir ?? runDir(), { at: new Date().toISOString(), by: o.by, results }).catch((e: unknown) =>
    o.log.warn({ err: e }, 'cannot write the expectations state file'),
  );
  return results;
}
