// The watcher's pass (src/shell/watch-pass.ts) with the real runPass on the fake
// kernel: drift is healed at the next resync, bad files keep the last good state in
// force (and still heal drift), a failed line asks for a retry that then converges.

import { describe, expect, it } from 'vitest';
import { WatchPass } from '../../../src/shell/watch-pass.js';
import { runPass } from '../../../src/shell/pass.js';
import type { Loaded } from '../../../src/shell/load.js';
import type { WatcherState } from '../../../src/shell/state-file.js';
import { FakeKernel, fakeHostFs } from '../../helpers/fake-kernel/index.js';
import { baseHost, FAKE_HOSTNAME, silentLog } from '../../helpers/fake-kernel/converge.js';
import { parseFiles } from '../../helpers/golden/stages.js';

const config = parseFiles([
  {
    path: 'networks.d/web.yaml',
    text: 'kind: Network\nname: frontend\nsubnets: [{subnet: 172.18.0.0/24}]\n---\nkind: Container\nname: web\nnetworks: [{network: frontend, ip: 172.18.0.10}]\n',
  },
]);
const invalid: Loaded = {
  ok: false,
  outcome: { status: 'invalid', errors: [{ code: 'yaml', message: 'bad indentation', pos: { file: 'networks.d/web.yaml', line: 3, col: 5 } }] },
};

function setup() {
  const k = baseHost(new FakeKernel());
  let files: Loaded = { ok: true, config };
  const wp = new WatchPass(
    {
      dir: 'networks.d',
      host: FAKE_HOSTNAME,
      allowEmpty: false,
      lockTimeoutMs: 1000,
      log: silentLog,
      runner: k,
      loadConfig: async () => files,
      runPass: (o) => runPass({ ...o, fs: fakeHostFs(k.fs) }),
      acquireLock: async () => ({ path: 'lock', waitedMs: 0, release: async () => undefined }),
      saveState: async (_s: WatcherState) => undefined,
      now: () => new Date('2026-01-01T00:00:00Z'),
    },
    { pid: 1, pidStart: '1', startedAt: 'start', dir: 'networks.d', intervalS: 30 },
  );
  return { k, wp, setFiles: (f: Loaded) => (files = f) };
}

describe('watcher passes on the fake kernel', () => {
  it('applies, then finds nothing to do, then heals drift at the next resync', async () => {
    const { k, wp } = setup();
    expect(await wp.run('start')).toBe('ok');
    expect(wp.state.last?.result).toBe('applied');
    expect(await wp.run('resync')).toBe('ok');
    expect(wp.state.last?.result).toBe('in-sync');
    k.ip('host', 'link del dev br-frontend'); // someone removes the bridge (and with it nothing else: the veth stays, portless)
    expect(await wp.run('resync')).toBe('ok');
    expect(wp.state.last?.result).toBe('applied');
    expect(wp.state.last?.keys).toContain('+link:host/br-frontend');
    expect(k.nsByName('web').byName('eth0')!.peer!.master?.ifname).toBe('br-frontend');
  });

  it('bad files keep the last good state in force, drift included', async () => {
    const { k, wp, setFiles } = setup();
    await wp.run('start');
    setFiles(invalid);
    k.ip('web', 'addr del 172.18.0.10/24 dev eth0');
    expect(await wp.run('change')).toBe('wait');
    expect(wp.state.last).toMatchObject({ result: 'invalid', usedLastGood: true });
    expect(
      k
        .nsByName('web')
        .byName('eth0')!
        .addrs.map((a) => a.local),
    ).toEqual(['172.18.0.10']);
  });

  it('a failed line asks for a retry, which converges', async () => {
    const { k, wp } = setup();
    k.faults.failLine({ ns: 'web', match: 'link set dev lo' });
    expect(await wp.run('start')).toBe('retry');
    expect(wp.state.last).toMatchObject({ result: 'failed', failed: 1 });
    expect(await wp.run('retry')).toBe('ok');
    expect(wp.state.last?.result).toBe('applied');
    expect(await wp.run('resync')).toBe('ok');
    expect(wp.state.last?.result).toBe('in-sync');
  });
});
