import { JSON_FORMAT_VERSION } from './plan-json.js';
import { missingDirReason, readConfigDir } from '../shell/read-config.js';
import { parseConfig } from '../config/index.js';
import { MemoryChunkStore } from '../config/doc-cache.js';
import { formatDiagnostic } from '../model/diagnostic.js';
import { EXIT, type Context } from './common.js';
import { selfHostErrors } from '../config/self-host.js';
import { hostname } from 'node:os';

export async function validateCommand(ctx: Context): Promise<number> {
  const read = await readConfigDir(ctx.opts.dir);
  if (!read.exists && !read.problems.length) {
    ctx.err(`error: ${missingDirReason(ctx.opts.dir)}\n`);
    return EXIT.failed;
  }
  // through a (throw-away) chunk store: plain documents are read by fast-yaml.ts, the same answer sooner (issue 16)
  const parsed = read.problems.length ? { ok: false as const, errors: read.problems } : parseConfig(read.files, { store: new MemoryChunkStore() });
  // with Host documents, this machine must be one of them (--host, or its hostname)
  const errors = parsed.ok ? selfHostErrors(parsed.value.hosts, ctx.opts.host ?? hostname()) : parsed.errors;
  if (errors.length) {
    if (ctx.opts.json) ctx.out(JSON.stringify({ formatVersion: JSON_FORMAT_VERSION, valid: false, errors }, null, 2) + '\n');
    for (const e of errors) ctx.err(`error: ${formatDiagnostic(e)}\n`);
    return EXIT.failed;
  }
  if (!parsed.ok) return EXIT.failed; // unreachable: errors were reported
  const c = parsed.value;
  for (const w of parsed.warnings ?? []) ctx.err(`warning: ${formatDiagnostic(w)}\n`);
  if (ctx.opts.json)
    ctx.out(JSON.stringify({ formatVersion: JSON_FORMAT_VERSION, valid: true, files: read.files.length, documents: c.documentCount }, null, 2) + '\n');
  else
    ctx.out(
      `valid: ${read.files.length} files, ${c.networks.length} networks, ${c.containers.length} containers, ${c.links.length} links, ${c.hosts.length} hosts\n`,
    );
  return EXIT.ok;
}
