// Issue 11 items 1-4 through the real CLI in a sandbox: the grouped plan, saved
// plans (plan --out FILE, apply FILE, refused after a kernel or a file change with
// the kernel left as it was), reconcile's plan, progress and result, and its JSON.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, type Sandbox } from '../helpers/sandbox.js';
import { writeFiles, kernelSnapshot } from '../helpers/workdir.js';
import { validator } from '../helpers/output-schemas.js';

let sb: Sandbox;
let dir: string;
let work: string;

const nk = (...args: string[]) => sb.netkeeper([...args, '--dir', dir, '--log-level', 'warn']);
/** apply takes no --dir: the saved plan names its directory */
const apply = (...args: string[]) => sb.netkeeper(['apply', ...args, '--log-level', 'warn']);

const NET = `kind: Network
name: app
subnets: [{subnet: 172.30.0.0/24}]
`;
const web = (port: number, ip = '172.30.0.3') => `kind: Container
name: web
networks: [{network: app, ip: ${ip}}]
ports: ["${port}:80"]
`;
const many = (n: number) => Array.from({ length: n }, (_, i) => `---\nkind: Container\nname: c${i + 1}\nnetworks: [{network: app}]\n`).join('');

beforeAll(async () => {
  sb = await createSandbox();
  dir = await mkdtemp(join(tmpdir(), 'nk-saved-'));
  work = await mkdtemp(join(tmpdir(), 'nk-saved-out-'));
});
afterAll(async () => {
  await sb?.destroy();
  await rm(dir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

describe("plan in the user's terms, and saved plans", () => {
  const planFile = () => join(work, 'plan.json');

  beforeAll(async () => {
    await writeFiles(dir, { 'net.yaml': NET, 'web.yaml': web(8080) });
    expect((await nk('reconcile', '--once')).exitCode).toBe(0);
  });

  it("plan shows one block per declared object with its changes in the files' words; --detail the kernel objects", async () => {
    await writeFiles(dir, { 'net.yaml': NET, 'web.yaml': web(8081, '172.30.0.4') });
    const p = await nk('plan');
    expect(p.exitCode).toBe(2);
    expect(p.stdout).toContain('  ~ Container web\n');
    expect(p.stdout).toContain('      ip: 172.30.0.3 → 172.30.0.4\n');
    expect(p.stdout).toContain('      ports: 8080:80 → 8081:80\n');
    expect(p.stdout).toContain('Plan: 0 to create, 1 to update, 0 to replace, 0 to delete.');
    expect(p.stdout).not.toMatch(/nk[0-9a-f]{10}/);
    expect(p.stdout).not.toContain('\x1b['); // not a terminal: no colour
    const d = await nk('plan', '--detail');
    expect(d.stdout).toContain('  ~ Container web:\n');
    expect(d.stdout).toMatch(/\+ +addr:web\/eth0\/172\.30\.0\.4\/24/);
    expect(d.stdout).toContain('+ -A NK-PORTS-br-app -p tcp -m tcp --dport 8081 -j DNAT --to-destination 172.30.0.4:80');
  });

  it('plan --out FILE then apply FILE applies exactly it', async () => {
    const p = await nk('plan', '--out', planFile());
    expect(p.exitCode).toBe(2);
    expect(p.stdout).toContain(`Saved the plan to ${planFile()}`);
    const saved = JSON.parse(await readFile(planFile(), 'utf8'));
    expect(saved).toMatchObject({ formatVersion: 1, kind: 'netkeeper-saved-plan', dir });
    expect(saved.changes.length).toBeGreaterThan(0);
    const a = await apply(planFile());
    expect(a.exitCode, a.stderr).toBe(0);
    expect(a.stdout).toContain('      ports: 8080:80 → 8081:80\n');
    expect(a.stdout).toMatch(/Apply complete: 0 created, 1 updated, 0 replaced, 0 deleted; in sync\./);
    expect((await sb.sh('ip netns exec web ip -4 -br addr show dev eth0')).stdout).toContain('172.30.0.4/24');
    expect((await nk('plan')).exitCode).toBe(0);
  });

  it('apply FILE refuses after a kernel change, changing nothing', async () => {
    await writeFiles(dir, { 'net.yaml': NET, 'web.yaml': web(8082, '172.30.0.4') });
    expect((await nk('plan', '--out', planFile())).exitCode).toBe(2);
    await sb.sh('ip link set br-app mtu 1400');
    const before = await kernelSnapshot(sb);
    const a = await apply(planFile());
    expect(a.exitCode).toBe(1);
    expect(a.stderr).toContain('error: the kernel changed since the plan was made: link:host/br-app (changed)');
    expect(a.stderr).toContain('run netkeeper plan again');
    expect(await kernelSnapshot(sb)).toBe(before);
  });

  it('apply FILE refuses after a file change, changing nothing', async () => {
    expect((await nk('plan', '--out', planFile())).exitCode).toBe(2);
    await writeFiles(dir, { 'net.yaml': NET, 'web.yaml': web(8083, '172.30.0.4') });
    const before = await kernelSnapshot(sb);
    const a = await apply(planFile());
    expect(a.exitCode).toBe(1);
    expect(a.stderr).toContain('error: the files changed since the plan was made: Container web (changed)');
    expect(await kernelSnapshot(sb)).toBe(before);
  });

  it('apply without a saved plan, or with a file that is not one: a clear error', async () => {
    const none = await apply();
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/^error: .*file/);
    const missing = await apply(join(work, 'nope.json'));
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('no such file');
  });

  it('reconcile --json prints the result as JSON with formatVersion and the objects', async () => {
    const r = await nk('reconcile', '--once', '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ formatVersion: 1, result: 'applied', failed: [], pending: [] });
    expect(j.objects).toContainEqual(expect.objectContaining({ kind: 'network', name: 'app', action: 'update' }));
    expect(j.changes.every((c: { action: string; key: string }) => ['create', 'update', 'replace', 'delete'].includes(c.action) && c.key)).toBe(true);
    expect(validator('reconcile-output')(j)).toEqual([]);
  });

  it('plan --json, status --json and validate --json carry formatVersion and validate against their schemas', async () => {
    await writeFiles(dir, { 'net.yaml': NET, 'web.yaml': web(8090, '172.30.0.4') });
    const p = JSON.parse((await nk('plan', '--json')).stdout);
    expect(p.formatVersion).toBe(1);
    expect(p.objects).toContainEqual(expect.objectContaining({ kind: 'container', name: 'web', action: 'update' }));
    expect(validator('plan-output')(p)).toEqual([]);
    const s = JSON.parse((await nk('status', '--json')).stdout);
    expect(s.formatVersion).toBe(1);
    expect(validator('status-output')(s)).toEqual([]);
    const v = JSON.parse((await nk('validate', '--json')).stdout);
    expect(validator('validate-output')(v)).toEqual([]);
    await writeFiles(dir, { 'net.yaml': NET, 'web.yaml': web(8082, '172.30.0.4') });
  });
});

describe('reconcile of many containers: the plan first, progress while applying, then the result', () => {
  it('is never silent for long: progress lines in the log (no terminal)', async () => {
    await writeFiles(dir, { 'net.yaml': NET, 'c.yaml': many(60).slice(4) });
    const t0 = Date.now();
    const r = await sb.netkeeper(['reconcile', '--once', '--dir', dir]);
    const ms = Date.now() - t0;
    expect(r.exitCode, r.stderr).toBe(0);
    const planAt = r.stdout.indexOf('  + Container c1\n');
    expect(planAt).toBeGreaterThanOrEqual(0);
    expect(r.stdout.indexOf('Plan: 60 to create')).toBeGreaterThan(planAt);
    expect(r.stdout).toMatch(/Apply complete: 60 created, \d+ updated, 0 replaced, 1 deleted; in sync\./);
    // natural order: c2 before c10
    expect(r.stdout.indexOf('+ Container c2\n')).toBeLessThan(r.stdout.indexOf('+ Container c10\n'));
    const logs = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; time: number; done?: number; total?: number });
    const progress = logs.filter((l) => l.msg.startsWith('applying: '));
    const done = logs.find((l) => l.msg === 'pass done')!;
    expect(done).toMatchObject({ trigger: 'once', result: 'applied', failed: 0, pending: 0, usedLastGood: false });
    expect(done).toHaveProperty('changes.create');
    if (ms > 3000) {
      expect(progress.length, `${ms} ms, log: ${r.stderr}`).toBeGreaterThan(0);
      expect(progress[0].total).toBeGreaterThanOrEqual(60);
      // at least every ~2 s
      const times = progress.map((l) => l.time);
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeLessThan(3000);
    }
  });
});
