// The apply stage overlaps what does not depend on each other (src/shell/apply/index.ts):
// the /etc/netns files are written while the host batch runs, and a namespace's batch
// runs as soon as the host lines it needs are done (host-waves.ts), while the rest of
// the host batch runs. On the fake kernel: that it does, and that the kernel, the report
// (failures, their order, what was done) and the read-backs are those of the one host
// batch followed by every namespace, failed host lines included.
import { describe, expect, it } from 'vitest';
import { FakeKernel, observeFs } from '../../../helpers/fake-kernel/index.js';
import { baseHost, observeFake, passOnFake } from '../../../helpers/fake-kernel/converge.js';
import { parseFiles } from '../../../helpers/golden/stages.js';
import { applyProgram, type ApplyReport } from '../../../../src/shell/apply/index.js';
import { touchedNamespaces } from '../../../../src/plan/touched-namespaces.js';
import type { WaveOptions } from '../../../../src/shell/apply/host-waves.js';
import type { HostFs } from '../../../../src/shell/host-fs.js';
import type { Runner } from '../../../../src/shell/runner.js';

const N = 6;
const FILES = [
  'kind: Network\nname: a\ninterface: br-a\nsubnets:\n  - subnet: 10.88.0.0/16\n',
  ...Array.from({ length: N }, (_, i) => `kind: Container\nname: c${i}\nnetworks:\n  - network: a\n    ip: 10.88.0.${10 + i}\nports: ["${20000 + i}:80"]\n`),
].join('---\n');
const config = parseFiles([{ path: 'networks.d/all.yaml', text: FILES }]);
const PIPELINED: WaveOptions = { chunks: 3, minWave: 1 };
const ONE_BATCH: WaveOptions = { chunks: 1, minWave: 1 };

/** A converge of N containers from nothing on a fresh fake kernel, applied with `waves`; every step it takes, in order. */
async function converge(waves: WaveOptions, faults: (k: FakeKernel) => void = () => undefined) {
  const k = baseHost(new FakeKernel());
  const planned = await passOnFake(k, config, { dryRun: true });
  if (planned.status !== 'planned') throw new Error(planned.status);
  faults(k);
  const steps: string[] = [];
  const tick = () => new Promise((r) => setTimeout(r, 5));
  const runner: Runner = {
    run: async (cmd, args, opts) => {
      const host = cmd === 'ip' && args.includes('-batch');
      const what = host ? 'host batch' : cmd === 'sh' ? 'namespaces' : cmd;
      steps.push(`${what} starts`);
      if (host) await tick(); // a kernel that takes its time: whatever may run beside it does
      const r = await k.run(cmd, args, opts);
      steps.push(`${what} ends`);
      return r;
    },
  };
  const base = observeFs(k);
  const fs: HostFs = {
    ...base,
    writeFile: async (p, c, o) => {
      if (p.startsWith('/etc/netns/')) steps.push('file');
      return base.writeFile(p, c, o);
    },
  };
  const report = await applyProgram(planned.program, { runner, fs, readBack: touchedNamespaces(planned.plan), waves });
  return { k, report, steps };
}

const kernelOf = async (k: FakeKernel) => {
  const { observed } = await observeFake(k, config);
  return [...observed.resources.values()].map((r) => JSON.stringify(r)).sort();
};
const reportOf = (r: ApplyReport) => ({ done: r.done, failed: r.failed, readBack: [...r.readBack].sort() });

describe('apply: what does not depend on each other runs side by side', () => {
  it('writes the /etc/netns files and the first namespaces while the host batch still runs', async () => {
    const { report, steps } = await converge(PIPELINED);
    expect(report.failed).toEqual([]);
    expect(steps.indexOf('file')).toBeLessThan(steps.indexOf('host batch ends'));
    expect(steps.indexOf('namespaces starts')).toBeLessThan(steps.lastIndexOf('host batch starts'));
    expect(steps.filter((s) => s === 'host batch starts')).toHaveLength(3);
    // the firewall still after the host batch: a removed network's rules go after its links
    expect(steps.indexOf('iptables-restore starts')).toBeGreaterThan(steps.lastIndexOf('host batch ends'));
  });

  it('leaves the kernel, the report and the read-backs as one host batch and then every namespace do', async () => {
    const a = await converge(PIPELINED);
    const b = await converge(ONE_BATCH);
    expect(b.steps.filter((s) => s === 'host batch starts')).toHaveLength(1);
    expect(reportOf(a.report)).toEqual(reportOf(b.report));
    expect(await kernelOf(a.k)).toEqual(await kernelOf(b.k));
  });

  it("a failed host line fails the same changes: its namespace's lines fail as they did after the one batch", async () => {
    const faults = (k: FakeKernel) => {
      k.faults.failLine({ ns: 'host', match: 'netns /run/netns/c3 ' }); // c3's veth
      k.faults.failLine({ ns: 'c1', line: 2, error: 'RTNETLINK answers: Invalid argument' });
      // every namespace fails a line: their failures are listed in the same order however the waves fell
      k.faults.failLine({ match: 'route replace default', error: 'Error: Nexthop has invalid gateway.', times: Infinity });
      k.faults.failCommand({ match: /^iptables-restore/ });
    };
    const a = await converge(PIPELINED, faults);
    const b = await converge(ONE_BATCH, faults);
    const keys = a.report.failed.map((f) => f.key);
    expect(keys.some((k) => k.startsWith('link:host/'))).toBe(true);
    expect(keys.some((k) => k.startsWith('addr:c3/'))).toBe(true); // its eth0 never came: "Cannot find device"
    expect(keys.some((k) => k.startsWith('link:c1/') || k.startsWith('addr:c1/'))).toBe(true);
    expect(keys.some((k) => k.startsWith('chain:'))).toBe(true);
    expect(keys.filter((k) => k.startsWith('route:'))).toHaveLength(N);
    expect(reportOf(a.report)).toEqual(reportOf(b.report));
    expect(await kernelOf(a.k)).toEqual(await kernelOf(b.k));
  });
});
