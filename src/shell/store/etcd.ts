// The fleet store on etcd v3 (the `etcd3` client, imported lazily: commands
// without a store never load grpc). Side effects only; what the keys mean is
// src/plan/fleet.ts.
//
// One lease per running reconciler, kept alive by the client (a keep-alive every
// ttl/3). Every key this host writes — its registration and its address claims —
// is under that lease: when the process dies or is cut off for longer than the
// TTL, etcd deletes them and every other host's watcher removes its entries.

import type { Etcd3, Lease, Watcher } from 'etcd3';
import type { Logger } from '../log.js';
import { claimKey, hostKey, type FleetClaim, type FleetHost } from '../../plan/fleet.js';
import { quietIpServerNameWarning, storeErrorText, tlsCredentials } from './tls.js';

export interface StoreSettings {
  endpoints: string[];
  prefix: string;
  ttl: number;
  tls?: { ca?: string; cert?: string; key?: string };
}

export interface StoreKv {
  key: string;
  value: string;
  lease: string;
}

/** Every call to the cluster gives up after this long (the client would otherwise retry for many seconds). */
const CALL_MS = 3000;

export class StoreUnreachable extends Error {}

async function within<T>(p: Promise<T>, what: string, ms = CALL_MS): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        t = setTimeout(() => reject(new StoreUnreachable(`${what}: no answer from the store within ${ms} ms`)), ms);
      }),
    ]);
  } catch (e) {
    if (e instanceof StoreUnreachable) throw e;
    throw new StoreUnreachable(`${what}: ${storeErrorText((e as Error).message)}`);
  } finally {
    clearTimeout(t);
  }
}

function hosts(endpoints: string[], tls: boolean): string[] {
  return endpoints.map((e) => (/^https?:\/\//.test(e) ? e : `${tls ? 'https' : 'http'}://${e}`));
}

export class EtcdStore {
  private lease: Lease | undefined;
  private leaseId: string | undefined;
  private watcher: Watcher | undefined;
  /** the store's revision at the last read (the watch starts just after it) */
  private readRevision: string | undefined;
  private hostWritten = '';
  /** set when the lease was lost or never granted: the next sync re-registers everything */
  leaseIsNew = false;

  private constructor(
    private readonly client: Etcd3,
    readonly settings: StoreSettings,
    private readonly log: Logger,
  ) {}

  /** Throws StoreTlsError when a TLS file cannot be read (before anything is dialled). */
  static async open(settings: StoreSettings, log: Logger): Promise<EtcdStore> {
    const credentials = tlsCredentials(settings.tls);
    if (credentials || settings.endpoints.some((e) => e.startsWith('https://'))) quietIpServerNameWarning();
    const { Etcd3 } = await import('etcd3');
    const client = new Etcd3({
      hosts: hosts(settings.endpoints, !!credentials),
      dialTimeout: CALL_MS,
      ...(credentials ? { credentials } : {}),
    });
    return new EtcdStore(client, settings, log);
  }

  get prefix(): string {
    return this.settings.prefix.replace(/\/+$/, '');
  }

  /** The lease this process writes under; granted (again) when there is none or it was lost. */
  async ensureLease(): Promise<string> {
    if (this.lease && this.leaseId && !this.lease.revoked()) return this.leaseId;
    this.lease?.release();
    const lease = this.client.lease(this.settings.ttl);
    lease.on('lost', (err) => {
      if (this.lease !== lease) return; // never granted: the grant's own error says why
      this.log.warn({ err: storeErrorText(err.message) }, 'store: lease lost; registering again on the next pass');
      this.lease = undefined;
      this.leaseId = undefined;
    });
    // the client keeps granting until asked to stop: never leave it running after a timeout
    try {
      this.leaseId = await within(lease.grant(), 'lease grant');
    } catch (e) {
      lease.release();
      throw e;
    }
    this.lease = lease;
    this.leaseIsNew = true;
    this.log.info({ lease: this.leaseId, ttlS: this.settings.ttl }, 'store: lease granted');
    return this.leaseId;
  }

  /** Everything under the prefix. */
  async read(): Promise<StoreKv[]> {
    const res = await within(this.client.getAll().prefix(`${this.prefix}/`).exec(), 'read');
    this.readRevision = res.header?.revision;
    return (res.kvs ?? []).map((kv) => ({ key: kv.key.toString(), value: kv.value.toString(), lease: String(kv.lease ?? '0') }));
  }

  /** Register this host; written only when it changed or the lease is new (every write wakes every other host's watcher). */
  async putHost(h: FleetHost): Promise<void> {
    const id = await this.ensureLease();
    const value = JSON.stringify({ address: h.address, vteps: h.vteps });
    if (this.hostWritten === `${id} ${value}`) return;
    await within(this.client.put(hostKey(this.prefix, h.name)).value(value).lease(id).exec(), 'register host');
    this.hostWritten = `${id} ${value}`;
  }

  private claimValue(c: FleetClaim): string {
    return JSON.stringify({ host: c.host, container: c.container, mac: c.mac });
  }

  /** Create the claim if no one holds the address; false when someone does. */
  async claim(c: FleetClaim): Promise<boolean> {
    const id = await this.ensureLease();
    const key = claimKey(this.prefix, c.network, c.address);
    const r = await within(
      this.client
        .if(key, 'Create', '==', 0)
        .then(this.client.put(key).value(this.claimValue(c)).lease(id))
        .commit(),
      'claim',
    );
    return !!r.succeeded;
  }

  /** Put an own claim under the current lease again (after a restart or a lost lease). */
  async renew(c: FleetClaim): Promise<void> {
    const id = await this.ensureLease();
    await within(
      this.client
        .put(claimKey(this.prefix, c.network, c.address))
        .value(this.claimValue(c))
        .lease(id)
        .exec(),
      'renew claim',
    );
  }

  /** Delete an own claim, only if it is still this host's (the same value). */
  async release(c: FleetClaim): Promise<void> {
    const key = claimKey(this.prefix, c.network, c.address);
    await within(this.client.if(key, 'Value', '==', this.claimValue(c)).then(this.client.delete().key(key)).commit(), 'release claim');
  }

  /** Create `key` under this host's lease if absent (routed overlays' subnet claims); false when it exists. */
  async createLeased(key: string, value: string): Promise<boolean> {
    const id = await this.ensureLease();
    const r = await within(this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value(value).lease(id)).commit(), 'claim');
    return !!r.succeeded;
  }

  /** Put `key` under the current lease (an own key, after a restart or a lost lease). */
  async putLeased(key: string, value: string): Promise<void> {
    const id = await this.ensureLease();
    await within(this.client.put(key).value(value).lease(id).exec(), 'renew');
  }

  /** Delete `key` only if it still holds `value` (an own key). */
  async deleteIfValue(key: string, value: string): Promise<void> {
    await within(this.client.if(key, 'Value', '==', value).then(this.client.delete().key(key)).commit(), 'release');
  }

  /** Call `onChange(key, value|undefined)` on every change under the prefix. */
  async watch(onChange: (key: string, value: string | undefined) => void): Promise<void> {
    await this.unwatch();
    // from just after the last read, not from now: a change another host made between
    // that read and this watch would otherwise reach this host only at the next resync
    const b = this.client.watch().prefix(`${this.prefix}/`);
    if (this.readRevision !== undefined) b.startRevision(String(BigInt(this.readRevision) + 1n));
    const w = await within(b.create(), 'watch');
    w.on('put', (kv) => onChange(kv.key.toString(), kv.value.toString()));
    w.on('delete', (kv) => onChange(kv.key.toString(), undefined));
    w.on('disconnected', (err) => this.log.warn({ err: err.message }, 'store: watch disconnected'));
    w.on('connected', () => this.log.debug('store: watch connected'));
    w.on('error', (err) => this.log.warn({ err: err.message }, 'store: watch error'));
    this.watcher = w;
  }

  get watching(): boolean {
    return this.watcher !== undefined;
  }

  async unwatch(): Promise<void> {
    const w = this.watcher;
    this.watcher = undefined;
    if (w) await within(w.cancel(), 'cancel watch', 1000).catch(() => undefined);
  }

  /** Stop keeping the lease alive (its keys expire after the TTL) and close the client. */
  async close(): Promise<void> {
    await this.unwatch();
    this.lease?.release();
    this.client.close();
  }
}
