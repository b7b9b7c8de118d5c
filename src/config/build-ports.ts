// One published port of a schema-valid Container document → PortSpec: a Docker
// -p string, a bare container port, or a mapping; the host port chosen later when
// none is written (pure).

import type { PortSpec } from '../model/config.js';
import { CONTAINER_DEFAULTS } from '../model/defaults.js';
import { canonicalIP } from '../model/ip.js';
import type { Builder } from './build.js';
import { autoPort, pairRanges, parsePortString, parseRange } from './ports.js';
import type { RawContainer } from './schemas.js';
import { posAt } from './documents.js';
import type { TypedDoc } from './validate-schema.js';

type RawPort = NonNullable<RawContainer['ports']>[number];

export function buildPort(b: Builder, td: TypedDoc<'Container'>, p: RawPort, i: number): PortSpec[] {
  const path = ['ports', i];
  const pos = posAt(td.raw, path);
  if (typeof p === 'string' || typeof p === 'number') {
    const r = parsePortString(String(p));
    if (!r.ok) {
      b.err(td, 'invalid-port', path, r.message);
      return [];
    }
    return [b.track({ ...r.value, pos }, td, path)];
  }
  const range = (field: 'hostPort' | 'containerPort', v: number | string, what: string): [number, number] | null => {
    const r = parseRange(String(v), what);
    if (typeof r === 'string') {
      b.err(td, 'invalid-port', [...path, field], r);
      return null;
    }
    return r;
  };
  const protocol = p.protocol ?? CONTAINER_DEFAULTS.protocol;
  const cont = range('containerPort', p.containerPort, 'container port');
  if (p.hostPort === undefined) {
    // no host port written: netkeeper chooses one (nothing more to report when the container port is bad)
    if (!cont) return [];
    const auto: PortSpec = { ...autoPort(p.hostIP, cont, protocol), pos };
    if (p.network !== undefined) auto.network = p.network;
    return [b.track(auto, td, path)];
  }
  const host = range('hostPort', p.hostPort, 'host port');
  if (!host || !cont) return [];
  const pairErr = pairRanges(host, cont, `${p.hostPort}:${p.containerPort}`);
  if (pairErr) {
    b.err(td, 'invalid-port', path, pairErr);
    return [];
  }
  const out: PortSpec = {
    hostPort: host[0],
    hostPortEnd: host[1],
    containerPort: cont[0],
    containerPortEnd: cont[1],
    protocol,
    pos,
  };
  if (p.hostIP !== undefined) out.hostIP = canonicalIP(p.hostIP);
  if (p.network !== undefined) out.network = p.network;
  return [b.track(out, td, path)];
}
