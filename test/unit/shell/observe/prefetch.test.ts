// Reading the kernel while the files load (src/shell/observe/prefetch.ts), on the fake
// kernel: the reads start before the files are parsed, the first observe takes them
// instead of reading again, what the files add (an adopted namespace) is still read,
// and a prefetch that failed or was not needed changes nothing a user sees.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeKernel } from '../../../helpers/fake-kernel/index.js';
import { FAKE_HOSTNAME, baseHost, convergeOnFake, silentLog } from '../../../helpers/fake-kernel/converge.js';
import { observeFs } from '../../../helpers/fake-kernel/index.js';
import { parseFiles } from '../../../helpers/golden/stages.js';
import { observeHost, observeOptionsFor, prefetchHost } from '../../../../src/shell/observe/index.js';
import { runPass } from '../../../../src/shell/pass.js';
import type { Runner } from '../../../../src/shell/runner.js';
import type { ObservedHost } from '../../../../src/model/observed-host.js';

const TWO = `kind: Network
name: frontend
subnets: [{subnet: 172.18.0.0/24}]
---
kind: Container
name: web
networks: [{network: frontend, ip: 172.18.0.10}]
ports: ["8080:80"]
---
kind: Container
name: db
networks: [{network: frontend, ip: 172.18.0.20}]
---
kind: Container
name: sidecar
mode: container:web
`;
const ADDED = `${TWO}---
kind: Container
name: api
networks: [{network: frontend, ip: 172.18.0.40}]
`;
const ADOPTING = `${TWO}---
kind: Container
name: app
netns: {pid: 4242}
networks: [{network: frontend, ip: 172.18.0.30}]
`;
const config = (text: string) => parseFiles([{ path: 'networks.d/all.yaml', text }]);

/** The fake kernel as a runner that also notes which namespace paths each ip worker read (the fake's calls keep no input). */
function watched(k: FakeKernel): Runner & { reads: string[]; calls: string[][] } {
  const reads: string[] = [];
  const calls: string[][] = [];
  return {
    reads,
    calls,
    run(cmd, args, opts) {
      calls.push([cmd, ...args]);
      if (cmd === 'sh') for (const m of (opts?.input ?? '').matchAll(/^nsenter --net='([^']+)' ip /gm)) reads.push(m[1]);
      return k.run(cmd, args, opts);
    },
  };
}

const isHostBatch = (c: string[]) => c[0] === 'ip' && c.includes('-batch');
/** What a user could see of an observation (the hostname is the OS's, the same for both). */
const seen = (h: ObservedHost) => JSON.stringify({ ...h, observed: { resources: [...h.observed.resources.entries()].sort(), facts: h.observed.facts } });

describe('prefetch: the kernel is read while the files load', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nk-prefetch-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a pass that loads the files starts every kernel read before they are parsed, one read per namespace, and does not read again', async () => {
    const k = baseHost(new FakeKernel());
    await convergeOnFake(k, config(TWO));
    await writeFile(join(dir, 'all.yaml'), TWO);
    const r = watched(k);
    let atLoad: { calls: string[][]; reads: string[] } | undefined;
    const o = await runPass({
      dir,
      host: FAKE_HOSTNAME,
      runner: r,
      fs: observeFs(k),
      log: silentLog,
      onLoaded: () => (atLoad = { calls: [...r.calls], reads: [...r.reads] }),
    });
    expect(o.status).toBe('applied');
    if (o.status !== 'applied') return;
    expect(o.plan.changes).toEqual([]);
    // before the files were parsed: the host batch, both namespaces, the host's iptables
    expect(atLoad!.calls.some(isHostBatch)).toBe(true);
    expect(atLoad!.calls.map((c) => c[0])).toEqual(expect.arrayContaining(['iptables-save', 'ip6tables-save']));
    // sidecar shares web's namespace: read once, under the first name (observe takes it under web's, the primary)
    expect(atLoad!.reads.sort()).toEqual(['/run/netns/db', '/run/netns/sidecar']);
    // and nothing of that was read again: one read per namespace, one host batch, one save per family
    expect(r.reads.sort()).toEqual(['/run/netns/db', '/run/netns/sidecar']);
    expect(r.calls.filter(isHostBatch)).toHaveLength(1);
    expect(r.calls.filter((c) => c[0] === 'iptables-save')).toHaveLength(1);
  });

  it("the caller's prefetch (reconcile --once starts it before loading the files) is taken, unless an unfinished pass was rolled back first", async () => {
    const k = baseHost(new FakeKernel());
    await convergeOnFake(k, config(TWO));
    const r = watched(k);
    const pass = (prefetch: ReturnType<typeof prefetchHost>) =>
      runPass({ dir, config: config(TWO), prefetch, host: FAKE_HOSTNAME, runner: r, fs: observeFs(k), log: silentLog });
    const o = await pass(prefetchHost(r, observeFs(k)));
    expect(o.status === 'applied' && o.plan.changes).toEqual([]);
    expect(r.reads.sort()).toEqual(['/run/netns/db', '/run/netns/sidecar']);
    // a run killed while adding api leaves api's namespace and the rollback record
    k.faults.killIn({ ns: 'host', tool: 'ip', match: 'netns add api', afterLines: 1 });
    await expect(runPass({ dir, config: config(ADDED), host: FAKE_HOSTNAME, runner: k, fs: observeFs(k), log: silentLog })).rejects.toThrow(/killed/);
    expect(k.fs.readdir('/run/netns')).toContain('api');
    // reads started before the next run rolls that back are not this pass's view of the kernel: it reads again
    const early = prefetchHost(r, observeFs(k));
    await early.kernel.netns;
    const next = await pass(early);
    expect(next.status === 'applied' && next.pending?.result?.left).toEqual([]);
    expect(next.status === 'applied' && next.plan.changes).toEqual([]);
    expect(k.fs.readdir('/run/netns')).not.toContain('api');
  });

  it('reads the namespaces the files add (an adopted one not in /run/netns), and observes what a pass without prefetch observes', async () => {
    const k = baseHost(new FakeKernel());
    k.state.mounts.set('/proc/4242/ns/net', k.state.makeNs());
    await convergeOnFake(k, config(ADOPTING));
    const what = observeOptionsFor(config(ADOPTING));
    const plain = await observeHost(k, observeFs(k), what);
    const r = watched(k);
    const early = prefetchHost(r, observeFs(k));
    await Promise.all([early.kernel.netns, early.kernel.host, early.kernel.etcFiles, early.hostSaves, early.listeners]);
    expect(r.reads.sort()).toEqual(['/run/netns/db', '/run/netns/sidecar']);
    const before = r.calls.length;
    const host = await observeHost(r, observeFs(k), what, { prefetch: early });
    // only what the files add is read now: the adopted namespace (and its iptables: netkeeper manages them)
    expect(r.reads.sort()).toEqual(['/proc/4242/ns/net', '/run/netns/db', '/run/netns/sidecar']);
    expect(r.calls.slice(before).filter((c) => c[0] === 'sh' || isHostBatch(c) || c[0] === 'iptables-save')).toEqual([['sh', '-s']]);
    expect(seen(host)).toEqual(seen(plain));
  });

  it('a failed prefetch changes nothing: each failed read is made again, and an error that stays is the same error', async () => {
    const k = baseHost(new FakeKernel());
    await convergeOnFake(k, config(TWO));
    const what = observeOptionsFor(config(TWO));
    const plain = await observeHost(k, observeFs(k), what);
    // every early read fails once: observe reads again and sees what it sees without a prefetch
    k.faults.failCommand({ match: /^ip -j -d -N -batch/, stderr: 'RTNETLINK answers: busy', times: Infinity });
    k.faults.failCommand({ match: /^sh -s/, times: Infinity });
    k.faults.failCommand({ match: /^iptables-save/, stderr: 'iptables-save: busy', times: Infinity });
    const early = prefetchHost(k, observeFs(k));
    expect(await early.kernel.host).toBeUndefined();
    expect(await early.hostSaves).toBeUndefined();
    expect((await early.kernel.netns)?.reads.size ?? 0).toBe(0);
    k.faults.commands = [];
    expect(seen(await observeHost(k, observeFs(k), what, { prefetch: early }))).toEqual(seen(plain));
    // a host batch that keeps failing: the same error as without a prefetch
    const errorOf = (p: Promise<unknown>) =>
      p.then(
        () => 'no error',
        (e: Error) => e.message,
      );
    k.faults.failCommand({ match: /^ip -j -d -N -batch/, stderr: 'RTNETLINK answers: gone', times: 1 });
    const without = await errorOf(observeHost(k, observeFs(k), what));
    k.faults.failCommand({ match: /^ip -j -d -N -batch/, stderr: 'RTNETLINK answers: gone', times: 2 });
    const withEarly = await errorOf(observeHost(k, observeFs(k), what, { prefetch: prefetchHost(k, observeFs(k)) }));
    expect(without).toMatch(/RTNETLINK answers: gone/);
    expect(withEarly).toEqual(without);
  });

  it('a prefetch the files turn out not to need (Settings.iptables: false) is dropped', async () => {
    const k = baseHost(new FakeKernel());
    await convergeOnFake(k, config(TWO));
    const what = observeOptionsFor(config(`kind: Settings\niptables: false\n---\n${TWO.replace('ports: ["8080:80"]\n', '')}`));
    const plain = await observeHost(k, observeFs(k), what);
    const host = await observeHost(k, observeFs(k), what, { prefetch: prefetchHost(k, observeFs(k)) });
    expect([...host.observed.resources.keys()].filter((key) => key.startsWith('chain:') || key.startsWith('hook:'))).toEqual([]);
    expect(seen(host)).toEqual(seen(plain));
  });
});
