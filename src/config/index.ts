// networks.d text → validated Config (pure): YAML with positions → JSON Schema per
// kind → typed specs with defaults → semantic rules. Every problem is a Diagnostic
// naming file:line:col and the object; any error means no Config at all.

import type { Config, SettingsSpec } from '../model/config.js';
import type { Diagnostic, Result } from '../model/diagnostic.js';
import { Builder, DEFAULT_SETTINGS } from './build.js';
import { loadDocuments, type SourceFile } from './documents.js';
import { Locator } from './locator.js';
import { RuleCtx } from './rules-context.js';
import { checkContainers } from './rules-containers.js';
import { checkAddressClasses } from './rules-addresses.js';
import { checkDuplicateNames, checkHosts, checkLinks, checkNetworks, checkSettings } from './rules-objects.js';
import { checkSchemas } from './validate-schema.js';

export type { SourceFile } from './documents.js';
export { AUTO_SUBNET_MESSAGE } from './rules-containers.js';
export { SCHEMAS, SCHEMA_FILES, KINDS } from './schemas.js';

export function parseConfig(files: SourceFile[]): Result<Config> {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const { docs, errors: yamlErrors, warnings } = loadDocuments(sorted);
  const { typed, errors: schemaErrors } = checkSchemas(docs);
  if (yamlErrors.length + schemaErrors.length > 0) {
    return { ok: false, errors: sortDiagnostics([...yamlErrors, ...schemaErrors], sorted) };
  }

  const loc = new Locator();
  const build = new Builder(loc);
  const cfg: Config = {
    networks: [],
    containers: [],
    links: [],
    hosts: [],
    settings: { ...DEFAULT_SETTINGS },
    documentCount: docs.length,
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
    }
  }
  if (settings.length > 0) cfg.settings = settings[0];

  const ctx = new RuleCtx(cfg, loc);
  checkDuplicateNames(ctx);
  checkSettings(ctx, settings);
  checkHosts(ctx);
  checkNetworks(ctx);
  checkLinks(ctx);
  checkContainers(ctx);
  checkAddressClasses(ctx);

  const errors = [...build.errors, ...ctx.errors];
  const allWarnings = [...warnings, ...ctx.warnings];
  if (errors.length > 0) return { ok: false, errors: sortDiagnostics(errors, sorted) };
  return allWarnings.length > 0
    ? { ok: true, value: cfg, warnings: sortDiagnostics(allWarnings, sorted) }
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
