// Router topologies in one pass (issue 9, item 11): a chain of four router
// containers on /32 Links, static routes via the neighbours (and via a declared
// `dev` route), NAT at the edge toward an outside namespace. Routes that stand on
// other routes are made in order, so one `reconcile --once` converges; traffic,
// NAT and traceroute show the path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, REPO_ROOT, type Sandbox } from '../helpers/sandbox.js';

let sb: Sandbox;
let dir: string;
const EXAMPLE = join(REPO_ROOT, 'examples', 'router-chain');
const nk = (...args: string[]) => sb.netkeeper([...args, '--dir', dir, '--log-level', 'warn']);
const sh = async (script: string) => (await sb.sh(script)).stdout.trim();

beforeAll(async () => {
  sb = await createSandbox();
  dir = await mkdtemp(join(tmpdir(), 'nk-routers-'));
  await cp(EXAMPLE, dir, { recursive: true });
});
afterAll(async () => {
  await sb?.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('a chain of four routers with NAT at the edge', () => {
  it('converges in one pass: exit 0, and a second plan is empty', async () => {
    const r = await nk('reconcile', '--once');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const p = await nk('plan');
    expect(p.exitCode, p.stdout).toBe(0);
  });

  it('routes via the neighbours are in place', async () => {
    expect(await sh('ip -n r3 route show 10.0.0.0/16')).toMatch(/^10\.0\.0\.0\/16 via 10\.0\.23\.2 dev r2 proto 77/);
    expect(await sh('ip -n client route show default')).toMatch(/^default via 10\.0\.0\.2 dev r1 proto 77/);
  });

  it('ping and TCP reach the outside end to end, masqueraded at the edge', async () => {
    expect(await sb.ping('client', '100.64.0.2', { timeoutMs: 3000 })).toBe(true);
    for (const hop of ['10.0.0.2', '10.0.12.2', '10.0.23.3', '10.0.34.4']) expect(await sb.ping('client', hop), hop).toBe(true);
    // the outside has no route back to the chain: only NAT lets it answer
    expect((await sb.sh('ip -n isp route get 10.0.0.1')).exitCode).not.toBe(0);
    const server = await sb.tcpServer('isp', 8080);
    const c = await sb.tcpConnect('client', '100.64.0.2', 8080, { timeoutMs: 3000 });
    expect(c.ok, c.error).toBe(true);
    expect(c.peer).toBe('100.64.0.1');
    await server.kill();
  });

  it('traceroute shows each router, then the outside', async () => {
    const out = await sh('ip netns exec client traceroute -n -q1 -w2 -m8 100.64.0.2');
    const hops = out
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/)[1]);
    expect(hops, out).toEqual(['10.0.0.2', '10.0.12.2', '10.0.23.3', '10.0.34.4', '100.64.0.2']);
  });

  it('taking the edge away removes its routes and cable in one pass too', async () => {
    const text = await readFile(join(dir, 'routers.yaml'), 'utf8');
    const docs = text.split('\n---\n').filter((d) => !/name: (r4|isp|r3-r4|r4-isp)\n/.test(d));
    // r3 loses its default route, which went via the edge
    await writeFile(join(dir, 'routers.yaml'), docs.join('\n---\n').replace('  - {to: default, via: 10.0.34.4}\n', ''));
    const r = await nk('reconcile', '--once');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect((await nk('plan')).exitCode).toBe(0);
    expect(await sh('ip netns list | cut -d" " -f1 | sort | tr "\\n" " "')).toBe('client r1 r2 r3');
    expect(await sb.ping('client', '10.0.23.3')).toBe(true);
  });
});
