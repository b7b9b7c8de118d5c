// runPass with what a watcher keeps (src/shell/observe-kept.ts) on the fake kernel:
// the copy of /etc/netns is used by the first observation only, never by the verify
// read after an apply nor by a rollback's (the apply's own writes may not have been
// reported by inotify yet); the result is the same as without it.

import { describe, expect, it } from 'vitest';
import { FakeKernel } from '../../helpers/fake-kernel/index.js';
import { baseHost, passOnFake } from '../../helpers/fake-kernel/converge.js';
import { parseFiles } from '../../helpers/golden/stages.js';
import type { EtcNetnsFiles } from '../../../src/shell/etc-netns-cache.js';
import { NsBatchCache } from '../../../src/observe/ns-batch-cache.js';

const NET = 'kind: Network\nname: front\nsubnets:\n  - subnet: 172.18.0.0/24\n';
const web = (ip: string, port: number) => `kind: Container\nname: web\nnetworks:\n  - network: front\n    ip: ${ip}\nports: ["${port}:80"]\n`;
const cfg = (...docs: string[]) => parseFiles([{ path: 'networks.d/all.yaml', text: docs.join('---\n') }]);

function spy(): EtcNetnsFiles & { calls: number } {
  const s = {
    calls: 0,
    read: (_dir: string, dirs: string[], readNs: (ns: string) => Promise<unknown>) => {
      s.calls++;
      return Promise.all(dirs.map(readNs));
    },
  };
  return s as unknown as EtcNetnsFiles & { calls: number };
}

describe('runPass with the watcher’s kept reads', () => {
  it('an applying pass: the copy of /etc/netns serves the first observation only; the pass converges as without it', async () => {
    const k = baseHost(new FakeKernel());
    const files = spy();
    const o = await passOnFake(k, cfg(NET, web('172.18.0.10', 8080)), { kept: { etcNetns: files, nsBatches: new NsBatchCache() } });
    expect(o.status === 'applied' && o.remaining.changes).toEqual([]);
    expect(files.calls).toBe(1);
    const again = await passOnFake(k, cfg(NET, web('172.18.0.10', 8080)), { kept: { etcNetns: files, nsBatches: new NsBatchCache() } });
    expect(again.status === 'applied' && again.plan.changes).toEqual([]);
    expect(files.calls).toBe(2);
  });

  it('a pass rolled back: the rollback observes without the copy', async () => {
    const k = baseHost(new FakeKernel());
    await passOnFake(k, cfg(NET, web('172.18.0.10', 8080)));
    k.faults.failCommand({ match: /^iptables-restore/, stderr: 'iptables-restore: line 3 failed: injected\n' });
    const files = spy();
    const o = await passOnFake(k, cfg(NET, web('172.18.0.11', 9090)), { kept: { etcNetns: files } });
    expect(o.status).toBe('rolled-back');
    expect(o.status === 'rolled-back' && o.rollback.left).toEqual([]);
    expect(files.calls).toBe(1);
  });
});
