// The watcher's read of the host (HOST_READ among the namespace reads a pass records):
// a pass given it does not run the host's `ip` batch; a pass that changes the host reads
// it again for its verify, so what it finds there is what the apply made.

import { describe, expect, it } from 'vitest';
import { FakeKernel } from '../../helpers/fake-kernel/index.js';
import { baseHost, convergeOnFake, passOnFake } from '../../helpers/fake-kernel/converge.js';
import { parseFiles } from '../../helpers/golden/stages.js';
import { HOST_READ } from '../../../src/observe/batch.js';

const NET = 'kind: Network\nname: front\nsubnets:\n  - subnet: 172.18.0.0/24\n';
const box = (name: string, ip: string) => `kind: Container\nname: ${name}\nnetworks:\n  - network: front\n    ip: ${ip}\n`;
const cfg = (...docs: string[]) => parseFiles([{ path: 'networks.d/all.yaml', text: docs.join('---\n') }]);
/** the host's read batches (`ip -j ... -batch`; the apply's host batch has no -j) */
const hostIp = (k: FakeKernel, from: number) => k.calls.slice(from).filter((a) => a[0] === 'ip' && a.includes('-j') && a.includes('-batch')).length;

describe("a pass given the host's last read", () => {
  it('does not read the host again when nothing changes; it records the host read it used', async () => {
    const k = baseHost(new FakeKernel());
    await convergeOnFake(k, cfg(NET, box('web', '172.18.0.10')));
    let reads = new Map<string, string>();
    await passOnFake(k, cfg(NET, box('web', '172.18.0.10')), { onReads: (r) => (reads = new Map(r)) });
    expect(reads.has(HOST_READ)).toBe(true);
    const from = k.calls.length;
    let again = new Map<string, string>();
    const o = await passOnFake(k, cfg(NET, box('web', '172.18.0.10')), { reuse: reads, onReads: (r) => (again = new Map(r)) });
    expect(o.status === 'applied' && o.plan.changes).toEqual([]);
    expect(hostIp(k, from)).toBe(0);
    expect(again.get(HOST_READ)).toBe(reads.get(HOST_READ));
  });

  it('a pass that changes the host (a container added) reads it again to verify: in sync, and the next pass plans nothing', async () => {
    const k = baseHost(new FakeKernel());
    await convergeOnFake(k, cfg(NET, box('web', '172.18.0.10')));
    let reads = new Map<string, string>();
    await passOnFake(k, cfg(NET, box('web', '172.18.0.10')), { onReads: (r) => (reads = new Map(r)) });
    const from = k.calls.length;
    let last = new Map<string, string>();
    const o = await passOnFake(k, cfg(NET, box('web', '172.18.0.10'), box('db', '172.18.0.20')), { reuse: reads, onReads: (r) => (last = new Map(r)) });
    expect(o.status).toBe('applied');
    expect(o.status === 'applied' && o.remaining.changes).toEqual([]);
    expect(hostIp(k, from)).toBe(1); // the verify's, not the first observe's
    expect(last.get(HOST_READ)).not.toBe(reads.get(HOST_READ));
    const next = await passOnFake(k, cfg(NET, box('web', '172.18.0.10'), box('db', '172.18.0.20')), { reuse: last });
    expect(next.status === 'applied' && next.plan.changes).toEqual([]);
  });
});
