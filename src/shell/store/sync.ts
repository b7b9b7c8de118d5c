// One pass's conversation with the fleet store: register this host, read the
// membership, claim the overlay addresses this host's containers need (retrying
// the allocation when another host won an address), release the ones no longer
// needed, and hand the pass the files merged with the membership
// (src/plan/fleet.ts). When the store cannot be reached the last membership read
// is used: the fabric stays as it was (peers are never flushed for that).

import type { Config } from '../../model/config.js';
import type { Diagnostic } from '../../model/diagnostic.js';
import type { Observed } from '../../model/plan.js';
import { buildTopology } from '../../plan/topology/index.js';
import { parseMembership, planClaims, selfRegistration, takenDiagnostic, wantedClaims, type FleetClaim, type Membership } from '../../plan/fleet.js';
import { candidateSubnets, mergeFleet, parseSubnets, planSubnets, subnetKey, subnetValue, vtepMac, type FleetSubnet } from '../../plan/fleet-routed.js';
import type { Logger } from '../log.js';
import { StoreUnreachable, type EtcdStore } from './etcd.js';

export type StoreState = { state: 'connected'; since: string } | { state: 'unreachable'; since: string; error: string };

export type SyncResult = { ok: true; config: Config; membership: Membership; warnings: Diagnostic[]; stale: boolean } | { ok: false; errors: Diagnostic[] };

/** Addresses come from the config alone on overlays: an empty kernel gives the same allocation the pass will make. */
const noKernel = (self: string): Observed => ({ resources: new Map(), facts: { foreignRoutes: [], resolvConf: '', hostname: self, linkMtu: {} } });

const ATTEMPTS = 8;
const SUBNET_ATTEMPTS = 64;

const ownClaimsKey = (m: Membership, self: string) =>
  m.claims
    .filter((c) => c.host === self)
    .map((c) => `${c.network}/${c.address}/${c.container}/${c.mac}`)
    .sort()
    .join(' ');

export class StoreSync {
  /** the last membership read (kept while the store is unreachable) */
  last: Membership | undefined;
  status: StoreState;
  /** the files and own claims of the last sync that claimed everything it needed */
  private settled: { files: string; own: string } | undefined;

  constructor(
    readonly store: EtcdStore,
    private readonly self: string,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.status = { state: 'connected', since: this.now().toISOString() };
  }

  private mark(next: 'connected' | 'unreachable', error?: string): void {
    if (next === this.status.state && next === 'connected') return;
    if (next === 'connected') {
      this.log.info({ downSince: this.status.since }, 'store: reachable again; catching up');
      this.status = { state: 'connected', since: this.now().toISOString() };
    } else if (this.status.state !== 'unreachable') {
      this.log.warn({ err: error, endpoints: this.store.settings.endpoints }, 'store: unreachable; keeping the last known fabric and retrying');
      this.status = { state: 'unreachable', since: this.now().toISOString(), error: error ?? '' };
    } else {
      this.status = { ...this.status, error: error ?? '' };
    }
  }

  /** Register, read, claim; the files merged with the store's membership. */
  async sync(files: Config): Promise<SyncResult> {
    const reg = selfRegistration(files, this.self);
    if (!reg) {
      return {
        ok: false,
        errors: [
          {
            code: 'store-no-self-host',
            object: `Host ${this.self}`,
            message: `a store is configured, so this host's directory must declare its own Host (name ${this.self}, its underlay address) — other hosts find its containers there`,
          },
        ],
      };
    }
    try {
      const r = await this.talk(files, reg);
      this.mark('connected');
      return r;
    } catch (e) {
      if (!(e instanceof StoreUnreachable)) throw e;
      this.mark('unreachable', e.message);
      if (!this.last) {
        return {
          ok: false,
          errors: [
            {
              code: 'store-unreachable',
              message: `store ${this.store.settings.endpoints.join(',')} cannot be reached and no membership was read yet: ${e.message}`,
            },
          ],
        };
      }
      const merged = mergeFleet(files, this.last, this.self);
      return { ok: true, config: merged.config, membership: this.last, warnings: merged.warnings, stale: true };
    }
  }

  /**
   * Routed overlays: hold one subnet per network (src/plan/fleet-routed.ts). An own
   * subnet that still fits is kept; otherwise the first free candidate is created
   * if absent — a host that loses the race to another tries the next one.
   */
  private async claimSubnets(files: Config, subnets: FleetSubnet[]): Promise<FleetSubnet[] | Diagnostic> {
    const plan = planSubnets(files, subnets, this.self);
    if (plan.claim.length === 0 && plan.release.length === 0) return subnets;
    const prefix = this.store.prefix;
    for (const r of plan.release) await this.store.deleteIfValue(subnetKey(prefix, r.network, r.subnet), subnetValue(r));
    const out = subnets.filter((s) => !plan.release.includes(s));
    for (const { network, taken } of plan.claim) {
      let got: FleetSubnet | undefined;
      let tries = 0;
      for (const subnet of candidateSubnets(network, this.self)) {
        if (taken.has(subnet)) continue;
        if (++tries > SUBNET_ATTEMPTS) break;
        const s: FleetSubnet = { network: network.name, subnet, host: this.self, vtepMac: vtepMac(network.name, this.self) };
        if (await this.store.createLeased(subnetKey(prefix, s.network, s.subnet), subnetValue(s))) {
          got = s;
          break;
        }
      }
      if (!got) {
        return {
          code: 'store-subnets-exhausted',
          object: `Network ${network.name}`,
          message: `routed overlay ${network.name}: no free per-host subnet of ${network.subnets![0].subnet} in the store (${taken.size} held by other hosts${tries > SUBNET_ATTEMPTS ? `, ${SUBNET_ATTEMPTS} lost races` : ''})`,
          pos: network.pos,
        };
      }
      this.log.info({ network: got.network, subnet: got.subnet, vtepMac: got.vtepMac }, 'store: host subnet claimed');
      out.push(got);
    }
    return out;
  }

  private async talk(files: Config, reg: NonNullable<ReturnType<typeof selfRegistration>>): Promise<SyncResult> {
    await this.store.putHost(reg);
    const renew = this.store.leaseIsNew;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const kvs = await this.store.read();
      const m: Membership = parseMembership(kvs, this.store.prefix);
      m.subnets = parseSubnets(kvs, this.store.prefix);
      if (renew && attempt === 0) {
        // a new lease (this process started, or the old lease was lost): own claims made under an older one are put under this one
        for (const c of m.claims) if (c.host === this.self) await this.store.renew(c);
        for (const s of m.subnets) if (s.host === this.self) await this.store.putLeased(subnetKey(this.store.prefix, s.network, s.subnet), subnetValue(s));
        this.store.leaseIsNew = false;
      }
      const subnets = await this.claimSubnets(files, m.subnets);
      if (!Array.isArray(subnets)) return { ok: false, errors: [subnets] };
      m.subnets = subnets;
      const merged = mergeFleet(files, m, this.self);
      // the same files and this host's claims all still in the store: its addresses cannot have changed
      // (they are pinned to its claims), so the allocation and the claims need no second look — only
      // the remote members changed, which the merge already took in (the cost that grows with the fleet)
      const filesKey = JSON.stringify(files);
      const ownKey = ownClaimsKey(m, this.self);
      if (filesKey === this.settled?.files && ownKey === this.settled.own) {
        this.last = m;
        return { ok: true, config: merged.config, membership: m, warnings: merged.warnings, stale: false };
      }
      const topo = buildTopology(merged.config, noKernel(this.self), this.self);
      if (!topo.ok) return { ok: false, errors: topo.errors };
      const p = planClaims(wantedClaims(topo.value), m, this.self);
      if (p.taken.length) {
        const pos = (c: FleetClaim) => files.containers.find((x) => x.name === c.container)?.pos;
        return { ok: false, errors: p.taken.map((t) => takenDiagnostic(t, pos(t.want))) };
      }
      for (const c of p.release) await this.store.release(c);
      let lost = 0;
      for (const c of p.create) {
        if (await this.store.claim(c)) this.log.debug({ network: c.network, address: c.address, container: c.container }, 'store: address claimed');
        else lost++;
      }
      if (lost === 0) {
        const mine = new Set(p.release.map((c) => `${c.network}/${c.address}`));
        const claims = [...m.claims.filter((c) => !mine.has(`${c.network}/${c.address}`)), ...p.create];
        const membership = { hosts: m.hosts, claims, subnets: m.subnets };
        this.last = membership;
        this.settled = { files: filesKey, own: ownClaimsKey(membership, this.self) };
        return { ok: true, config: mergeFleet(files, membership, this.self).config, membership, warnings: merged.warnings, stale: false };
      }
      this.log.info({ lost, attempt }, 'store: another host claimed an address first; allocating again');
    }
    return {
      ok: false,
      errors: [{ code: 'store-address-taken', message: `could not claim overlay addresses in ${ATTEMPTS} attempts: other hosts keep claiming the same ones` }],
    };
  }
}
