// The reads of the RA guard (src/plan/ra-guard.ts): the host's IPv6 default routes
// and the accept_ra of the interfaces they go through. Read only when the files
// may turn IPv6 forwarding on and it is off now (see index.ts).

import type { RaFacts, DefaultRoute } from '../../model/observed-host.js';
import { raRouteDevices } from '../../plan/ra-guard.js';
import type { Runner } from '../runner.js';
import type { ObserveFs } from '../host-fs.js';

/** undefined when the routes cannot be read (the guard then has nothing to say). */
export async function readRaFacts(runner: Runner, fs: ObserveFs): Promise<RaFacts | undefined> {
  const r = await runner.run('ip', ['-6', '-j', 'route', 'show', 'default'], { allowFail: true });
  if (r.exitCode !== 0) return undefined;
  let routes: DefaultRoute[];
  try {
    routes = JSON.parse(r.stdout || '[]') as DefaultRoute[];
  } catch {
    return undefined;
  }
  const acceptRa = new Map<string, string | undefined>();
  for (const dev of raRouteDevices(routes)) acceptRa.set(dev, (await fs.readFile(`/proc/sys/net/ipv6/conf/${dev}/accept_ra`))?.trim());
  return { routes, acceptRa };
}
