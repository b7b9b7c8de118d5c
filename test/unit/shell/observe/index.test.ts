// The observe stage's entry (src/shell/observe/index.ts) against a fake runner and
// an in-memory HostFs: what it reads, when, and what it reuses.
import { describe, expect, it } from 'vitest';
import { observeHost, observeOptionsFor } from '../../../../src/shell/observe/index.js';
import { WEB, fakeHost, files } from '../fake-host.js';
import { memoryFs } from '../../../helpers/memory-fs.js';

const V6 = 'kind: Network\nname: six\nsubnets:\n  - subnet: fd00:30::/64\n';

describe('observeHost', () => {
  it('reads links, iptables of the host (both families) and the host sysctls netkeeper sets, through the runner and fs given', async () => {
    const runner = fakeHost(1);
    const fs = memoryFs({ '/proc/sys/net/bridge/bridge-nf-call-iptables': '1\n' });
    const h = await observeHost(runner, fs, observeOptionsFor(files(WEB)));
    // the host's iptables-save runs beside the kernel read: the same commands, in no fixed order
    expect(runner.calls.map((c) => c[0]).sort()).toEqual(['ip', 'ip6tables-save', 'iptables-save']);
    expect([...h.observed.resources.keys()].filter((k) => k.startsWith('chain:') || k.startsWith('hook:')).length).toBeGreaterThan(0);
    expect([...h.hostSysctls]).toEqual([['net.bridge.bridge-nf-call-iptables', '1']]);
    expect(h.ra).toBeUndefined();
    expect(h.identity.adopted.size).toBe(0);
  });

  it('reads no iptables with Settings.iptables: false, and takes them from an earlier read when nothing changed them', async () => {
    const off = fakeHost(1);
    await observeHost(off, memoryFs(), observeOptionsFor(files(`kind: Settings\niptables: false\n---\n${WEB}`)));
    expect(off.calls.map((c) => c[0])).toEqual(['ip']);
    const first = await observeHost(fakeHost(1), memoryFs(), observeOptionsFor(files(WEB)));
    const again = fakeHost(1);
    const second = await observeHost(again, memoryFs(), observeOptionsFor(files(WEB)), { firewallFrom: first.observed });
    expect(again.calls.map((c) => c[0])).toEqual(['ip']);
    const fw = (o: typeof first) => [...o.observed.resources.keys()].filter((k) => k.startsWith('chain:') || k.startsWith('hook:'));
    expect(fw(second)).toEqual(fw(first));
  });

  it("reads the RA guard's routes and accept_ra only when the files have IPv6 and forwarding is off", async () => {
    const fs = memoryFs({ '/proc/sys/net/ipv6/conf/eth0/accept_ra': '1\n' });
    const off = await observeHost(fakeHost(0), fs, observeOptionsFor(files(V6)));
    expect(off.ra).toEqual({ routes: [{ dst: 'default', dev: 'eth0', protocol: 'ra' }], acceptRa: new Map([['eth0', '1']]) });
    const on = fakeHost(1);
    expect((await observeHost(on, fs, observeOptionsFor(files(V6)))).ra).toBeUndefined();
    expect(on.calls.some((c) => c.includes('-6'))).toBe(false);
    expect((await observeHost(fakeHost(0), fs, observeOptionsFor(files(WEB)))).ra).toBeUndefined();
  });
});
