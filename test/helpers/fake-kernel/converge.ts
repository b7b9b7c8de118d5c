// Passes on the fake kernel: runPass (src/shell/pass.ts) with the fake as its runner
// and file system, and observe as the pass does it (kernel, files, the firewall of the
// host and of router namespaces), for building scenario states and converged hosts.

import { pino } from 'pino';
import type { Config } from '../../../src/model/config.js';
import type { ObservedHost } from '../../../src/model/observed-host.js';
import { observeHost } from '../../../src/shell/observe/index.js';
import { observeOptionsFor, runPass, type PassOptions, type PassOutcome } from '../../../src/shell/pass.js';
import type { FakeKernel } from './runner.js';
import { observeFs } from './index.js';

export const FAKE_HOSTNAME = 'node-a';

export const silentLog = pino({ level: 'silent' });

/** Observe as the pass does (src/shell/observe/): kernel, files, firewall, host sysctls, namespace identities. */
export async function observeFake(k: FakeKernel, config: Config): Promise<ObservedHost> {
  const host = await observeHost(k, observeFs(k), observeOptionsFor(config));
  host.observed.facts.hostname = FAKE_HOSTNAME; // observe asks the OS; the fake host is node-a
  return host;
}

/** runPass on the fake: its runner and file system (crash journal and files record on the fake /run/netkeeper). */
export function passOnFake(k: FakeKernel, config: Config, opts: Partial<PassOptions> = {}): Promise<PassOutcome> {
  return runPass({ dir: '/nonexistent/networks.d', config, host: FAKE_HOSTNAME, runner: k, fs: observeFs(k), log: silentLog, ...opts });
}

/** One applying pass; throws unless it applied (invalid files, a blocking conflict). */
export async function convergeOnFake(
  k: FakeKernel,
  config: Config,
  host = FAKE_HOSTNAME,
  opts: { destroy?: boolean } = {},
): Promise<Extract<PassOutcome, { status: 'applied' }>> {
  const o = await passOnFake(k, config, { host, ...opts });
  if (o.status !== 'applied')
    throw new Error(`fake pass: ${o.status}: ${JSON.stringify('errors' in o ? o.errors : 'reason' in o ? o.reason : o.plan.conflicts)}`);
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
