// The shell side of src/plan/ra-guard.ts: read the host's IPv6 default routes and
// accept_ra, only when a plan is about to turn IPv6 forwarding on.

import type { Change } from '../model/plan.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { raConflicts, raRouteDevices, turnsOnIpv6Forwarding, type DefaultRoute } from '../plan/ra-guard.js';
import type { Runner } from './runner.js';
import { nodeHostFs, type ObserveFs } from './host-fs.js';

export async function raGuard(changes: readonly Change[], runner: Runner, fs: ObserveFs = nodeHostFs): Promise<Diagnostic[]> {
  if (!turnsOnIpv6Forwarding(changes)) return [];
  const r = await runner.run('ip', ['-6', '-j', 'route', 'show', 'default'], { allowFail: true });
  if (r.exitCode !== 0) return [];
  let routes: DefaultRoute[];
  try {
    routes = JSON.parse(r.stdout || '[]') as DefaultRoute[];
  } catch {
    return [];
  }
  const acceptRa = new Map<string, string | undefined>();
  for (const dev of raRouteDevices(routes)) {
    acceptRa.set(dev, (await fs.readFile(`/proc/sys/net/ipv6/conf/${dev}/accept_ra`))?.trim());
  }
  return raConflicts(routes, acceptRa);
}
