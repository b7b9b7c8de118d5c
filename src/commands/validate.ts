import { readConfigDir } from '../shell/read-config.js';
import { parseConfig } from '../config/index.js';
import { formatDiagnostic } from '../model/diagnostic.js';
import { EXIT, type Context } from './common.js';

export async function validateCommand(ctx: Context): Promise<number> {
  const read = await readConfigDir(ctx.opts.dir);
  if (!read.exists) {
    ctx.err(`error: directory ${ctx.opts.dir} does not exist\n`);
    return EXIT.failed;
  }
  const parsed = parseConfig(read.files);
  if (!parsed.ok) {
    if (ctx.opts.json) ctx.out(JSON.stringify({ valid: false, errors: parsed.errors }, null, 2) + '\n');
    for (const e of parsed.errors) ctx.err(`error: ${formatDiagnostic(e)}\n`);
    return EXIT.failed;
  }
  const c = parsed.value;
  for (const w of parsed.warnings ?? []) ctx.err(`warning: ${formatDiagnostic(w)}\n`);
  if (ctx.opts.json) ctx.out(JSON.stringify({ valid: true, files: read.files.length, documents: c.documentCount }, null, 2) + '\n');
  else
    ctx.out(
      `valid: ${read.files.length} files, ${c.networks.length} networks, ${c.containers.length} containers, ${c.links.length} links, ${c.hosts.length} hosts\n`,
    );
  return EXIT.ok;
}
