// `netkeeper explain FROM TO[:PORT][/PROTO] [--json]`: observe the kernel, read
// every namespace's routes and iptables, and print the packet's path and verdict
// (src/explain/). The files, when they validate, only name the declarations behind
// netkeeper's rules and routes; the verdict comes from the kernel alone.

import { nodeHostFs } from '../shell/host-fs.js';
import { observeWorld } from '../shell/explain-reads.js';
import { explain, explanationJson, formatExplanation, parseQuery } from '../explain/index.js';
import { EXIT, type Context } from './common.js';

export async function explainCommand(ctx: Context): Promise<number> {
  const [from, to] = ctx.opts.args;
  if (!from || !to || ctx.opts.args.length > 2) {
    ctx.err('error: explain takes FROM and TO[:PORT][/PROTO], e.g. netkeeper explain web db:5432\n');
    return EXIT.failed;
  }
  const q = parseQuery(from, to);
  if (!q.ok) {
    ctx.err(`error: ${q.error}\n`);
    return EXIT.failed;
  }
  const e = explain(q.value, await observeWorld(ctx.runner, nodeHostFs, ctx.opts.dir, ctx.opts.host));
  ctx.out(ctx.opts.json ? `${JSON.stringify(explanationJson(e), null, 2)}\n` : formatExplanation(e));
  return EXIT.ok;
}
