// runPass with rollback on the fake kernel: a step that fails mid-pass (an
// iptables-restore after the host batch, one namespace's batch), a run killed while
// applying or while rolling back (the next run completes the rollback), and the
// --confirm record (confirmed: stays; not: reverted).

import { describe, expect, it } from 'vitest';
import { FakeKernel, FakeKilled, observeFs } from '../../helpers/fake-kernel/index.js';
import { baseHost, observeFake, passOnFake, silentLog } from '../../helpers/fake-kernel/converge.js';
import { parseFiles } from '../../helpers/golden/stages.js';
import { finishUnfinished, type PassOutcome } from '../../../src/shell/pass.js';
import { fileRollbackStore, ROLLBACK_FILE } from '../../../src/shell/rollback-record.js';
import type { Config } from '../../../src/model/config.js';

const NETS = `
kind: Network
name: frontend
subnets:
  - subnet: 172.18.0.0/24
---
kind: Network
name: backend
subnets:
  - subnet: 172.19.0.0/24
`;
const BEFORE = `${NETS}
---
kind: Container
name: web
networks:
  - network: frontend
    ip: 172.18.0.10
ports: ["8080:80"]
---
kind: Container
name: db
networks:
  - network: backend
    ip: 172.19.0.20
`;
// web's port moves, db goes, api comes
const AFTER = `${NETS}
---
kind: Container
name: web
networks:
  - network: frontend
    ip: 172.18.0.10
ports: ["9090:80"]
---
kind: Container
name: api
networks:
  - network: backend
    ip: 172.19.0.30
`;
const cfg = (text: string) => parseFiles([{ path: 'networks.d/all.yaml', text }]);
const before = cfg(BEFORE);
const after = cfg(AFTER);
const RECORD = `/run/netkeeper/${ROLLBACK_FILE}`;

/** Everything a user could see: every object observe reads (ifindexes aside), iptables-save, /etc/netns. */
async function snapshot(k: FakeKernel, config: Config): Promise<string> {
  const host = await observeFake(k, config);
  const res = [...host.observed.resources.values()].map((r) => ({ ...r, ifindex: undefined })).sort((a, b) => (a.key < b.key ? -1 : 1));
  const files = k.fs.readdir('/etc/netns').flatMap((d) => k.fs.readdir(`/etc/netns/${d}`).map((f) => `${d}/${f}: ${k.fs.readFile(`/etc/netns/${d}/${f}`)}`));
  const save = (await k.run('iptables-save', [])).stdout + (await k.run('ip6tables-save', [])).stdout;
  const netns = k.fs.readdir('/run/netns');
  return JSON.stringify({ res, files, save, netns }, null, 1);
}

function rolledBack(o: PassOutcome): Extract<PassOutcome, { status: 'rolled-back' }> {
  if (o.status !== 'rolled-back') throw new Error(`expected a rolled-back pass, got ${o.status}`);
  return o;
}

async function converged(): Promise<{ k: FakeKernel; s0: string }> {
  const k = baseHost(new FakeKernel());
  const o = await passOnFake(k, before);
  if (o.status !== 'applied' || o.remaining.changes.length) throw new Error('did not converge');
  return { k, s0: await snapshot(k, after) };
}

describe('rollback on the fake kernel', () => {
  it('iptables-restore fails after the host batch made api: everything is undone, the state equals the one before, byte for byte', async () => {
    const { k, s0 } = await converged();
    k.faults.failCommand({ match: /^iptables-restore/, stderr: 'iptables-restore: line 3 failed: injected\n' });
    const o = rolledBack(await passOnFake(k, after));
    expect(o.report.failed.length).toBeGreaterThan(0);
    expect(o.rollback.left).toEqual([]);
    expect(o.rollback.changes.map((c) => `${c.action} ${c.key}`)).toEqual(expect.arrayContaining(['delete netns:api', 'create netns:db']));
    expect(await snapshot(k, after)).toBe(s0);
    expect(k.fs.readFile(RECORD)).toBeUndefined();
    // the cause gone, the next pass converges
    const next = await passOnFake(k, after);
    expect(next.status === 'applied' && next.remaining.changes).toEqual([]);
  });

  it("one namespace's batch fails: the host batch and the other namespaces are undone too", async () => {
    const { k, s0 } = await converged();
    k.faults.failLine({ ns: 'api', match: 'addr replace', error: 'RTNETLINK answers: No buffer space available' });
    const o = rolledBack(await passOnFake(k, after));
    expect(o.report.failed.map((f) => f.key)).toContain('addr:api/eth0/172.19.0.30/24');
    expect(o.rollback.left).toEqual([]);
    expect(await snapshot(k, after)).toBe(s0);
  });

  it('--no-rollback keeps what was applied, the rest pending', async () => {
    const { k, s0 } = await converged();
    k.faults.failCommand({ match: /^iptables-restore/ });
    const o = await passOnFake(k, after, { rollback: false });
    expect(o.status).toBe('applied');
    expect(await snapshot(k, after)).not.toBe(s0);
    expect(k.fs.readFile(RECORD)).toBeUndefined();
  });

  it('a run killed while applying leaves the record; the next run rolls back first, then plans from there', async () => {
    const { k, s0 } = await converged();
    k.faults.killIn({ ns: 'host', tool: 'ip', match: 'link add', afterLines: 3 });
    await expect(passOnFake(k, after)).rejects.toBeInstanceOf(FakeKilled);
    expect(JSON.parse(k.fs.readFile(RECORD)!).state).toBe('applying');
    // the next run (with the old files: it must then find nothing to do)
    const o = await passOnFake(k, before);
    if (o.status !== 'applied') throw new Error(o.status);
    expect(o.pending?.result?.left).toEqual([]);
    expect(o.plan.changes).toEqual([]);
    expect(await snapshot(k, after)).toBe(s0);
    expect(k.fs.readFile(RECORD)).toBeUndefined();
  });

  it('a run killed while rolling back is completed by the next run', async () => {
    const { k, s0 } = await converged();
    k.faults.failCommand({ match: /^iptables-restore/, times: 1 });
    // the rollback makes db again: die in that batch
    k.faults.killIn({ ns: 'host', tool: 'ip', match: 'netns add db', afterLines: 1 });
    await expect(passOnFake(k, after)).rejects.toBeInstanceOf(FakeKilled);
    expect(k.fs.readFile(RECORD)).toBeDefined();
    const done = await finishUnfinished({ runner: k, fs: observeFs(k), log: silentLog });
    expect(done?.result?.left).toEqual([]);
    expect(await snapshot(k, after)).toBe(s0);
    expect(k.fs.readFile(RECORD)).toBeUndefined();
  });

  it("a failed --adopt pass takes netkeeper's marks back off what it adopted: a user's bridge and namespace are as before, alias included", async () => {
    const k = baseHost(new FakeKernel());
    // made by hand: the bridge the files call br-frontend (with the user's own alias) and the namespace db
    await k.run('ip', ['-batch', '-'], { input: 'link add name br-frontend type bridge\nlink set dev br-frontend alias "lab bridge" up\nnetns add db\n' });
    const s0 = await snapshot(k, before);
    k.faults.failCommand({ match: /^iptables-restore/ });
    const o = rolledBack(await passOnFake(k, before, { adopt: { all: true, replace: false } }));
    expect(o.plan.changes.filter((c) => c.action === 'adopt').map((c) => c.key)).toEqual(expect.arrayContaining(['link:host/br-frontend', 'netns:db']));
    expect(o.rollback.left).toEqual([]);
    expect(await snapshot(k, before)).toBe(s0);
  });

  it('--confirm: the revert timer starts when the record is first written, before the kernel changes', async () => {
    const { k } = await converged();
    k.faults.killIn({ ns: 'host', tool: 'ip', match: 'netns add api', afterLines: 0 });
    const started: { id: string; deadline: number; record: string | undefined }[] = [];
    const deadline = Date.now() + 60_000;
    const startConfirmTimer = (id: string, d: number) => started.push({ id, deadline: d, record: k.fs.readFile(RECORD) });
    // killed in the first batch: the timer is already running and will revert at the deadline
    await expect(passOnFake(k, after, { confirmDeadline: deadline, startConfirmTimer })).rejects.toBeInstanceOf(FakeKilled);
    expect(started).toHaveLength(1);
    expect(started[0]?.deadline).toBe(deadline);
    const rec = JSON.parse(started[0]?.record ?? '{}') as { id?: string; state?: string };
    expect(rec).toMatchObject({ id: started[0]?.id, state: 'applying' });
  });

  it('--confirm: the record waits; not confirmed → reverted; confirmed → kept', async () => {
    const { k, s0 } = await converged();
    const o = await passOnFake(k, after, { confirmDeadline: Date.now() + 60_000 });
    if (o.status !== 'applied' || !o.recordId) throw new Error(o.status);
    const s1 = await snapshot(k, after);
    expect(s1).not.toBe(s0);
    const store = fileRollbackStore(undefined, observeFs(k));
    expect((await store.read())?.state).toBe('confirm');
    const reverted = await finishUnfinished({ runner: k, fs: observeFs(k), log: silentLog });
    expect(reverted?.confirmed).toBe(false);
    expect(await snapshot(k, after)).toBe(s0);

    const again = await passOnFake(k, after, { confirmDeadline: Date.now() + 60_000 });
    if (again.status !== 'applied' || !again.recordId) throw new Error(again.status);
    await store.confirm(again.recordId);
    const kept = await finishUnfinished({ runner: k, fs: observeFs(k), log: silentLog });
    expect(kept?.confirmed).toBe(true);
    expect(await store.read()).toBeUndefined();
    // the new state stays: a pass of the new files has nothing to do
    const next = await passOnFake(k, after);
    expect(next.status === 'applied' && next.plan.changes).toEqual([]);
  });
});
