// Probing the expectations (kind Expect) for real: start a listener wherever a
// tcp/udp probe must be answered and nothing listens yet, run every probe (a few
// at a time, each with a short timeout), stop the listeners it started, and say
// for each expectation what was found and whether it holds.
//
// `why` is the hook for the reason of a failure: the caller passes a function
// that gives the explain path of a failed expectation (src/explain/, once it is
// there); its text is logged with the failure and kept with the result.

import type { ExpectSpec } from '../../model/expect.js';
import { resolveExpectations, type ProbePlan, type ResolveInput } from '../../expect/resolve.js';
import type { ExpectOutcome } from '../../expect/result.js';
import type { Logger } from '../log.js';
import type { Listener, ProbeTools } from './tools.js';

export const PROBE_TIMEOUT_MS = 1000;
const PARALLEL = 8;

export interface ProbeOptions {
  tools: ProbeTools;
  log: Logger;
  now: () => Date;
  timeoutMs?: number;
  /** the reason a failed expectation fails (e.g. the `netkeeper explain` path); undefined when unknown */
  why?: (x: ExpectSpec, r: ExpectOutcome) => string | undefined | Promise<string | undefined>;
}

async function inBatches<T, R>(xs: T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(xs.length);
  let next = 0;
  const worker = async () => {
    while (next < xs.length) {
      const i = next++;
      out[i] = await fn(xs[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, xs.length) }, worker));
  return out;
}

const listenKey = (p: ProbePlan) => (p.listen ? `${p.listen.ns.path ?? 'host'}|${p.protocol}|${p.listen.port}` : undefined);

export async function probeExpectations(expects: ExpectSpec[], input: ResolveInput, o: ProbeOptions): Promise<ExpectOutcome[]> {
  if (expects.length === 0) return [];
  const timeoutMs = o.timeoutMs ?? PROBE_TIMEOUT_MS;
  const resolved = resolveExpectations(expects, input);
  const plans = resolved.flatMap((r) => (r.ok ? [r.plan] : []));

  // one listener per namespace, protocol and port
  const listeners = new Map<string, Listener>();
  const wanted = new Map<string, ProbePlan>();
  for (const p of plans) {
    const k = listenKey(p);
    if (k && !wanted.has(k)) wanted.set(k, p);
  }
  try {
    await Promise.all(
      [...wanted].map(async ([k, p]) => {
        const l = await o.tools.listen(p.listen!.ns, p.protocol as 'tcp' | 'udp', p.listen!.port);
        listeners.set(k, l);
        if (l.state === 'error')
          o.log.warn({ expectation: p.name, ns: p.listen!.ns.label, port: p.listen!.port, detail: l.detail }, 'cannot start a probe listener');
      }),
    );

    const out = await inBatches(resolved, PARALLEL, async (r): Promise<ExpectOutcome> => {
      const at = o.now().toISOString();
      if (!r.ok) return { name: r.name, text: r.text, expected: r.expected, verdict: 'skipped', detail: r.skipped, at, ms: 0 };
      const p = r.plan;
      const t0 = performance.now();
      const found = await o.tools.probe(p, timeoutMs);
      const l = listeners.get(listenKey(p) ?? '');
      let verdict = found.verdict;
      let detail = found.detail;
      if (verdict === 'silent') {
        // our own listener echoes: silence means the datagram never arrived (or its answer never came back)
        if (l?.state === 'ready') verdict = 'unreachable';
        else {
          verdict = 'unknown';
          detail = `${detail}; udp/${p.listen?.port} is held by another program, which may not answer a probe`;
        }
      }
      if (verdict === 'unreachable' && l?.state === 'error') {
        verdict = 'unknown';
        detail = `${detail}; no listener could be started (${l.detail ?? 'error'})`;
      }
      return { name: p.name, text: p.text, expected: p.expected, verdict, held: verdict === p.expected, detail, at, ms: Math.round(performance.now() - t0) };
    });
    if (o.why) {
      for (const r of out) {
        if (r.held !== false) continue;
        const w = await o.why(expects.find((e) => e.name === r.name)!, r);
        if (w) r.why = w;
      }
    }
    return out;
  } finally {
    await Promise.all([...listeners.values()].map((l) => l.stop()));
  }
}

/**
 * Logs each result: a failure at error (with its why), a skip at warn, a hold at
 * info. With `previous` (the watcher's last results), one whose outcome is the
 * same as last time is logged at debug only.
 */
export function logOutcomes(log: Logger, rs: ExpectOutcome[], previous?: ExpectOutcome[]): void {
  const before = new Map(previous?.map((r) => [r.name, `${r.held}|${r.verdict}|${r.text}`]));
  for (const r of rs) {
    if (previous && before.get(r.name) === `${r.held}|${r.verdict}|${r.text}`) {
      log.debug({ expectation: r.name, held: r.held, found: r.verdict }, `expectation ${r.name} unchanged`);
      continue;
    }
    const f = { expectation: r.name, probe: r.text, expected: r.expected, found: r.verdict, detail: r.detail, ...(r.why ? { why: r.why } : {}) };
    if (r.held === false) log.error(f, `expectation ${r.name} failed: ${r.text} is ${r.verdict}, expected ${r.expected}`);
    else if (r.held === undefined) log.warn(f, `expectation ${r.name} skipped: ${r.detail}`);
    else log.info(f, `expectation ${r.name} holds`);
  }
}
