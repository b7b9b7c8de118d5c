// The observe stage: everything a pass and `status` read of the host, in one call —
// links, addresses, routes, neighbours, FDB and /etc/netns files (kernel.ts), the
// iptables of the host and the router namespaces (iptables.ts), the host sysctls
// netkeeper sets (sysctls.ts), the identity of adopted namespaces
// (netns-identity.ts) and the RA guard's reads (ra.ts). What to read comes from the
// files through options.ts; nothing here looks at the desired state.
//
// A pass observes twice: before planning, and to verify. The verify reuses what
// apply could not have changed: each namespace's batch output unless apply touched
// it (`reads.reuse`), and the iptables unless a firewall change or a namespace
// change was applied (`reads.firewallFrom`); when the plan changed only the firewall,
// everything but the iptables (`reads.kernelFrom`) — that is what keeps passes fast.

import type { Runner } from '../runner.js';
import type { HostFs } from '../host-fs.js';
import type { HostListener, ObservedHost, RaFacts } from '../../model/observed-host.js';
import { HOST_NS, key } from '../../model/resources.js';
import type { Observed } from '../../model/plan.js';
import { observe } from './kernel.js';
import { hostSaves, observeFirewall, reuseFirewall, withoutFirewall } from './iptables.js';
import { managedHostSysctls, readHostSysctls } from './sysctls.js';
import { readNetnsIdentity } from './netns-identity.js';
import { readListeners } from './listeners.js';
import { readRaFacts } from './ra.js';
import { readerFromEnv } from './nl-reader.js';
import type { HostObserveOptions } from './options.js';
import type { ObserveKept } from '../observe-kept.js';
import type { HostPrefetch } from './prefetch.js';

export { observeOptionsFor, type HostObserveOptions } from './options.js';
export { prefetchHost, type HostPrefetch } from './prefetch.js';
export type { ObservedHost } from '../../model/observed-host.js';

export interface ObserveReads {
  /** batch outputs already read in this pass, by namespace path: used instead of reading again */
  reuse?: Map<string, string>;
  /** filled with the batch output of every namespace read, by path */
  record?: Map<string, string>;
  /** an earlier observation of this pass whose firewall resources nothing applied since could change */
  firewallFrom?: Observed;
  /**
   * an earlier observation of this pass whose every other resource (links, addresses,
   * routes, neighbours, FDB, sysctls, files) and facts nothing applied since could
   * change — the pass changed only the firewall: only the firewall is read again
   */
  kernelFrom?: Observed;
  /** the verify read after apply: what only the plan's checks of the live host need is not read again */
  verify?: boolean;
  /** the host's listening sockets as an earlier pass read them: ss is not run again */
  listenersFrom?: HostListener[];
  /** what the watcher keeps between passes (../observe-kept.ts) */
  kept?: ObserveKept;
  /** the reads this pass started before its files were loaded (prefetch.ts): taken instead of reading again */
  prefetch?: HostPrefetch;
}

export async function observeHost(runner: Runner, fs: HostFs, opts: HostObserveOptions, reads: ObserveReads = {}): Promise<ObservedHost> {
  const early = reads.prefetch;
  // the kernel read first: the host's `ip` batch is the longest of the reads, and each
  // process started before it (ss, iptables-save) would delay it by its start
  const observedP = reads.kernelFrom
    ? Promise.resolve(withoutFirewall(reads.kernelFrom))
    : observe(runner, {
        fs,
        extraNamespaces: opts.extraNamespaces,
        preferPrimary: opts.preferPrimary,
        boundPorts: opts.boundPorts,
        reader: opts.reader ?? readerFromEnv(),
        ...(reads.reuse ? { reuse: reads.reuse } : {}),
        ...(reads.record ? { record: reads.record } : {}),
        ...(reads.kept?.nsBatches ? { nsBatches: reads.kept.nsBatches } : {}),
        ...(reads.kept?.etcNetns && !reads.verify ? { etcNetns: reads.kept.etcNetns } : {}),
        ...(early ? { early: early.kernel } : {}),
      });
  const identityP = readNetnsIdentity(opts.identity, fs);
  // ss needs nothing the kernel read finds: it runs beside it
  const listenersP =
    opts.listeners && !reads.verify
      ? reads.listenersFrom
        ? Promise.resolve(reads.listenersFrom)
        : early
          ? early.listeners.then((l) => (l ? l.listeners : readListeners(runner)))
          : readListeners(runner)
      : Promise.resolve(undefined);
  // so does the host's iptables-save (the router namespaces' wait: the kernel read says which there are)
  const hostFw = opts.firewall && !reads.firewallFrom ? (early ? early.hostSaves.then((t) => t ?? hostSaves(runner)) : hostSaves(runner)) : undefined;
  hostFw?.catch(() => undefined); // a failure is reported where it is awaited
  const observed = await observedP;
  if (opts.firewall) {
    if (reads.firewallFrom) reuseFirewall(observed, reads.firewallFrom);
    else await observeFirewall(runner, observed, opts.firewall.routers, hostFw);
  }
  const v6 = observed.resources.get(key.sysctl(HOST_NS, 'net.ipv6.conf.all.forwarding'));
  const raP: Promise<RaFacts | undefined> = opts.ipv6 && !(v6?.kind === 'sysctl' && v6.value === '1') ? readRaFacts(runner, fs) : Promise.resolve(undefined);
  const [hostSysctls, identity, ra, listeners] = await Promise.all([readHostSysctls(fs, managedHostSysctls(observed)), identityP, raP, listenersP]);
  return { observed, hostSysctls, identity, ...(ra ? { ra } : {}), ...(listeners ? { listeners } : {}) };
}
