import { runPass } from '../shell/pass.js';
import { formatPlan } from '../plan/format.js';
import { chosenPorts, formatChosenPorts } from '../status/ports.js';
import { EXIT, type Context } from './common.js';
import { reportProblem } from './report.js';
import { conflictLines } from '../plan/format-conflicts.js';

export async function planCommand(ctx: Context): Promise<number> {
  const o = await runPass({ dir: ctx.opts.dir, host: ctx.opts.host, allowEmpty: ctx.opts.allowEmpty, dryRun: true, runner: ctx.runner, log: ctx.log });
  const bad = reportProblem(ctx, o, false);
  if (bad !== undefined) {
    if (ctx.opts.json && o.status === 'conflict') ctx.out(JSON.stringify({ changes: [], conflicts: o.plan.conflicts }, null, 2) + '\n');
    return bad;
  }
  if (o.status !== 'planned') throw new Error(`unexpected pass outcome ${o.status}`);
  if (ctx.opts.json) {
    const p = o.program;
    const commands = {
      nsPre: Object.fromEntries([...p.nsPre].map(([ns, l]) => [ns, l.map((x) => x.text)])),
      host: p.host.map((x) => x.text),
      mounts: p.mounts,
      nsPost: Object.fromEntries([...p.nsPost].map(([ns, l]) => [ns, l.map((x) => x.text)])),
      bridge: Object.fromEntries([...p.bridge].map(([ns, l]) => [ns, l.map((x) => x.text)])),
      sysctls: p.sysctls,
      files: [
        ...p.files.map((f) => ({ path: f.path, action: f.content === null ? 'delete' : 'write' })),
        ...p.dirs.map((d) => ({ path: d.path, action: 'delete directory' })),
      ],
      iptables: p.iptables,
      conntrack: p.conntrack,
      brNetfilter: p.brNetfilter,
    };
    ctx.out(JSON.stringify({ changes: o.plan.changes, conflicts: o.plan.conflicts, warnings: o.plan.warnings ?? [], commands, chosenPorts: chosenPorts(o.topo) }, null, 2) + '\n');
  } else {
    // conflicts hold back what they touch (listed with them); the rest is the plan
    for (const c of o.plan.conflicts) for (const l of conflictLines(c, 'error')) ctx.err(`${l}\n`);
    const chosen = formatChosenPorts(chosenPorts(o.topo));
    ctx.out(formatPlan(o.plan, false) + (chosen.length ? chosen.join('\n') + '\n' : ''));
  }
  if (o.plan.conflicts.length) return EXIT.conflict;
  return o.plan.changes.length ? EXIT.changes : EXIT.ok;
}
