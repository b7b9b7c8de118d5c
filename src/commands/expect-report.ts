// Expectations (kind Expect) in the commands: probing after an applied pass
// (reconcile --once, apply FILE) and the lines that report the results.

import type { Config } from '../model/config.js';
import { endpointText, type ExpectSpec } from '../model/expect.js';
import type { World } from '../explain/index.js';
import { nodeHostFs } from '../shell/host-fs.js';
import { formatOutcomes, summarizeOutcomes, type ExpectOutcome } from '../expect/result.js';
import type { PlanSides } from '../view/group.js';
import type { Context } from './common.js';

/**
 * The reason a failed expectation fails, logged and kept with its result: the
 * path `netkeeper explain FROM TO:PORT/PROTO` prints for it, over the kernel as
 * it is now (observed once per pass, and only when something failed).
 */
export function explainWhy(ctx: Context): (x: ExpectSpec, r: ExpectOutcome) => Promise<string | undefined> {
  let world: Promise<World> | undefined;
  return async (x) => {
    // the explain and probe code (25 modules) is loaded only when there are expectations: a pass without starts faster
    const [{ explain, formatExplanation, parseQuery }, { observeWorld }] = await Promise.all([
      import('../explain/index.js'),
      import('../shell/explain-reads.js'),
    ]);
    const to = `${endpointText(x.to)}${x.port !== undefined ? `:${x.port}` : ''}/${x.protocol}`;
    const q = parseQuery(endpointText(x.from), to);
    if (!q.ok) return undefined;
    try {
      world ??= observeWorld(ctx.runner, nodeHostFs, ctx.opts.dir, ctx.opts.host);
      return formatExplanation(explain(q.value, await world)).trimEnd();
    } catch (e) {
      ctx.log.debug({ err: e }, 'explain of a failed expectation');
      return undefined;
    }
  };
}

/** Probes the expectations of the pass's configuration (none declared: nothing, no file written). */
export async function afterPassProbes(ctx: Context, config: Config | undefined, sides: PlanSides | undefined, by: string): Promise<ExpectOutcome[]> {
  if (!config?.expects?.length || !sides?.topo) return [];
  const { checkExpectations } = await import('../shell/probe/index.js');
  return checkExpectations({ config, topo: sides.topo, resources: sides.observed, runner: ctx.runner, log: ctx.log, by, why: explainWhy(ctx) });
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
