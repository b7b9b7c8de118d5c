import { runPass } from '../shell/pass.js';
import { chosenPorts, formatChosenPorts } from '../status/ports.js';
import { EXIT, type Context } from './common.js';
import { reportProblem } from './report.js';
import { conflictLines } from '../plan/format-conflicts.js';
import { planText } from './plan-view.js';
import { planJson } from './plan-json.js';
import { writeSavedPlan } from './saved-plan.js';

export async function planCommand(ctx: Context): Promise<number> {
  const o = await runPass({
    dir: ctx.opts.dir,
    host: ctx.opts.host,
    allowEmpty: ctx.opts.allowEmpty,
    ...(ctx.opts.adopt ? { adopt: ctx.opts.adopt } : {}),
    dryRun: true,
    runner: ctx.runner,
    log: ctx.log,
  });
  const bad = reportProblem(ctx, o, false);
  if (bad !== undefined) {
    if (ctx.opts.json && o.status === 'conflict') ctx.out(JSON.stringify(planJson({ plan: { ...o.plan, changes: [] } }), null, 2) + '\n');
    return bad;
  }
  if (o.status !== 'planned') throw new Error(`unexpected pass outcome ${o.status}`);
  if (ctx.opts.out !== undefined) {
    try {
      await writeSavedPlan(ctx.opts.out, {
        dir: ctx.opts.dir,
        ...(ctx.opts.host ? { host: ctx.opts.host } : {}),
        ...o.fingerprints,
        changes: o.plan.changes,
        conflicts: o.plan.conflicts,
      });
    } catch (e) {
      ctx.err(`error: cannot write the saved plan ${ctx.opts.out}: ${(e as Error).message}\n`);
      return EXIT.failed;
    }
  }
  if (ctx.opts.json) {
    ctx.out(JSON.stringify(planJson({ ...o, chosen: chosenPorts(o.topo) }), null, 2) + '\n');
  } else {
    // conflicts hold back what they touch (listed with them); the rest is the plan
    for (const c of o.plan.conflicts) for (const l of conflictLines(c, 'error')) ctx.err(`${l}\n`);
    const chosen = formatChosenPorts(chosenPorts(o.topo));
    ctx.out(planText(ctx, o.plan, o.sides) + (chosen.length ? chosen.join('\n') + '\n' : ''));
    if (ctx.opts.out !== undefined) ctx.out(`Saved the plan to ${ctx.opts.out}: apply exactly it with netkeeper apply ${ctx.opts.out}\n`);
  }
  if (o.plan.conflicts.length) return EXIT.conflict;
  return o.plan.changes.length ? EXIT.changes : EXIT.ok;
}
