// Rolling a pass back: the before image (src/plan/reverse.ts) against the kernel as
// it is now, rendered (src/render/) and applied (apply/) like any plan, then read
// back: what still differs is reported. Also completes what a killed run left
// (its record in <run dir>/rollback.json, rollback-record.ts).

import type { Runner } from './runner.js';
import type { HostFs } from './host-fs.js';
import type { Logger } from './log.js';
import type { ObservedHost } from '../model/observed-host.js';
import type { Change } from '../model/plan.js';
import type { Resource, ResourceMap } from '../model/resources.js';
import { HOST_NS } from '../model/resources.js';
import { imageFrom, reverseChanges, type BeforeImage } from '../plan/reverse.js';
import { withHostSysctls } from '../plan/index.js';
import { render } from '../render/index.js';
import { applyProgram, type ApplyReport } from './apply/index.js';
import type { RollbackRecord, RollbackStore } from './rollback-record.js';

export interface RollbackResult {
  /** the reverse changes applied (the first round) */
  changes: Change[];
  report: ApplyReport;
  /** what still differs from the before image afterwards (empty: rolled back) */
  left: Change[];
}

export interface RollbackDeps {
  runner: Runner;
  fs: HostFs;
  log: Logger;
  /** read the kernel (the pass's observe, with adoption from the crash journal) */
  observe: () => Promise<ObservedHost>;
  /** after applying reverse changes: keep the files record in step */
  noteFiles?: (changes: Change[], done: ReadonlySet<string>, now: ObservedHost) => Promise<void>;
}

/** The kernel as the image sees it: observed resources with the host sysctls the image names. */
function kernelNow(host: ObservedHost, image: BeforeImage): ResourceMap {
  const sysctls = new Map<string, Resource>();
  for (const [k, r] of image) if (r?.kind === 'sysctl' && r.ns === HOST_NS) sysctls.set(k, r);
  return withHostSysctls({ resources: sysctls }, host.observed, host.hostSysctls).resources;
}

/** Bring the kernel back to the before image: up to two rounds (the second mops up what the first could not order). */
export async function rollBack(image: BeforeImage, deps: RollbackDeps): Promise<RollbackResult> {
  let now = await deps.observe();
  let changes = reverseChanges(image, kernelNow(now, image));
  const first = changes;
  let report: ApplyReport = { done: [], failed: [], processes: 0, readBack: new Map() };
  for (let round = 0; round < 2 && changes.length; round++) {
    const known = [...[...image.values()].filter((r): r is Resource => !!r), ...now.observed.resources.values()];
    const r = await applyProgram(render(changes, known), { runner: deps.runner, fs: deps.fs });
    if (round === 0) report = r;
    deps.log.debug({ round, changes: changes.length, failed: r.failed.length }, 'rollback applied');
    now = await deps.observe();
    await deps.noteFiles?.(changes, new Set(r.done), now);
    changes = reverseChanges(image, kernelNow(now, image));
  }
  return { changes: first, report, left: changes };
}

export interface PendingDone {
  record: RollbackRecord;
  /** confirmed by `netkeeper confirm` (nothing to undo) */
  confirmed: boolean;
  result?: RollbackResult;
}

/**
 * A record left by a run that did not finish (killed while applying, rolling back
 * or waiting for a confirmation): roll back to its image, unless it was confirmed.
 * The record goes once the kernel is as the image says.
 */
export async function completePending(store: RollbackStore, deps: RollbackDeps): Promise<PendingDone | undefined> {
  const record = await store.read();
  if (!record) return undefined;
  if (record.state === 'confirm' && (await store.confirmed()) === record.id) {
    await store.remove();
    return { record, confirmed: true };
  }
  const result = await rollBack(imageFrom(record.image), deps);
  if (result.left.length === 0) await store.remove();
  return { record, confirmed: false, result };
}
