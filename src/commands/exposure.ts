// `netkeeper exposure [--json]`: who can reach each published port and each
// container address another machine reaches without one — computed by the same
// evaluator as explain (src/explain/exposure.ts) over the kernel as it is now.

import { nodeHostFs } from '../shell/host-fs.js';
import { observeWorld } from '../shell/explain-reads.js';
import { exposure, exposureJson, formatExposure } from '../explain/index.js';
import { EXIT, type Context } from './common.js';

export async function exposureCommand(ctx: Context): Promise<number> {
  if (ctx.opts.args.length) {
    ctx.err(`error: exposure takes no arguments (got ${ctx.opts.args.join(' ')})\n`);
    return EXIT.failed;
  }
  const e = exposure(await observeWorld(ctx.runner, nodeHostFs, ctx.opts.dir, ctx.opts.host));
  ctx.out(ctx.opts.json ? `${JSON.stringify(exposureJson(e), null, 2)}\n` : formatExposure(e));
  return EXIT.ok;
}
