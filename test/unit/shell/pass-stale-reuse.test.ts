// runPass with reused namespace reads that a kernel event made stale while the pass ran
// (the watcher's race, seen at 1000 containers): the container's veth is deleted after
// the watcher decided to reuse that namespace's last read. Planned from the stale read,
// the pass deletes a container end that is gone, fails and rolls back; told which reused
// reads events named since (PassOptions.staleReuse), it reads them again first and heals.

import { describe, expect, it } from 'vitest';
import { FakeKernel } from '../../helpers/fake-kernel/index.js';
import { baseHost, passOnFake } from '../../helpers/fake-kernel/converge.js';
import { parseFiles } from '../../helpers/golden/stages.js';
import { HOST_READ } from '../../../src/observe/batch.js';

const NET = 'kind: Network\nname: front\nsubnets:\n  - subnet: 172.18.0.0/24\n';
const WEB = 'kind: Container\nname: web\nnetworks:\n  - network: front\n    ip: 172.18.0.10\n';
const config = parseFiles([{ path: 'networks.d/all.yaml', text: [NET, WEB].join('---\n') }]);

/** A converged host, the last reads of its namespaces, then web's veth deleted behind them. */
async function staleHost(): Promise<{ k: FakeKernel; reads: Map<string, string> }> {
  const k = baseHost(new FakeKernel());
  let reads = new Map<string, string>();
  const first = await passOnFake(k, config, { onReads: (r) => (reads = new Map(r)) });
  expect(first.status).toBe('applied');
  expect(reads.has('/run/netns/web')).toBe(true);
  k.ip('web', 'link del eth0');
  // its host end went with it: a host event, so the watcher reads the host again (read-scope.ts)
  reads.delete(HOST_READ);
  return { k, reads };
}

describe('runPass: reused reads named by events during the pass', () => {
  it('without being told, the stale read plans a delete of what is gone: the pass fails and rolls back (the race)', async () => {
    const { k, reads } = await staleHost();
    const o = await passOnFake(k, config, { reuse: reads });
    expect(o.status).toBe('rolled-back');
  });

  it('told which reused reads events named, it reads them again before applying, and heals', async () => {
    const { k, reads } = await staleHost();
    let asked = 0;
    const o = await passOnFake(k, config, {
      reuse: reads,
      staleReuse: () => {
        asked++;
        return ['/run/netns/web', '/run/netns/not-reused'];
      },
    });
    expect(asked).toBe(1);
    expect(o.status).toBe('applied');
    expect(o.status === 'applied' && o.remaining.changes).toEqual([]);
    const again = await passOnFake(k, config);
    expect(again.status === 'applied' && again.plan.changes).toEqual([]);
  });

  it('a pass with nothing to change does not ask', async () => {
    const k = baseHost(new FakeKernel());
    let reads = new Map<string, string>();
    await passOnFake(k, config, { onReads: (r) => (reads = new Map(r)) });
    let asked = 0;
    const o = await passOnFake(k, config, { reuse: reads, staleReuse: () => (asked++, []) });
    expect(o.status === 'applied' && o.plan.changes).toEqual([]);
    expect(asked).toBe(0);
  });
});
