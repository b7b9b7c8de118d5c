// The load stage of a pass: read networks.d and parse it (src/config/), or say why
// there is nothing to plan from.

import { missingDirReason, readConfigDir } from './read-config.js';
import { ConfigCache } from './config-cache.js';
import { DEFAULT_SETTINGS } from '../model/defaults.js';
import { runDir } from './lock.js';
import type { Config } from '../model/config.js';
import type { Diagnostic } from '../model/diagnostic.js';

/** Why no configuration came out of the files: bad input, or a refusal (missing or empty directory). */
export type LoadProblem = { status: 'invalid'; errors: Diagnostic[] } | { status: 'refused'; reason: string };

export type Loaded = { ok: true; config: Config } | { ok: false; outcome: LoadProblem };

/**
 * What no files at all mean: the loader's own answer to no files, parseConfig([])
 * (default Settings, no objects; test/unit/shell/load.test.ts keeps them equal), written
 * out so that loading this module does not load the loader (config-cache.ts loads it
 * only when files must be parsed).
 */
export const EMPTY_CONFIG: Config = { networks: [], containers: [], links: [], hosts: [], settings: { ...DEFAULT_SETTINGS }, documentCount: 0 };

/** What a load reuses of the loads before it (config-cache.ts): in memory for the process, unless told to keep it on disk too. */
let cache = new ConfigCache();

/** Short-lived commands (--once, plan, status, ...): keep the parsed files under the run dir for the next one. */
export function keepConfigCacheOnDisk(dir: string = runDir()): void {
  cache = new ConfigCache(dir);
}

/** The cache loadConfig uses (tests read its counts). */
export function configCache(): ConfigCache {
  return cache;
}

export async function loadConfig(dir: string, allowEmpty: boolean): Promise<Loaded> {
  const read = await readConfigDir(dir);
  if (read.problems.length) return { ok: false, outcome: { status: 'invalid', errors: read.problems } };
  if (!read.exists) return { ok: false, outcome: { status: 'refused', reason: missingDirReason(dir) } };
  const parsed = await cache.parse(read.files);
  if (!parsed.ok) return { ok: false, outcome: { status: 'invalid', errors: parsed.errors } };
  if (parsed.value.documentCount === 0 && !allowEmpty) {
    return {
      ok: false,
      outcome: { status: 'refused', reason: `directory ${dir} holds no objects; refusing to remove everything netkeeper owns (use --allow-empty)` },
    };
  }
  return { ok: true, config: parsed.value };
}
