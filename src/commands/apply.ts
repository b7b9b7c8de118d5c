// `netkeeper apply FILE`: applies a plan saved with `plan --out FILE`.
// Placeholder for the command line (the cli branch); the implementation comes from the planview branch.
import { EXIT, type Context } from './common.js';

export async function applyCommand(ctx: Context): Promise<number> {
  ctx.err('error: not implemented yet\n');
  return EXIT.failed;
}
