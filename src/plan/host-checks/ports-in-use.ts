// A port the files newly publish must not be a host port a process on the host
// listens on (TCP) or is bound to (UDP): the DNAT rule, in PREROUTING and OUTPUT,
// would take that service's connections without a word. Ports the kernel already
// publishes this way are left to the diff (moving one is the user's edit). Pure.

import type { Conflict } from '../../model/plan.js';
import type { Config, SourcePos } from '../../model/config.js';
import type { HostListener } from '../../model/observed-host.js';
import type { Resource } from '../../model/resources.js';
import type { TPort, Topology } from '../../model/topology.js';
import { existingMappings } from '../host-ports.js';

const isV6 = (ip: string) => ip.includes(':');
const ANY = new Set(['0.0.0.0', '::', '*']);

/** A listener on `l` takes connections a DNAT of (hostIP, port) would take. */
function overlaps(port: TPort, l: HostListener): boolean {
  if (l.protocol !== port.protocol || l.port < port.hostPort || l.port > port.hostPortEnd) return false;
  if (l.addr !== '*' && isV6(l.addr) !== isV6(port.hostIP)) return false;
  return ANY.has(port.hostIP) || ANY.has(l.addr) || l.addr === port.hostIP;
}

function where(l: HostListener): string {
  const at = isV6(l.addr) ? `[${l.addr}]:${l.port}` : `${l.addr}:${l.port}`;
  return `${l.process ?? 'a process ss could not name'} ${l.protocol === 'tcp' ? 'listens' : 'is bound'} on ${at}/${l.protocol}`;
}

export function portsInUse(config: Config, topo: Topology, observed: Iterable<Resource>, listeners: readonly HostListener[]): Conflict[] {
  if (listeners.length === 0) return [];
  const published = new Set(existingMappings(observed).map((m) => `${m.protocol}/${m.hostIP}/${m.hostPort}`));
  const out: Conflict[] = [];
  for (const c of topo.containers) {
    if (!c.local) continue;
    const spec = config.containers.find((s) => s.name === c.name);
    for (const p of c.ports) {
      if (published.has(`${p.protocol}/${p.hostIP}/${p.hostPort}`)) continue;
      const l = listeners.find((x) => overlaps(p, x));
      if (!l) continue;
      const pos: SourcePos | undefined =
        spec?.ports.find((s) => s.protocol === p.protocol && s.containerPort === p.containerPort && (s.auto || s.hostPort === p.hostPort))?.pos ?? spec?.pos;
      const hostAt = isV6(p.hostIP) ? `[${p.hostIP}]` : p.hostIP;
      const range = p.hostPortEnd > p.hostPort ? `${p.hostPort}-${p.hostPortEnd}` : `${p.hostPort}`;
      out.push({
        code: 'port-in-use',
        object: `Container ${c.name}`,
        message:
          `publishing ${hostAt}:${range}/${p.protocol} would shadow a service on this host: ${where(l)}, and the DNAT rule would take its connections; ` +
          'stop that service or publish on another host port',
        ...(pos ? { pos } : {}),
      });
    }
  }
  return out;
}
