// `netkeeper apply FILE`: applies a plan saved by `plan --out FILE`, exactly it.
// The pass is computed again from the files and the kernel as they are now; it
// refuses (exit 1, nothing changed) unless both are as the plan was made against
// (their fingerprints match, and so the plan made now equals the saved one).

import { EXIT, type Context } from './common.js';
import { applyAndReport, locked } from './reconcile.js';
import { readSavedPlan } from './saved-plan.js';

export async function applyCommand(ctx: Context): Promise<number> {
  const file = ctx.opts.args[0];
  if (!file || ctx.opts.args.length > 1) {
    ctx.err(`error: netkeeper apply takes one saved plan file (made by netkeeper plan --out FILE)${file ? `; got ${ctx.opts.args.join(' ')}` : ''}\n`);
    return EXIT.failed;
  }
  const saved = await readSavedPlan(file);
  if (typeof saved === 'string') {
    ctx.err(`error: ${saved}\n`);
    return EXIT.failed;
  }
  const opts = { ...ctx.opts, dir: saved.dir, ...(saved.host ? { host: saved.host } : {}), allowEmpty: true };
  return locked(ctx, `apply ${file}`, () =>
    applyAndReport({ ...ctx, opts }, 'apply', { expect: { files: saved.files, kernel: saved.kernel, changes: saved.changes } }),
  );
}
