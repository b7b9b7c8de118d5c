// Golden scenario folders (as nmstate keeps them), test/golden/<scenario>/:
//   files/        the networks.d the plan is made for
//   observed.json the kernel as observed (input; observed-json.ts)
//   plan.txt      what `plan` prints: warning/error lines (stderr), then the plan (stdout)
//   plan.json     what `plan --json` prints
// and, to regenerate observed.json on the fake kernel (NK_WRITE_GOLDEN=1):
//   setup.txt     lines `<ip|bridge> <namespace> <batch line>` run on the base host first
//   before/       a networks.d converged before observing (the state the plan starts from)

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { SourceFile } from '../../../src/config/index.js';
import type { Observed } from '../../../src/model/plan.js';
import { formatGroupedPlan } from '../../../src/view/plan-text.js';
import type { PlanSides } from '../../../src/view/group.js';
import { planJson as cmdPlanJson } from '../../../src/commands/plan-json.js';
import { conflictLines } from '../../../src/plan/format-conflicts.js';
import { chosenPorts, formatChosenPorts } from '../../../src/status/ports.js';
import { FakeKernel } from '../fake-kernel/index.js';
import { baseHost, convergeOnFake, observeFake } from '../fake-kernel/converge.js';
import { hostOf, parseFiles, planStages, type Stages } from './stages.js';

/** The Host this reconciler is in every scenario (the overlay's node-a). */
export const GOLDEN_HOST = 'node-a';

/** YAML files of a folder, named relative to the scenario (so outputs do not depend on the checkout's path). */
export function readYamlDir(scenarioDir: string, sub: string): SourceFile[] {
  const dir = `${scenarioDir}/${sub}`;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ path: `${sub}/${f}`, text: readFileSync(`${dir}/${f}`, 'utf8') }));
}

/** The kernel a scenario starts from, built on the fake and observed as the pass would observe it for `files/`. */
export async function scenarioObserved(dir: string): Promise<Observed> {
  const k = baseHost(new FakeKernel());
  const setup = existsSync(`${dir}/setup.txt`) ? readFileSync(`${dir}/setup.txt`, 'utf8') : '';
  for (const line of setup.split('\n')) {
    const m = /^(ip|bridge) (\S+) (.+)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === 'ip') k.ip(m[2], m[3]);
    else k.bridge(m[2], m[3]);
  }
  const before = readYamlDir(dir, 'before');
  if (before.length) {
    const pass = await convergeOnFake(k, parseFiles(before), GOLDEN_HOST);
    if (pass.report.failed.length || pass.remaining.changes.length) throw new Error(`${dir}: before/ does not converge on the fake kernel`);
  }
  const config = parseFiles(readYamlDir(dir, 'files'));
  // with the host settings the plan names, as the pass reads them from /proc/sys
  const s = planStages(config, await observeFake(k, config), GOLDEN_HOST);
  if ('errors' in s) throw new Error(`${dir}: ${s.errors.map((e) => e.message).join('; ')}`);
  return s.observed;
}

export function scenarioStages(dir: string, observed: Observed): Stages {
  const s = planStages(parseFiles(readYamlDir(dir, 'files')), hostOf(observed), GOLDEN_HOST);
  if ('errors' in s) throw new Error(`${dir}: ${s.errors.map((e) => e.message).join('; ')}`);
  return s;
}

/** `plan`: warnings and conflicts (stderr), then the plan and the chosen host ports (stdout). */
const sidesOf = (s: Stages): PlanSides => ({ topo: s.topo, desired: [...s.desired.resources.values()], observed: [...s.observed.resources.values()] });

/** `plan` without a terminal, as src/commands/plan.ts prints it: warnings and conflicts (stderr) first, then the plan grouped by declared object. */
export function planText(s: Stages): string {
  const err = [...(s.plan.warnings ?? []).flatMap((w) => conflictLines(w, 'warning')), ...s.plan.conflicts.flatMap((c) => conflictLines(c, 'error'))];
  const chosen = formatChosenPorts(chosenPorts(s.topo));
  return (
    err.map((l) => `${l}\n`).join('') +
    formatGroupedPlan(s.plan, sidesOf(s), { color: false, problems: false }) +
    (chosen.length ? chosen.join('\n') + '\n' : '')
  );
}

/** `plan --json`: the command's own builder (src/commands/plan-json.ts). */
export function planJson(s: Stages): string {
  return JSON.stringify(cmdPlanJson({ plan: s.plan, sides: sidesOf(s), program: s.program, chosen: chosenPorts(s.topo) }), null, 2) + '\n';
}
