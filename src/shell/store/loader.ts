// The load stage with a fleet store: read the files, then (when Settings.store or
// --store names one) register, claim and merge the store's membership in
// (sync.ts). Without a store it is the plain loadConfig: nothing is imported.

import { hostname } from 'node:os';
import { loadConfig, type Loaded } from '../load.js';
import type { Config } from '../../model/config.js';
import { formatDiagnostic } from '../../model/diagnostic.js';
import { parseStoreFlag, resolveStore } from '../../config/store-flag.js';
import { claimKey, hostKey } from '../../plan/fleet.js';
import type { Logger } from '../log.js';
import type { StoreSync } from './sync.js';

export interface FleetLoader {
  load(dir: string, allowEmpty: boolean): Promise<Loaded>;
  /** the store session, once a store was configured and opened */
  readonly sync: StoreSync | undefined;
  /** the last load found a store configured (--store, Settings.store): its problems are the store's, not the plain files' */
  readonly configured: boolean;
  /** the watcher: called on every change under the prefix made by another host */
  onRemoteChange?: () => void;
  close(): Promise<void>;
}

export function fleetLoader(opts: { store?: string; host?: string }, log: Logger): FleetLoader {
  const self = opts.host ?? hostname();
  const flag = opts.store !== undefined ? parseStoreFlag(opts.store) : undefined;
  let sync: StoreSync | undefined;
  let endpointsKey = '';
  let configured = flag !== undefined;
  const loader: FleetLoader = {
    get sync() {
      return sync;
    },
    get configured() {
      return configured;
    },
    async load(dir, allowEmpty) {
      if (flag && !flag.ok) return { ok: false, outcome: { status: 'refused', reason: flag.message } };
      const loaded = await loadConfig(dir, allowEmpty);
      if (!loaded.ok) return loaded;
      const settings = resolveStore(loaded.config.settings.store, flag);
      configured = settings !== undefined;
      if (!settings) return loaded;
      const key = JSON.stringify(settings);
      if (sync && key !== endpointsKey) {
        await sync.store.close();
        sync = undefined;
      }
      if (!sync) {
        const [{ EtcdStore }, { StoreSync }, { StoreTlsError }] = await Promise.all([import('./etcd.js'), import('./sync.js'), import('./tls.js')]);
        try {
          sync = new StoreSync(await EtcdStore.open(settings, log), self, log);
        } catch (e) {
          if (!(e instanceof StoreTlsError)) throw e;
          const pos = loaded.config.settings.pos;
          return {
            ok: false,
            outcome: { status: 'invalid', errors: [{ code: 'store-tls-file', object: 'Settings', message: e.message, ...(pos ? { pos } : {}) }] },
          };
        }
        endpointsKey = key;
      }
      const wasDown = sync.status.state === 'unreachable';
      const r = await sync.sync(loaded.config);
      if (!r.ok) return { ok: false, outcome: { status: 'invalid', errors: r.errors } };
      for (const w of r.warnings) log.warn({ code: w.code }, formatDiagnostic(w));
      if (loader.onRemoteChange && !r.stale && (wasDown || !sync.store.watching)) await watchRemote(sync, self, () => loader.onRemoteChange?.(), log);
      return { ok: true, config: r.config };
    },
    async close() {
      await sync?.store.close();
    },
  };
  return loader;
}

/** Watch the prefix; changes to this host's own keys (its registration, its claims) do not wake it. */
async function watchRemote(sync: StoreSync, self: string, wake: () => void, log: Logger): Promise<void> {
  const prefix = sync.store.prefix;
  const own = () =>
    new Set([hostKey(prefix, self), ...(sync.last?.claims ?? []).filter((c) => c.host === self).map((c) => claimKey(prefix, c.network, c.address))]);
  try {
    await sync.store.watch((key, value) => {
      if (own().has(key)) return;
      if (value && (key.startsWith(`${prefix}/claims/`) || key.startsWith(`${prefix}/subnets/`)) && value.includes(`"host":${JSON.stringify(self)}`)) return;
      log.debug({ key, deleted: value === undefined }, 'store: change');
      wake();
    });
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'store: cannot watch; changes arrive with the next resync');
  }
}

/**
 * status: the store's membership merged into the files, read once (nothing is
 * registered or claimed). Without a store: the files as they are. `note` says
 * what the store holds (or why it could not be read), for the output.
 */
export async function readFleetMembership(config: Config, opts: { store?: string; host?: string }, log: Logger): Promise<{ config: Config; note?: string }> {
  const flag = opts.store !== undefined ? parseStoreFlag(opts.store) : undefined;
  if (flag && !flag.ok) return { config, note: flag.message };
  const settings = resolveStore(config.settings.store, flag);
  if (!settings) return { config };
  const self = opts.host ?? hostname();
  const [{ EtcdStore }, { parseMembership }, { parseSubnets, mergeFleet }] = await Promise.all([
    import('./etcd.js'),
    import('../../plan/fleet.js'),
    import('../../plan/fleet-routed.js'),
  ]);
  let store: Awaited<ReturnType<typeof EtcdStore.open>>;
  try {
    store = await EtcdStore.open(settings, log);
  } catch (e) {
    return { config, note: `store ${settings.endpoints.join(',')}: ${(e as Error).message}; remote members are shown from the kernel only` };
  }
  try {
    const kvs = await store.read();
    const m = { ...parseMembership(kvs, store.prefix), subnets: parseSubnets(kvs, store.prefix) };
    const per = m.hosts.map((h) => `${h.name} (${h.address}): ${m.claims.filter((c) => c.host === h.name).length} endpoint(s)`);
    return {
      config: mergeFleet(config, m, self).config,
      note: `store ${settings.endpoints.join(',')} ${store.prefix}: ${m.hosts.length} host(s) — ${per.join('; ') || 'none'}`,
    };
  } catch (e) {
    return { config, note: `store ${settings.endpoints.join(',')} unreachable (${(e as Error).message}); remote members are shown from the kernel only` };
  } finally {
    await store.close();
  }
}
