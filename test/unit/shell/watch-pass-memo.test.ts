// The watcher keeps the desired side of its last plan (src/plan/desired-inputs.ts)
// across its passes, with the real runPass on the fake kernel: kept while the files
// and what of the host it reads stay the same, and drift is healed all the same —
// in what it does not read (a route: kept) and in what it reads (an address: made
// again) — and a change of the files makes it again.

import { describe, expect, it } from 'vitest';
import { WatchPass } from '../../../src/shell/watch-pass.js';
import { runPass, type PassOutcome } from '../../../src/shell/pass.js';
import type { Loaded } from '../../../src/shell/load.js';
import type { Topology } from '../../../src/model/topology.js';
import { FakeKernel, fakeHostFs } from '../../helpers/fake-kernel/index.js';
import { baseHost, FAKE_HOSTNAME } from '../../helpers/fake-kernel/converge.js';
import { WATCH_DEPS } from '../../helpers/watch-pass.js';
import { parseFiles } from '../../helpers/golden/stages.js';

const text = (port: number) =>
  `kind: Network\nname: frontend\nsubnets: [{subnet: 172.18.0.0/24}]\n---\nkind: Container\nname: web\nnetworks: [{network: frontend, ip: 172.18.0.10}]\nports: ["${port}:80"]\n`;

function setup() {
  const k = baseHost(new FakeKernel());
  let files: Loaded = { ok: true, config: parseFiles([{ path: 'networks.d/web.yaml', text: text(8080) }]) };
  const topos: (Topology | undefined)[] = [];
  const wp = new WatchPass(
    {
      ...WATCH_DEPS,
      host: FAKE_HOSTNAME,
      runner: k,
      loadConfig: async () => files,
      runPass: async (o) => {
        const out: PassOutcome = await runPass({ ...o, fs: fakeHostFs(k.fs) });
        topos.push(out.status === 'applied' ? out.sides?.topo : undefined);
        return out;
      },
      acquireLock: async () => ({ path: 'lock', waitedMs: 0, release: async () => undefined }),
      saveState: async () => undefined,
      now: () => new Date('2026-01-01T00:00:00Z'),
    },
    { pid: 1, pidStart: '1', startedAt: 'start', dir: 'networks.d', intervalS: 30 },
  );
  const kept = () => topos.length >= 2 && topos.at(-1) !== undefined && topos.at(-1) === topos.at(-2);
  return { k, wp, kept, setFiles: (t: string) => (files = { ok: true, config: parseFiles([{ path: 'networks.d/web.yaml', text: t }]) }) };
}

describe('the watcher keeps the desired side of its last plan', () => {
  it('kept on a resync that finds the same inputs; drift in a route healed with it kept, a deleted address healed with it made again', async () => {
    const { k, wp, kept } = setup();
    expect(await wp.run('start')).toBe('ok');
    expect(wp.state.last?.result).toBe('applied');
    // the apply changed what it reads (addresses, chains): the next pass makes it again, the one after keeps it
    await wp.run('resync');
    expect(await wp.run('resync')).toBe('ok');
    expect(wp.state.last?.result).toBe('in-sync');
    expect(kept()).toBe(true);

    k.ip('web', 'route del default');
    expect(await wp.run('resync')).toBe('ok');
    expect(kept()).toBe(true);
    expect(wp.state.last?.result).toBe('applied');
    expect(wp.state.last?.keys.some((x) => x.startsWith('+route:web/'))).toBe(true);

    k.ip('web', 'addr del 172.18.0.10/24 dev eth0');
    expect(await wp.run('resync')).toBe('ok');
    expect(kept()).toBe(false);
    expect(wp.state.last?.result).toBe('applied');
    expect(
      k
        .nsByName('web')
        .byName('eth0')!
        .addrs.map((a) => a.local),
    ).toEqual(['172.18.0.10']);
    await wp.run('resync');
    expect(await wp.run('resync')).toBe('ok');
    expect(wp.state.last?.result).toBe('in-sync');
  });

  it('a change of the files makes it again and is applied', async () => {
    const { k, wp, kept, setFiles } = setup();
    await wp.run('start');
    await wp.run('resync');
    await wp.run('resync');
    expect(kept()).toBe(true);
    setFiles(text(9090));
    expect(await wp.run('change')).toBe('ok');
    expect(kept()).toBe(false);
    expect(wp.state.last?.keys).toEqual(['~chain:host/nat/NK-PORTS-br-frontend']);
    const save = (await k.run('iptables-save', [])).stdout;
    expect(save).toContain('--dport 9090');
    expect(save).not.toContain('--dport 8080');
  });
});
