// `netkeeper status` as an operator reads it, in a private sandbox: the Docker-like
// views of a converged example, one object in detail, --json documents that
// validate against schemas/status-output.schema.json, drift after hand changes
// and after a file edit, and the errors for words that mean nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { createSandbox, REPO_ROOT, type Sandbox } from '../helpers/sandbox.js';
import { kernelSnapshot, writeFiles } from '../helpers/workdir.js';

let sb: Sandbox;
let dir: string;
const nk = (...args: string[]) => sb.netkeeper([...args, '--dir', dir, '--log-level', 'warn']);
const MORE = `kind: Container
name: c10
networks: [{network: frontend}]
ports: ["8080:80"]
---
kind: Container
name: c2
networks: [{network: frontend}]
`;
const schema = JSON.parse(await readFile(join(REPO_ROOT, 'schemas/status-output.schema.json'), 'utf8'));
const validate = new Ajv({ allowUnionTypes: true, allErrors: true }).compile(schema);
async function json(...args: string[]): Promise<Record<string, any>> {
  const r = await nk('status', ...args, '--json');
  expect(r.exitCode, r.stderr).toBe(0);
  const doc = JSON.parse(r.stdout);
  expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  return doc;
}
const row = (text: string, first: string) => text.split('\n').find((l) => l.startsWith(`${first} `)) ?? '';

beforeAll(async () => {
  sb = await createSandbox();
  dir = await mkdtemp(join(tmpdir(), 'nk-status-'));
  // examples/bridge-network (frontend: web fixed, app allocated) and two more: c2 and c10
  await writeFiles(dir, { 'network.yaml': await readFile(join(REPO_ROOT, 'examples/bridge-network/network.yaml'), 'utf8'), 'more.yaml': MORE });
  const r = await nk('reconcile', '--once');
  expect(r.exitCode, r.stderr).toBe(0);
}, 120_000);
afterAll(async () => {
  await sb?.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('a converged example', () => {
  it('status networks: like docker network ls, in sync with the files', async () => {
    const r = await nk('status', 'networks');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^NETWORK\s+DRIVER\s+SUBNET\s+GATEWAY\s+INTERFACE\s+CONTAINERS\s+PORTS\s+DRIFT$/);
    expect(row(r.stdout, 'frontend')).toMatch(
      /^frontend\s+bridge\s+172\.18\.0\.0\/24\s+172\.18\.0\.1\s+br-frontend\s+app, c2, c10, web\s+8080\/tcp\s+in sync$/,
    );
    expect(r.stdout).toContain(`Against ${dir}: everything in sync.`);
  });

  it('status containers: like docker ps, in natural order (c2 before c10)', async () => {
    const r = await nk('status', 'containers');
    expect(r.exitCode, r.stderr).toBe(0);
    const names = r.stdout
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/)[0])
      .filter((n) => n && n !== 'Against');
    expect(names).toEqual(['app', 'c2', 'c10', 'web']);
    expect(row(r.stdout, 'web')).toMatch(/^web\s+web\s+bridge\s+frontend=172\.18\.0\.10\s+–\s+running\s+in sync$/);
    expect(row(r.stdout, 'c10')).toMatch(/^c10\s+c10\s+bridge\s+frontend=172\.18\.0\.\d+\s+0\.0\.0\.0:8080->80\/tcp\s+running\s+in sync$/);
  });

  it('status: networks and containers at once; status reads, never changes, the kernel', async () => {
    const before = await kernelSnapshot(sb);
    const r = await nk('status');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^NETWORK\s/);
    expect(r.stdout).toMatch(/\nCONTAINER\s+NAMESPACE/);
    expect(await kernelSnapshot(sb)).toBe(before);
  });

  it('status web: one container in detail', async () => {
    const r = await nk('status', 'web');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^Container web\n {2}namespace: {2}web \(made and owned by netkeeper\), \/run\/netns\/web\n {2}mode: {7}bridge\n {2}state: {6}running\n {2}drift: {6}in sync\n/,
    );
    expect(r.stdout).toMatch(/\n {4}eth0\s+veth\s+frontend\s+172\.18\.0\.10\/24\s+02:42:ac:12:00:0a\s+1500\s+up\n/);
    expect(r.stdout).toContain('\n    default via 172.18.0.1 dev eth0\n');
    expect(r.stdout).toMatch(/\n {4}\/etc\/netns\/web\/resolv\.conf\n(.*\n)* {6}nameserver 10\.0\.0\.2\n/);
  });

  it('status frontend: one network in detail', async () => {
    const r = await nk('status', 'frontend');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('  subnet:     172.18.0.0/24, gateway 172.18.0.1, ip range 172.18.0.128/25\n');
    expect(r.stdout).toMatch(/\n {4}web\s+eth0\s+172\.18\.0\.10\s+–\s+02:42:ac:12:00:0a\n/);
    expect(r.stdout).toMatch(/\n {4}nat\/NK-PORTS-br-frontend: 1 rule\n/);
  });

  it('--json: formatVersion 1, documents that validate against the schema', async () => {
    const all = await json();
    expect(all).toMatchObject({ formatVersion: 1, view: 'overview', files: { dir, problem: null }, settings: { state: 'in sync' } });
    const nets = await json('networks');
    expect(nets.networks.find((n: { name: string }) => n.name === 'frontend')).toMatchObject({
      driver: 'bridge',
      subnets: ['172.18.0.0/24'],
      gateways: ['172.18.0.1'],
      interface: 'br-frontend',
      containers: ['app', 'c2', 'c10', 'web'],
      sync: { state: 'in sync', drift: [] },
    });
    const cs = await json('containers');
    expect(cs.containers.find((c: { name: string }) => c.name === 'web')).toMatchObject({
      namespace: 'web',
      mode: 'bridge',
      state: 'running',
      networks: [{ network: 'frontend', interface: 'eth0', ip4: '172.18.0.10', up: true }],
    });
    const ports = await json('ports');
    expect(ports.ports).toMatchObject([{ container: 'c10', hostPort: 8080, containerPort: 80, protocol: 'tcp', sync: { state: 'in sync' } }]);
    const web = await json('web');
    expect(web.objects).toMatchObject([{ kind: 'container', name: 'web', interfaces: [{ name: 'lo' }, { name: 'eth0', addresses: ['172.18.0.10/24'] }] }]);
  });

  it('an unknown name: an error naming the close ones, exit 1; words and options that mean nothing are refused', async () => {
    const r = await nk('status', 'webb');
    expect(r).toMatchObject({ exitCode: 1, stdout: '' });
    expect(r.stderr).toBe('error: no network, container or link named webb (did you mean web?); status also takes networks, containers or ports\n');
    const extra = await nk('status', 'networks', 'extra');
    expect(extra.exitCode).toBe(1);
    // refused by the CLI's own argument check (or, past it, by status itself)
    expect(extra.stderr).toMatch(/^error: (status takes at most one word|too many arguments for 'status')/);
    const detail = await nk('status', 'web', '--detail');
    expect(detail.exitCode).toBe(1);
    expect(detail.stderr).toMatch(/^error: status --detail lists every kernel object/);
    const missingDir = await sb.netkeeper(['status', '--dir', join(dir, 'nope')]);
    expect(missingDir.exitCode).toBe(1);
    expect(missingDir.stderr).toMatch(/^error: .*nope/);
  });

  it('without files (no --dir, no ./networks.d): the kernel view, no drift column', async () => {
    const r = await sb.netkeeper(['status', 'containers'], { cwd: '/tmp' });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^CONTAINER\s+NAMESPACE\s+MODE\s+NETWORKS\s+PORTS\s+STATE$/);
    expect(r.stdout).toMatch(/\nweb\s+web\s+bridge\s+frontend=172\.18\.0\.10\s+–\s+running\n/);
  });

  it('--detail: the kernel objects', async () => {
    const r = await nk('status', '--detail');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^KIND\s+WHERE\s+WHAT\s+NOTE\n/);
    expect(r.stdout).toMatch(/\ninterface\s+host\/br-frontend\s+bridge up mtu 1500/);
  });
});

describe('drift', () => {
  it('changed by hand: a bridge MTU and a container address, marked on their objects', async () => {
    await sb.sh('ip link set br-frontend mtu 1400 && ip -n web addr del 172.18.0.10/24 dev eth0', { check: true });
    const nets = await nk('status', 'networks');
    expect(row(nets.stdout, 'frontend')).toMatch(/\s+drifted: mtu 1400, want 1500$/);
    expect(nets.stdout).toContain(`Against ${dir}: 1 drifted (netkeeper plan --dir ${dir} shows the changes).`);
    const cs = await nk('status', 'containers');
    expect(row(cs.stdout, 'web')).toMatch(
      /^web\s+web\s+bridge\s+frontend \(no address\)\s+–\s+running\s+drifted: missing address 172\.18\.0\.10, missing default route via 172\.18\.0\.1$/,
    );
    expect(row(cs.stdout, 'app')).toMatch(/\s+in sync$/);
    const doc = await json('web');
    expect(doc.objects[0].sync).toEqual({ state: 'drifted', drift: ['missing address 172.18.0.10', 'missing default route via 172.18.0.1'] });
  });

  it('after a reconcile: in sync again', async () => {
    expect((await nk('reconcile', '--once')).exitCode).toBe(0);
    const r = await nk('status');
    expect(r.stdout).toContain(`Against ${dir}: everything in sync.`);
  });

  it('after a file edit: the changed port is missing, the old one not declared; a new container is missing', async () => {
    await writeFile(join(dir, 'more.yaml'), MORE.replace('"8080:80"', '"8081:80"') + '---\nkind: Container\nname: c3\nnetworks: [{network: frontend}]\n');
    const ports = await nk('status', 'ports');
    expect(ports.exitCode, ports.stderr).toBe(0);
    expect(row(ports.stdout, 'c10').length).toBeGreaterThan(0);
    const lines = ports.stdout.split('\n').filter((l) => l.startsWith('c10 '));
    expect(lines).toEqual([
      expect.stringMatching(/^c10\s+0\.0\.0\.0:8080\s+tcp\s+172\.18\.0\.\d+:80\s+frontend\s+not declared$/),
      expect.stringMatching(/^c10\s+0\.0\.0\.0:8081\s+tcp\s+172\.18\.0\.\d+:80\s+frontend\s+missing$/),
    ]);
    const cs = await nk('status', 'containers');
    // (its hosts file does not name c3 yet)
    expect(row(cs.stdout, 'c10')).toMatch(
      /drifted: \/etc\/netns\/c10\/hosts out of date, extra port 0\.0\.0\.0:8080->80\/tcp, missing port 0\.0\.0\.0:8081->80\/tcp$/,
    );
    expect(row(cs.stdout, 'c3')).toMatch(/^c3\s+c3\s+bridge\s+–\s+–\s+missing\s+missing$/);
  });
});
