// Expectations (kind Expect) probed for real, in a private sandbox: after an
// applied pass reconcile reports each (exit 0 when all hold), an edit that breaks
// one is named by the next reconcile --once (exit 5), `check` probes alone and
// changes nothing, UDP and ICMP probes, the listeners netkeeper starts are gone
// afterwards, status shows the last results; and a watcher heals drift and
// status lists what it healed, per object.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, createSandbox, type Background, type Sandbox } from '../helpers/sandbox.js';
import { cliIn, kernelSnapshot, writeFiles } from '../helpers/workdir.js';

let sb: Sandbox;
let dir: string;
let nk: ReturnType<typeof cliIn>;

const network = (extra = '') => `kind: Network
name: front
subnets: [{subnet: 10.66.0.0/24}]
${extra}---
kind: Container
name: web
networks: [{network: front, ip: 10.66.0.10}]
ports: ["8080:80"]
---
kind: Container
name: db
networks: [{network: front, ip: 10.66.0.20}]
`;
const EXPECTS = `kind: Expect
name: web-db
from: web
to: db
port: 5432
---
kind: Expect
name: web-dns
from: web
to: db
port: 53
protocol: udp
---
kind: Expect
name: web-ping-db
from: web
to: db
---
kind: Expect
name: host-web-published
from: host
to: 10.66.0.1
port: 8080
---
kind: Expect
name: outside
from: 198.51.100.7
to: web
`;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** node processes still listening in a namespace (netkeeper's listeners must be gone) */
const listening = async (ns: string) => (await sb.exec('ip', ['netns', 'exec', ns, 'ss', '-Htlunp'])).stdout.trim();

beforeAll(async () => {
  sb = await createSandbox();
  dir = await mkdtemp(join(tmpdir(), 'nk-expect-'));
  nk = cliIn(sb, dir);
}, 60_000);
afterAll(async () => {
  await sb?.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('expectations after reconcile', () => {
  it('all hold: exit 0, each reported; the listeners it started are gone; a second run plans nothing', async () => {
    await writeFiles(dir, { 'net.yaml': network(), 'expect.yaml': EXPECTS });
    const r = await nk('reconcile', '--once');
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Expectations: 5 expectations: 4 hold, 0 failed, 1 skipped');
    expect(r.stdout).toMatch(/ok {4}web-db +web → db:5432\/tcp \(10\.66\.0\.20\): reachable \(connected\)/);
    expect(r.stdout).toMatch(/ok {4}web-dns +web → db:53\/udp \(10\.66\.0\.20\): reachable \(answered\)/);
    expect(r.stdout).toMatch(/ok {4}web-ping-db +web → db \(icmp\) \(10\.66\.0\.20\): reachable \(echo reply\)/);
    expect(r.stdout).toMatch(/ok {4}host-web-published +host → 10\.66\.0\.1:8080\/tcp: reachable/);
    expect(r.stdout).toMatch(/skip {2}outside +198\.51\.100\.7 → web \(icmp\): skipped: 198\.51\.100\.7 is another machine/);
    expect(await listening('db')).toBe('');
    expect(await listening('web')).toBe('');
    // an Expect document makes no kernel object: the plan stays empty
    const plan = await nk('plan');
    expect(plan.exitCode, plan.stdout + plan.stderr).toBe(0);
  }, 60_000);

  it("an edit that breaks one (icc: false) → the next reconcile --once exits 5 naming it; an 'unreachable' expectation holds", async () => {
    const blocked = `---
kind: Expect
name: db-cut-off
from: web
to: db
result: unreachable
`;
    await writeFiles(dir, { 'net.yaml': network('icc: false\n'), 'expect.yaml': EXPECTS + blocked });
    const r = await nk('reconcile', '--once');
    expect(r.exitCode, r.stdout + r.stderr).toBe(5);
    expect(r.stdout).toMatch(/Apply complete: .*in sync\./);
    expect(r.stdout).toMatch(/FAIL {2}web-db +web → db:5432\/tcp \(10\.66\.0\.20\): unreachable \(.*\), expected reachable/);
    expect(r.stdout).toMatch(/FAIL {2}web-dns +web → db:53\/udp .*: unreachable/);
    expect(r.stdout).toMatch(/ok {4}db-cut-off +web → db \(icmp\) \(10\.66\.0\.20\): unreachable/);
    expect(r.stderr).toContain('error: expectation web-db failed: web → db:5432/tcp (10.66.0.20) is unreachable, expected reachable');
    // why: the path `explain web db:5432/tcp` prints, ending at the rule that drops it
    expect(r.stdout).toMatch(/why:\n(?: {8}.*\n)*? {8}.*✗.*\n(?: {8}.*\n)*? {8}verdict: unreachable/);
    // logged (pino JSON on stderr at level error)
    expect(r.stderr).toMatch(/"expectation":"web-db"/);
    expect(await listening('db')).toBe('');
  }, 60_000);

  it('check probes alone: the same verdicts, --json, nothing applied', async () => {
    await writeFiles(dir, { 'net.yaml': network(), 'expect.yaml': EXPECTS }); // icc back on, not applied
    const before = await kernelSnapshot(sb);
    const r = await nk('check', '--json');
    expect(r.exitCode, r.stderr).toBe(5);
    const doc = JSON.parse(r.stdout) as { expectations: { name: string; held?: boolean; verdict: string }[] };
    expect(doc.expectations.find((x) => x.name === 'web-db')).toMatchObject({ held: false, verdict: 'unreachable' });
    expect(doc.expectations.find((x) => x.name === 'host-web-published')).toMatchObject({ held: true, verdict: 'reachable' });
    expect(await kernelSnapshot(sb)).toBe(before);
  }, 60_000);

  it('status shows the last result of each', async () => {
    const r = await nk('status');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/expectations, last probed at \S+ by check: 5 expectations: 1 hold, 3 failed \(web-db, web-dns, web-ping-db\), 1 skipped/);
    expect(r.stdout).toMatch(/FAIL {2}web-db /);
    const json = JSON.parse((await nk('status', '--json')).stdout) as { expectations: { by: string; results: unknown[] } };
    expect(json.expectations.by).toBe('check');
    expect(json.expectations.results).toHaveLength(5);
  }, 60_000);
});

describe('drift per object, healed by the watcher', () => {
  let watcher: Background | undefined;
  afterAll(async () => {
    await watcher?.kill();
  });

  it('status names the drift per object; the watcher heals it and status lists the healing', async () => {
    await writeFiles(dir, { 'net.yaml': network() });
    expect((await nk('reconcile', '--once')).exitCode).toBe(0);
    // behind netkeeper's back: a deleted veth (web's host end), a flushed address (db's), a flushed chain
    const veth = (await sb.sh("ip -o link show master br-front | awk -F': ' '{print $2}' | cut -d@ -f1 | head -1")).stdout.trim();
    const webVeth = (await sb.sh('ip -n web -o link show eth0')).stdout.match(/@if(\d+)/)![1];
    const hostVeth = (await sb.sh(`ip -o link | awk -F': ' '$1 == ${webVeth} {print $2}' | cut -d@ -f1`)).stdout.trim();
    expect(veth).not.toBe('');
    await sb.exec('ip', ['link', 'del', hostVeth], { check: true });
    await sb.exec('ip', ['-n', 'db', 'addr', 'flush', 'dev', 'eth0'], { check: true });
    await sb.exec('iptables', ['-F', 'NK-FORWARD'], { check: true });
    const st = await nk('status');
    expect(st.stdout).toMatch(/web .*missing interface eth0/);
    expect(st.stdout).toMatch(/db .*missing address 10\.66\.0\.20/);
    expect(st.stdout).toMatch(/front .*firewall rules in filter\/NK-FORWARD: \d+ missing/);
    watcher = await sb.spawn(process.execPath, [CLI_PATH, 'reconcile', '--dir', dir, '--interval', '1', '--log-level', 'info']);
    // the first pass of a watcher applies the files; drift from now on is healing
    await until('the first pass', async () => watcher!.output().includes('"pass done"'));
    await sb.exec('ip', ['-n', 'db', 'addr', 'flush', 'dev', 'eth0'], { check: true });
    const healed = await until('status lists the healing', async () => {
      const s = await nk('status');
      return s.stdout.includes('healed drift') && s.stdout.includes('Container db: missing address 10.66.0.20') ? s.stdout : undefined;
    });
    expect(healed).toMatch(/pass #\d+: Container db: missing address 10\.66\.0\.20/);
    expect(watcher.output()).toContain('healed drift');
  }, 90_000);
});
