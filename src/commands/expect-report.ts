// Expectations (kind Expect) in the commands: probing after an applied pass
// (reconcile --once, apply FILE) and the lines that report the results.

import type { Config } from '../model/config.js';
import type { ExpectSpec } from '../model/expect.js';
import { formatOutcomes, summarizeOutcomes, type ExpectOutcome } from '../expect/result.js';
import { checkExpectations } from '../shell/probe/index.js';
import type { PlanSides } from '../view/group.js';
import type { Context } from './common.js';

/**
 * The reason a failed expectation fails, logged and kept with its result. The
 * hook for `netkeeper explain`: once the evaluator (src/explain/) is merged, this
 * returns its path for the failed probe. Until then: undefined.
 */
export function explainWhy(_x: ExpectSpec, _r: ExpectOutcome): string | undefined {
  return undefined;
}

/** Probes the expectations of the pass's configuration (none declared: nothing, no file written). */
export async function afterPassProbes(ctx: Context, config: Config | undefined, sides: PlanSides | undefined, by: string): Promise<ExpectOutcome[]> {
  if (!config?.expects?.length || !sides?.topo) return [];
  return checkExpectations({ config, topo: sides.topo, resources: sides.observed, runner: ctx.runner, log: ctx.log, by, why: explainWhy });
}

/** "Expectations: …" and one line each on stdout (a failure also on stderr as an error: line); returns `rs`. */
export function reportExpectations(ctx: Context, rs: ExpectOutcome[]): ExpectOutcome[] {
  if (rs.length === 0) return rs;
  ctx.out(
    `Expectations: ${summarizeOutcomes(rs)}\n${formatOutcomes(rs)
      .map((l) => `  ${l}\n`)
      .join('')}`,
  );
  for (const r of rs) if (r.held === false) ctx.err(`error: expectation ${r.name} failed: ${r.text} is ${r.verdict}, expected ${r.expected}\n`);
  return rs;
}
