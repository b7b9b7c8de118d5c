// Passes on the fake kernel: runPass (src/shell/pass.ts) with the fake as its runner
// and file system, and observe as the pass does it (kernel, files, the firewall of the
// host and of router namespaces), for building scenario states and converged hosts.

import { pino } from 'pino';
import type { Config } from '../../../src/model/config.js';
import { HOST_NS } from '../../../src/model/resources.js';
import type { Desired, Observed } from '../../../src/model/plan.js';
import { observe } from '../../../src/shell/observe.js';
import { observeOptionsFor, runPass, type PassOptions, type PassOutcome } from '../../../src/shell/pass.js';
import { sysctlPath } from '../../../src/shell/apply.js';
import { firewallPlugin } from '../../../src/shell/plugins.js';
import type { FakeKernel } from './runner.js';
import { observeFs } from './index.js';

export const FAKE_HOSTNAME = 'node-a';

export const silentLog = pino({ level: 'silent' });

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

/** runPass on the fake: its runner and file system (crash journal and files record on the fake /run/netkeeper). */
export function passOnFake(k: FakeKernel, config: Config, opts: Partial<PassOptions> = {}): Promise<PassOutcome> {
  return runPass({ dir: '/nonexistent/networks.d', config, host: FAKE_HOSTNAME, runner: k, fs: observeFs(k), log: silentLog, ...opts });
}

/** One applying pass; throws unless it applied (invalid files, a blocking conflict). */
export async function convergeOnFake(k: FakeKernel, config: Config, host = FAKE_HOSTNAME, opts: { destroy?: boolean } = {}): Promise<Extract<PassOutcome, { status: 'applied' }>> {
  const o = await passOnFake(k, config, { host, ...opts });
  if (o.status !== 'applied') throw new Error(`fake pass: ${o.status}: ${JSON.stringify('errors' in o ? o.errors : 'reason' in o ? o.reason : o.plan.conflicts)}`);
  return o;
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
