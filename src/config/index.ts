// networks.d text → validated Config (pure): YAML with positions → JSON Schema per
// kind → typed specs with defaults → semantic rules. Every problem is a Diagnostic
// naming file:line:col and the object; any error means no Config at all.

import type { Config, SettingsSpec } from '../model/config.js';
import type { Diagnostic, Result } from '../model/diagnostic.js';
import { DEFAULT_SETTINGS } from '../model/defaults.js';
import { Builder } from './build.js';
import { readDocuments, type SourceFile } from './documents.js';
import { readDocumentsCached, type ChunkStats, type ChunkStore } from './doc-cache.js';
import { boundDiagnostics, MAX_DIAGNOSTICS } from '../model/diagnostic-bounds.js';
import { Locator } from './locator.js';
import { RuleCtx } from './rules-context.js';
import { checkCapacity } from './rules-capacity.js';
import { checkContainers } from './rules-containers.js';
import { checkAddressClasses } from './rules-addresses.js';
import { checkHostNameClashes, checkReservedIfnames } from './rules-host-names.js';
import { checkDuplicateNames, checkHosts, checkLinks, checkNetworks, checkSettings } from './rules-objects.js';
import { checkSchema, type TypedDoc } from './validate-schema.js';
import { checkExpects } from './rules-expect.js';
import { checkFabric } from './rules-fabric.js';

export type { SourceFile } from './documents.js';
export type { ChunkStats, ChunkStore } from './doc-cache.js';
export { AUTO_SUBNET_MESSAGE } from './rules-containers.js';
export { SCHEMAS, SCHEMA_FILES, KINDS } from './schemas.js';

/**
 * `cache`: a store of chunks already read (doc-cache.ts), so that unchanged text is
 * not parsed again; the answer is the same with or without it.
 */
export function parseConfig(files: SourceFile[], cache?: { store: ChunkStore; stats?: ChunkStats }): Result<Config> {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // Read and schema-check document by document; stop reading once MAX_DIAGNOSTICS
  // errors are in hand (the rest of a huge bad directory is not worth the time).
  const typed: TypedDoc[] = [];
  const early: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  let documentCount = 0;
  let stopped = false;
  let uncounted = 0;
  let warningsDropped = 0;
  for (const step of cache ? readDocumentsCached(sorted, cache.store, cache.stats) : readDocuments(sorted)) {
    early.push(...step.errors);
    if (warnings.length <= MAX_DIAGNOSTICS) warnings.push(...step.warnings);
    else warningsDropped += step.warnings.length;
    if (step.doc) {
      documentCount++;
      const r = checkSchema(step.doc, Math.max(0, MAX_DIAGNOSTICS + 1 - early.length));
      if (r.typed) typed.push(r.typed);
      early.push(...r.errors);
      uncounted += r.more;
    }
    if (early.length + uncounted > MAX_DIAGNOSTICS) {
      stopped = true;
      break;
    }
  }
  if (early.length + uncounted > 0) {
    return { ok: false, errors: boundDiagnostics(sortDiagnostics(early, sorted), { stopped, extra: uncounted }) };
  }

  const loc = new Locator();
  const build = new Builder(loc);
  const cfg: Config = {
    networks: [],
    containers: [],
    links: [],
    hosts: [],
    settings: { ...DEFAULT_SETTINGS },
    documentCount,
  };
  const settings: SettingsSpec[] = [];
  for (const td of typed) {
    switch (td.kind) {
      case 'Network':
        cfg.networks.push(build.network(td));
        break;
      case 'Container':
        cfg.containers.push(build.container(td));
        break;
      case 'Link':
        cfg.links.push(build.link(td));
        break;
      case 'Host':
        cfg.hosts.push(build.host(td));
        break;
      case 'Settings':
        settings.push(build.settings(td));
        break;
      case 'Expect':
        (cfg.expects ??= []).push(build.expect(td));
        break;
    }
  }
  if (settings.length > 0) cfg.settings = settings[0];

  const ctx = new RuleCtx(cfg, loc);
  checkDuplicateNames(ctx);
  checkSettings(ctx, settings);
  checkHosts(ctx);
  checkNetworks(ctx);
  checkFabric(ctx);
  checkLinks(ctx);
  checkContainers(ctx);
  checkAddressClasses(ctx);
  checkReservedIfnames(ctx);
  checkHostNameClashes(ctx);
  checkCapacity(ctx);
  checkExpects(ctx);

  const errors = [...build.errors, ...ctx.errors];
  const allWarnings = [...warnings, ...ctx.warnings];
  if (errors.length > 0) return { ok: false, errors: boundDiagnostics(sortDiagnostics(errors, sorted)) };
  return allWarnings.length > 0
    ? { ok: true, value: cfg, warnings: boundDiagnostics(sortDiagnostics(allWarnings, sorted), { word: 'warnings', extra: warningsDropped }) }
    : { ok: true, value: cfg };
}

/** In file order, then line, then column; stable for equal positions. */
function sortDiagnostics(ds: Diagnostic[], files: SourceFile[]): Diagnostic[] {
  const order = new Map(files.map((f, i) => [f.path, i]));
  const rank = (d: Diagnostic) => (d.pos ? (order.get(d.pos.file) ?? files.length) : files.length + 1);
  return ds
    .map((d, i) => ({ d, i }))
    .sort((x, y) => rank(x.d) - rank(y.d) || (x.d.pos?.line ?? 0) - (y.d.pos?.line ?? 0) || (x.d.pos?.col ?? 0) - (y.d.pos?.col ?? 0) || x.i - y.i)
    .map((x) => x.d);
}
