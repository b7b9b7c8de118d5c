// The verify read after an apply that changed only the firewall (a published port
// moved: one NK-PORTS-<bridge> chain rewritten by iptables-restore): only the
// iptables are read again — not the host's `ip` batch, the namespaces or /etc/netns,
// which that apply cannot have changed — and what the firewall really holds after
// the apply is what the verify compares (a restore that changed nothing is found).

import { describe, expect, it } from 'vitest';
import { FakeKernel } from '../../helpers/fake-kernel/index.js';
import { baseHost, convergeOnFake, passOnFake } from '../../helpers/fake-kernel/converge.js';
import { parseFiles } from '../../helpers/golden/stages.js';

const NET = 'kind: Network\nname: front\nsubnets:\n  - subnet: 172.18.0.0/24\n';
const web = (ip: string, port: number) => `kind: Container\nname: web\nnetworks:\n  - network: front\n    ip: ${ip}\nports: ["${port}:80"]\n`;
const cfg = (...docs: string[]) => parseFiles([{ path: 'networks.d/all.yaml', text: docs.join('---\n') }]);

/** The commands a pass ran, counted: the host's ip batch (no nsenter), iptables-save, and /etc/netns reads are not commands. */
function count(k: FakeKernel, from: number) {
  const calls = k.calls.slice(from);
  return {
    hostIp: calls.filter((a) => a[0] === 'ip' && a.includes('-batch')).length,
    saves: calls.filter((a) => a[0] === 'iptables-save').length,
  };
}

describe('the verify after a firewall-only apply', () => {
  it('a moved port: iptables read again, the host ip batch not; in sync, and the next pass plans nothing', async () => {
    const k = baseHost(new FakeKernel());
    await convergeOnFake(k, cfg(NET, web('172.18.0.10', 8080)));
    const from = k.calls.length;
    const o = await passOnFake(k, cfg(NET, web('172.18.0.10', 9090)));
    expect(o.status).toBe('applied');
    if (o.status !== 'applied') return;
    expect(o.plan.changes.map((c) => c.after?.kind ?? c.before?.kind)).toEqual(['chain']);
    expect(o.remaining.changes).toEqual([]);
    expect(count(k, from)).toEqual({ hostIp: 1, saves: 2 });
    const again = await passOnFake(k, cfg(NET, web('172.18.0.10', 9090)));
    expect(again.status === 'applied' && again.plan.changes).toEqual([]);
  });

  it('a restore that reported success but changed nothing: the verify finds the chain still to change', async () => {
    const k = baseHost(new FakeKernel());
    await convergeOnFake(k, cfg(NET, web('172.18.0.10', 8080)));
    k.faults.failCommand({ match: /^iptables-restore/, exitCode: 0 });
    const o = await passOnFake(k, cfg(NET, web('172.18.0.10', 9090)));
    expect(o.status).toBe('applied');
    if (o.status !== 'applied') return;
    expect(o.remaining.changes.map((c) => c.key)).toEqual(o.plan.changes.map((c) => c.key));
  });

  it('a change beyond the firewall (an address moved) reads the host again', async () => {
    const k = baseHost(new FakeKernel());
    await convergeOnFake(k, cfg(NET, web('172.18.0.10', 8080)));
    const from = k.calls.length;
    const o = await passOnFake(k, cfg(NET, web('172.18.0.11', 8080)));
    expect(o.status === 'applied' && o.remaining.changes).toEqual([]);
    expect(count(k, from).hostIp).toBe(2);
  });
});
