// Fingerprints of what a plan was made against (saved plans: `plan --out FILE`,
// `apply FILE`): the declared objects of the files, and the kernel objects the
// plan depends on (every object netkeeper owns and every object of a key the
// files name; unrelated interfaces of the host do not count). Each is kept per
// object, so that a refusal can say which ones changed.

import { createHash } from 'node:crypto';
import type { Config } from '../model/config.js';
import type { Observed } from '../model/plan.js';
import type { Resource } from '../model/resources.js';

export interface Fingerprint {
  /** hash over `objects` */
  digest: string;
  /** object name → short hash */
  objects: Record<string, string>;
}

export interface PlanFingerprints {
  files: Fingerprint;
  kernel: Fingerprint;
}

/** JSON with object keys sorted and source positions left out (a comment added to a file changes nothing). */
function canonical(v: unknown): string {
  return JSON.stringify(v, (k, x: unknown) => {
    if (k === 'pos') return undefined;
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      return Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return x;
  });
}

const hash = (s: string, n = 64) => createHash('sha256').update(s).digest('hex').slice(0, n);

function fingerprint(objects: Map<string, unknown>): Fingerprint {
  const out: Record<string, string> = {};
  for (const k of [...objects.keys()].sort()) out[k] = hash(canonical(objects.get(k)), 16);
  return { digest: hash(canonical(out)), objects: out };
}

export function filesFingerprint(config: Config): Fingerprint {
  const m = new Map<string, unknown>();
  for (const n of config.networks) m.set(`Network ${n.name}`, n);
  for (const c of config.containers) m.set(`Container ${c.name}`, c);
  for (const l of config.links) m.set(`Link ${l.name}`, l);
  for (const h of config.hosts) m.set(`Host ${h.name}`, h);
  m.set('Settings', config.settings);
  return fingerprint(m);
}

/** Without ifindex (a number the kernel hands out; what matters is the rest). */
function stable(r: Resource): unknown {
  if (r.kind !== 'link') return r;
  const { ifindex: _ifindex, ...rest } = r;
  return rest;
}

export function kernelFingerprint(observed: Observed, desired: Iterable<Resource>): Fingerprint {
  const m = new Map<string, unknown>();
  const named = new Set([...desired].map((r) => r.key));
  for (const r of observed.resources.values()) if (r.owned || named.has(r.key)) m.set(r.key, stable(r));
  const f = observed.facts;
  // MTUs of the host's other interfaces (an overlay's underlay, a macvlan parent); netkeeper's own are above
  const linkMtu = Object.fromEntries(Object.entries(f.linkMtu).filter(([name]) => !m.has(`link:host/${name}`)));
  m.set('host facts', { foreignRoutes: [...f.foreignRoutes].sort(), resolvConf: f.resolvConf, hostname: f.hostname, linkMtu });
  return fingerprint(m);
}

/** What differs between two fingerprints: objects added, removed, changed (by name). */
export function fingerprintDiff(saved: Fingerprint, now: Fingerprint): string[] {
  const out: string[] = [];
  for (const k of Object.keys(now.objects)) {
    if (!(k in saved.objects)) out.push(`${k} (new)`);
    else if (saved.objects[k] !== now.objects[k]) out.push(`${k} (changed)`);
  }
  for (const k of Object.keys(saved.objects)) if (!(k in now.objects)) out.push(`${k} (gone)`);
  return out;
}

/** Why a saved plan may not be applied now; undefined when it may. */
export function staleReason(saved: PlanFingerprints & { changes: unknown[] }, now: PlanFingerprints, changes: unknown[]): string | undefined {
  const lines: string[] = [];
  if (saved.files.digest !== now.files.digest) lines.push(`the files changed since the plan was made: ${fingerprintDiff(saved.files, now.files).join(', ')}`);
  if (saved.kernel.digest !== now.kernel.digest) {
    const what = fingerprintDiff(saved.kernel, now.kernel);
    const shown = what.length > 10 ? [...what.slice(0, 10), `… and ${what.length - 10} more`] : what;
    lines.push(`the kernel changed since the plan was made: ${shown.join(', ')}`);
  }
  if (lines.length === 0 && canonical(saved.changes) !== canonical(changes)) lines.push('the plan made now differs from the saved one');
  return lines.length ? `${lines.join('; ')}; nothing was changed: run netkeeper plan again` : undefined;
}
