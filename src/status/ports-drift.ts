// Published ports against the files, port by port: the DNAT rules the kernel has
// (ports.ts over the observed NK-PORTS-* chains) and the ones the files make
// (the same parser over the desired chains). Pure.

import type { IptFamily } from '../model/resources.js';
import { IN_SYNC, type Sync } from './drift.js';
import type { PublishedPort } from './ports.js';

export interface PortView extends PublishedPort {
  /** null: the files were not read */
  sync: Sync | null;
}

const range = (a: number, b: number) => (a === b ? `${a}` : `${a}-${b}`);
const hostPart = (ip: string, family: IptFamily) => (family === 'ipv6' ? `[${ip}]` : ip);

/** Docker's way: `0.0.0.0:8080->80/tcp`, `127.0.0.1:5353->53/udp`, `[::]:8080->80/tcp`. */
export function portLabel(p: PublishedPort): string {
  return `${hostPart(p.hostIP, p.family)}:${range(p.hostPort, p.hostPortEnd)}->${range(p.containerPort, p.containerPortEnd)}/${p.protocol}`;
}

const where = (p: PublishedPort) => `${p.family}|${p.hostIP}|${p.hostPort}|${p.hostPortEnd}|${p.protocol}`;
const target = (p: PublishedPort) => `${p.containerIP}:${range(p.containerPort, p.containerPortEnd)}`;

/** Observed ports marked against the desired ones; desired ports the kernel lacks are added as `missing`. */
export function portViews(observed: PublishedPort[], desired: PublishedPort[] | undefined): PortView[] {
  if (!desired) return observed.map((p) => ({ ...p, sync: null }));
  const want = new Map(desired.map((p) => [where(p), p]));
  const seen = new Set<string>();
  const out: PortView[] = [];
  for (const p of observed) {
    const d = want.get(where(p));
    seen.add(where(p));
    if (!d) out.push({ ...p, sync: { state: 'not declared', drift: [] } });
    else if (target(d) !== target(p) || d.container !== p.container)
      out.push({ ...p, sync: { state: 'drifted', drift: [`leads to ${p.container ?? '?'} ${target(p)}, want ${d.container ?? '?'} ${target(d)}`] } });
    else out.push({ ...p, sync: IN_SYNC });
  }
  for (const d of desired) if (!seen.has(where(d))) out.push({ ...d, sync: { state: 'missing', drift: [] } });
  return out;
}

/** Per container: its ports' drift in words ("missing port 0.0.0.0:8080->80/tcp"). */
export function portDriftByContainer(ports: PortView[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of ports) {
    if (!p.sync || p.sync.state === 'in sync' || !p.container) continue;
    const what =
      p.sync.state === 'missing'
        ? `missing port ${portLabel(p)}`
        : p.sync.state === 'not declared'
          ? `extra port ${portLabel(p)}`
          : `port ${portLabel(p)} ${p.sync.drift.join(', ')}`;
    out.set(p.container, [...(out.get(p.container) ?? []), what]);
  }
  return out;
}
