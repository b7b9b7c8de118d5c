// The content-keyed cache of parsed files (issue 16): what src/config made of text it
// has seen before, so that unchanged files are not parsed and checked again.
// Two layers, both keyed by content and by this build's loader code:
// - the whole directory: when every file (paths and bytes) is what the last good load
//   read, its validated Config (with its warnings) is given back as it was;
// - each chunk of a file between `---` lines (src/config/doc-cache.ts): its documents'
//   values and position tables, so adding one document to a 1000-document file parses one.
// In memory for the process (the watcher); on disk under the run dir for short-lived
// commands (`<run dir>/cache/config.json` and `documents.json`, written atomically after
// a valid load only, ignored whenever unreadable, corrupt or another build's). Deleting
// them is always safe: the next load parses everything again.

import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { SourceFile } from '../config/index.js';
import type { CachedChunk, ChunkStats, ChunkStore } from '../config/doc-cache.js';
import { jsonSafe } from '../config/json-data.js';
import type { Config } from '../model/config.js';
import type { Result } from '../model/diagnostic.js';

/** Bumped whenever what the files hold changes shape. */
const FORMAT = 1;

export interface CacheStats extends ChunkStats {
  /** where the Config came from: the last good load's (same bytes), in memory or on disk, or parsed (through the chunks) */
  config: 'memory' | 'disk' | 'parsed';
}

let identityMemo: string | undefined;

/**
 * This build's loader: the format, a hash of the code that turns text into a Config
 * (src/config and src/model as built) and the versions of the YAML parser and ajv's
 * runtime, so that a cache another build wrote is never believed, whatever its version says.
 */
export function loaderIdentity(): string {
  if (identityMemo) return identityMemo;
  const h = createHash('sha256').update(`format ${FORMAT}\0`);
  const here = dirname(fileURLToPath(import.meta.url));
  for (const sub of ['config', 'model']) {
    const dir = join(here, '..', sub);
    let names: string[] = [];
    try {
      names = readdirSync(dir)
        .filter((n) => /\.(js|ts)$/.test(n))
        .sort();
    } catch {
      names = [];
    }
    for (const n of names) {
      const text = readFileSync(join(dir, n));
      h.update(`${sub}/${n} ${text.length}\0`).update(text);
    }
  }
  const require = createRequire(import.meta.url);
  for (const pkg of ['yaml', 'ajv']) {
    try {
      h.update(`${pkg} `).update(readFileSync(require.resolve(`${pkg}/package.json`)));
    } catch {
      h.update(`${pkg} ?`);
    }
  }
  identityMemo = h.digest('hex');
  return identityMemo;
}

// crypto.hash (Node >= 20.12): one call per chunk instead of a Hash object (1000 chunks a load)
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

function sha(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : createHash('sha256').update(text).digest('hex');
}

/** The key of a whole directory: every file's path and bytes, in order. */
function keyOf(files: SourceFile[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(`${f.path.length}:${f.path}${f.text.length}:`).update(f.text);
  return h.digest('hex');
}

/** Chunks by the hash of their text; remembers which ones a load used. */
class HashedStore implements ChunkStore {
  map = new Map<string, CachedChunk>();
  used = new Map<string, CachedChunk>();
  get(text: string): CachedChunk | undefined {
    const k = sha(text);
    const c = this.map.get(k);
    if (c !== undefined) this.used.set(k, c);
    return c;
  }
  set(text: string, chunk: CachedChunk): void {
    const k = sha(text);
    this.map.set(k, chunk);
    this.used.set(k, chunk);
  }
}

export class ConfigCache {
  private readonly chunks = new HashedStore();
  /** the last good load: its key and its Result as JSON (each hit parses a fresh copy) */
  private last?: { key: string; json: string };
  private diskRead = false;
  /** the key of what the disk holds */
  private diskKey?: string;
  lastStats?: CacheStats;

  /** `dir`: where to keep the cache on disk (undefined: memory only). */
  constructor(readonly dir?: string) {}

  async parse(files: SourceFile[]): Promise<Result<Config>> {
    const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const key = keyOf(sorted);
    const stats: CacheStats = { hits: 0, parsed: 0, whole: 0, config: 'parsed' };
    this.lastStats = stats;
    if (this.last?.key === key) {
      stats.config = 'memory';
      return JSON.parse(this.last.json) as Result<Config>;
    }
    if (this.dir && !this.diskRead) {
      this.diskRead = true;
      const whole = await this.readDisk(key);
      if (whole) {
        stats.config = 'disk';
        this.last = { key, json: whole };
        return JSON.parse(whole) as Result<Config>;
      }
    }
    this.chunks.used = new Map();
    // the loader (the YAML parser, the schema validators, the rules) is loaded only when files must be parsed:
    // a command whose files are all in the cache never loads it (issue 16: start-up)
    const { parseConfig } = await import('../config/index.js');
    const r = parseConfig(sorted, { store: this.chunks, stats });
    // keep what these files hold, not every chunk ever read (a watcher runs for months)
    this.chunks.map = this.chunks.used;
    if (!r.ok || !jsonSafe(r)) return r;
    this.last = { key, json: JSON.stringify(r) };
    if (this.dir && this.diskKey !== key) await this.writeDisk(key, this.last.json);
    return r;
  }

  private files(): { config: string; documents: string } {
    const d = join(this.dir!, 'cache');
    return { config: join(d, 'config.json'), documents: join(d, 'documents.json') };
  }

  /** The whole Result when the disk holds this key; else loads the chunks it holds. Never throws. */
  private async readDisk(key: string): Promise<string | undefined> {
    const p = this.files();
    const id = loaderIdentity();
    try {
      const text = await readFile(p.config, 'utf8');
      const nl = text.indexOf('\n');
      const head = JSON.parse(text.slice(0, nl)) as { format?: unknown; identity?: unknown; key?: unknown; length?: unknown };
      const body = text.slice(nl + 1);
      if (head.format === FORMAT && head.identity === id && typeof head.key === 'string' && head.length === body.length) {
        const r = JSON.parse(body) as Result<Config>;
        if (r && r.ok === true && typeof r.value === 'object') {
          this.diskKey = head.key;
          if (head.key === key) return body;
        }
      }
    } catch {
      // missing, partial or corrupt: parse
    }
    try {
      const d = JSON.parse(await readFile(p.documents, 'utf8')) as { format?: unknown; identity?: unknown; chunks?: unknown };
      if (d.format !== FORMAT || d.identity !== id || !d.chunks || typeof d.chunks !== 'object') return undefined;
      for (const [k, c] of Object.entries(d.chunks as Record<string, unknown>)) if (validChunk(c)) this.chunks.map.set(k, c);
    } catch {
      // as above
    }
    return undefined;
  }

  /** Both files, each written whole then renamed into place; a failure leaves the cache as it was (or absent). */
  private async writeDisk(key: string, json: string): Promise<void> {
    const p = this.files();
    const id = loaderIdentity();
    const tmp = (f: string) => `${f}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(p.config), { recursive: true, mode: 0o700 });
      // documents first: a config.json is only ever newer than the chunks beside it
      const chunks = Object.fromEntries(this.chunks.used);
      await writeFile(tmp(p.documents), JSON.stringify({ format: FORMAT, identity: id, chunks }), { mode: 0o600 });
      await rename(tmp(p.documents), p.documents);
      await writeFile(tmp(p.config), `${JSON.stringify({ format: FORMAT, identity: id, key, length: json.length })}\n${json}`, { mode: 0o600 });
      await rename(tmp(p.config), p.config);
      this.diskKey = key;
    } catch {
      await Promise.all([rm(tmp(p.documents), { force: true }), rm(tmp(p.config), { force: true })]).catch(() => undefined);
    }
  }
}

/** A chunk as doc-cache.ts stores it: false, or a list of documents with a value and a position tree. */
function validChunk(c: unknown): c is CachedChunk {
  if (c === false) return true;
  return Array.isArray(c) && c.every((d) => d && typeof d === 'object' && 'value' in d && validNode((d as { pos?: unknown }).pos));
}

function validLineCol(p: unknown): boolean {
  return p === 0 || (Array.isArray(p) && p.length === 2 && Number.isInteger(p[0]) && Number.isInteger(p[1]));
}

function validNode(n: unknown): boolean {
  if (!n || typeof n !== 'object') return false;
  const o = n as { p?: unknown; m?: unknown; s?: unknown };
  if (!validLineCol(o.p)) return false;
  if (o.m !== undefined) {
    if (!Array.isArray(o.m)) return false;
    for (const e of o.m as unknown[]) {
      if (!Array.isArray(e) || e.length !== 4 || typeof e[0] !== 'string' || !validLineCol(e[1]) || typeof e[2] !== 'boolean') return false;
      if (e[3] !== 0 && !validNode(e[3])) return false;
    }
  }
  if (o.s !== undefined && (!Array.isArray(o.s) || !(o.s as unknown[]).every(validNode))) return false;
  return true;
}
