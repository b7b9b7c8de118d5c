// What the fleet kernel tests (fleet, fleet-routed, fleet-tls) share: polling for a
// condition, tests that skip when etcd could not be started, a container's address,
// the machines on one LAN.

import { it } from 'vitest';
import type { Machine, Sandbox } from './sandbox.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `f` every `stepMs` until it gives a truthy value (returned), or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, f: () => Promise<T | undefined | false>, timeoutMs: number, stepMs = 100): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** `it`, skipped (the reason is printed by the file's afterAll) while `skipReason()` says why the store could not start. */
export const skippableIt =
  (skipReason: () => string | undefined, defaultTimeout = 60_000) =>
  (name: string, fn: () => Promise<void>, timeout = defaultTimeout) =>
    it(
      name,
      async (ctx) => {
        if (skipReason()) ctx.skip();
        await fn();
      },
      timeout,
    );

/** The IPv4 address container `name` holds on `host` (once its watcher built it). */
export async function addressOf(host: Machine, name: string): Promise<string | undefined> {
  const r = await host.exec('ip', ['-n', name, '-j', '-4', 'addr', 'show', 'eth0']);
  if (r.exitCode !== 0) return undefined;
  return (JSON.parse(r.stdout || '[]')[0]?.addr_info ?? []).map((a: { local: string }) => a.local)[0];
}

/** One machine per name (a host in the sandbox), all on one LAN `ul` at their /24 addresses, the sandbox itself at `sandboxIp`. */
export async function machinesOnLan<K extends string>(sb: Sandbox, ips: Record<K, string>, sandboxIp: string): Promise<Record<K, Machine>> {
  const m = {} as Record<K, Machine>;
  const entries = Object.entries(ips) as [K, string][];
  for (const [n] of entries) m[n] = await sb.addHost(n);
  await sb.lan('ul', [...entries.map(([n, ip]) => ({ machine: m[n], ifname: 'eth0', ip: `${ip}/24` })), { machine: sb, ip: `${sandboxIp}/24` }]);
  return m;
}
