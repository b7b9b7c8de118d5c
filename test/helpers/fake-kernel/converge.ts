// A pass on the fake kernel, for building scenario states (golden observed.json) and
// for tests that need a converged host: observe (src/shell/observe.ts and the
// firewall plugin, through the fake runner and file system), the pure stages, and
// apply — the ip/bridge batches through src/shell/apply.ts, the iptables inputs
// through the firewall plugin, and what apply.ts writes to files (host sysctls,
// /etc/netns) into the fake file system, in the order apply.ts runs them.
// (runPass itself runs on the fake once the file system is injectable: pass.test.ts.)

import type { Config } from '../../../src/model/config.js';
import { HOST_NS } from '../../../src/model/resources.js';
import type { Desired, Observed, Plan } from '../../../src/model/plan.js';
import { observe } from '../../../src/shell/observe.js';
import { observeOptionsFor } from '../../../src/shell/pass.js';
import { applyProgram, sysctlPath, type StepFailure } from '../../../src/shell/apply.js';
import { firewallPlugin } from '../../../src/shell/plugins.js';
import type { Program } from '../../../src/plan/render.js';
import { planStages, type Stages } from '../golden/stages.js';
import type { FakeKernel } from './runner.js';
import { observeFs } from './index.js';

export const FAKE_HOSTNAME = 'node-a';

/** Observe as the pass does: kernel, files, and the firewall of the host and router namespaces. */
export async function observeFake(k: FakeKernel, config: Config): Promise<Observed> {
  const observed = await observe(k, { fs: observeFs(k), hostname: FAKE_HOSTNAME, ...observeOptionsFor(config) });
  await firewallPlugin.observe!(observed, k, config);
  return observed;
}

/** What the pass reads from /proc/sys once Desired is known. */
export function hostSysctlsFrom(k: FakeKernel) {
  return (desired: Desired, observed: Observed): void => {
    for (const d of desired.resources.values()) {
      if (d.kind !== 'sysctl' || d.ns !== HOST_NS || observed.resources.has(d.key)) continue;
      const v = k.fs.readFile(sysctlPath(d.name));
      if (v !== undefined) observed.resources.set(d.key, { ...d, value: v.trim() });
    }
  };
}

const none = <T>() => new Map<string, T>();

/** Run a Program on the fake: apply.ts for the batches, the fake file system for what apply.ts writes to files. */
export async function applyOnFake(k: FakeKernel, prog: Program): Promise<StepFailure[]> {
  const failed: StepFailure[] = [];
  const hostSysctls = prog.sysctls.filter((s) => s.ns === HOST_NS);
  const nsSysctls = prog.sysctls.filter((s) => s.ns !== HOST_NS);
  const empty = { mounts: [], sysctls: [], files: [], dirs: [] };
  const first = await applyProgram({ ...prog, ...empty, nsPost: none(), bridge: none() }, { runner: k });
  failed.push(...first.failed);
  for (const m of prog.mounts) {
    const r = await k.run('mount', ['--bind', m.source, m.target], { allowFail: true });
    if (r.exitCode) failed.push({ key: m.key, command: 'mount', error: r.stderr });
  }
  for (const s of hostSysctls) k.fs.writeFile(sysctlPath(s.name), `${s.value}\n`);
  const second = await applyProgram({ ...prog, ...empty, sysctls: nsSysctls, nsPre: none(), host: [] }, { runner: k });
  failed.push(...second.failed);
  for (const d of prog.dirs) k.fs.rm(d.path);
  for (const f of prog.files) {
    if (f.content === null) k.fs.rm(f.path);
    else {
      k.fs.mkdir(f.path.slice(0, f.path.lastIndexOf('/')));
      k.fs.writeFile(f.path, f.content);
    }
  }
  return failed;
}

export interface FakePass {
  stages: Stages;
  failed: StepFailure[];
  /** the plan right after (empty when converged) */
  after: Plan;
}

/** One pass: observe, plan, apply, observe again. Throws on invalid files. */
export async function convergeOnFake(k: FakeKernel, config: Config, host = FAKE_HOSTNAME, opts: { destroy?: boolean } = {}): Promise<FakePass> {
  const observed = await observeFake(k, config);
  const stages = planStages(config, observed, host, { ...opts, beforeDiff: hostSysctlsFrom(k) });
  if ('errors' in stages) throw new Error(`fake pass: ${stages.errors.map((e) => e.message).join('; ')}`);
  const failed: StepFailure[] = [];
  if (stages.plan.changes.length) {
    await firewallPlugin.prepare!(stages.plan.changes, k);
    failed.push(...(await applyOnFake(k, stages.program)));
    const fw = await firewallPlugin.apply!(stages.plan.changes, stages.topo, k, stages.program.nsPaths);
    failed.push(...fw.failed);
  }
  const again = planStages(config, await observeFake(k, config), host, { ...opts, beforeDiff: hostSysctlsFrom(k) });
  if ('errors' in again) throw new Error(`fake pass (verify): ${again.errors.map((e) => e.message).join('; ')}`);
  return { stages, failed, after: again.plan };
}

/** The host every scenario starts from: lo up, an uplink eth0 (192.168.50.1/24, default route) and a LAN port lan0. */
export function baseHost(k: FakeKernel): FakeKernel {
  k.ip(
    'host',
    'link set lo up',
    'link add eth0 type dummy',
    'link set eth0 up',
    'addr add 192.168.50.1/24 dev eth0',
    'route add default via 192.168.50.254',
    'link add lan0 type dummy',
    'link set lan0 up',
  );
  return k;
}
