// `netkeeper check [--dir DIR] [--json]`: probe the Expect documents now, against
// the kernel as it is, without applying anything. It takes the lock all the same:
// its listeners are processes bound to ports for a moment, and a pass running
// meanwhile would take them for a host process holding a port it publishes.
// Exit 0: every expectation holds (or was skipped); 5: one failed; 1: the files
// are invalid or cannot be planned here; 4: the lock stayed busy.

import { formatDiagnostic } from '../model/diagnostic.js';
import { loadConfig } from '../shell/load.js';
import { nodeHostFs } from '../shell/host-fs.js';
import { observeHost, observeOptionsFor } from '../shell/observe/index.js';
import { checkExpectations } from '../shell/probe/index.js';
import { filesDesired } from '../status/files-plan.js';
import { EXIT, type Context } from './common.js';
import { locked } from './reconcile.js';
import { explainWhy, reportExpectations } from './expect-report.js';

export async function checkCommand(ctx: Context): Promise<number> {
  return locked(ctx, 'check', () => check(ctx));
}

async function check(ctx: Context): Promise<number> {
  const loaded = await loadConfig(ctx.opts.dir, true);
  if (!loaded.ok) {
    const o = loaded.outcome;
    if (o.status === 'refused') ctx.err(`error: ${o.reason}\n`);
    else if (o.status === 'invalid') for (const e of o.errors) ctx.err(`error: ${formatDiagnostic(e)}\n`);
    return EXIT.failed;
  }
  const config = loaded.config;
  if (!config.expects?.length) {
    if (ctx.opts.json) ctx.out(JSON.stringify({ formatVersion: 1, expectations: [] }, null, 2) + '\n');
    else ctx.out(`No expectations: ${ctx.opts.dir} declares no Expect document.\n`);
    return EXIT.ok;
  }
  const { observed } = await observeHost(ctx.runner, nodeHostFs, observeOptionsFor(config));
  const fd = filesDesired(config, observed, ctx.opts.host ?? observed.facts.hostname);
  if (!fd.ok) {
    ctx.err(`error: the files cannot be planned here: ${fd.problem}\n`);
    return EXIT.failed;
  }
  const results = await checkExpectations({
    config,
    topo: fd.topo,
    resources: observed.resources.values(),
    runner: ctx.runner,
    log: ctx.log,
    by: 'check',
    why: explainWhy(ctx),
  });
  if (ctx.opts.json) ctx.out(JSON.stringify({ formatVersion: 1, expectations: results }, null, 2) + '\n');
  else reportExpectations(ctx, results);
  return results.some((r) => r.held === false) ? EXIT.expectFailed : EXIT.ok;
}
