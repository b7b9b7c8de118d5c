// The state one topology build shares (pure): its inputs, the kernel's
// addresses indexed by interface, and the diagnostics found so far.

import type { Config, NetworkSpec, SourcePos } from '../../model/config.js';
import type { Diagnostic, DiagnosticCode } from '../../model/diagnostic.js';
import { type Cidr, parseCidr } from '../../model/ip.js';
import type { Observed } from '../../model/plan.js';

/** Addresses in the observed kernel, by "ns/ifname" (all, and only owned ones), each list sorted. */
export interface KernelAddresses {
  all: Map<string, string[]>;
  owned: Map<string, string[]>;
}

export interface Ctx {
  config: Config;
  observed: Observed;
  /** this reconciler's Host name */
  self: string;
  addrs: KernelAddresses;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

export function newCtx(config: Config, observed: Observed, self: string): Ctx {
  return { config, observed, self, addrs: indexAddresses(observed), errors: [], warnings: [] };
}

export function err(ctx: Ctx, code: DiagnosticCode, object: string, message: string, pos?: SourcePos): void {
  ctx.errors.push({ code, object, message, ...(pos ? { pos } : {}) });
}

export const netObj = (n: string) => `Network ${n}`;
export const ctrObj = (n: string) => `Container ${n}`;

/** Where a network was declared (the implicit `bridge` was not). */
export const declaredAt = (s: NetworkSpec | undefined): SourcePos | undefined => (s && !s.implicit ? s.pos : undefined);

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function indexAddresses(observed: Observed): KernelAddresses {
  const all = new Map<string, string[]>();
  const owned = new Map<string, string[]>();
  for (const r of observed.resources.values()) {
    if (r.kind !== 'addr') continue;
    const k = `${r.ns}/${r.ifname}`;
    (all.get(k) ?? all.set(k, []).get(k)!).push(r.cidr);
    if (r.owned) (owned.get(k) ?? owned.set(k, []).get(k)!).push(r.cidr);
  }
  for (const m of [all, owned]) for (const v of m.values()) v.sort();
  return { all, owned };
}

export function firstV4(cidrs: string[] | undefined): Cidr | undefined {
  for (const s of cidrs ?? []) {
    const c = parseCidr(s);
    if (c && c.family === 4) return c;
  }
  return undefined;
}
