// Names as Docker allows them: mixed case in every kind. A container homeA on
// network modemA converges and pings, beside homea on modema (names that differ
// only in case are distinct objects with distinct kernel names and files), and a
// second run plans nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, type Sandbox } from '../helpers/sandbox.js';

let sb: Sandbox;
let dir: string;

const FILES = `kind: Network
name: modemA
subnets: [{subnet: 10.71.0.0/24}]
---
kind: Network
name: modema
subnets: [{subnet: 10.72.0.0/24}]
---
kind: Container
name: homeA
networks: [{network: modemA, ip: 10.71.0.10}]
---
kind: Container
name: exampleCOM
networks: [modemA]
---
kind: Container
name: homea
networks: [{network: modema, ip: 10.72.0.10}]
`;

const nk = (...args: string[]) => sb.netkeeper([...args, '--dir', dir, '--log-level', 'warn']);
const sh = async (script: string) => (await sb.sh(script)).stdout.trim();

beforeAll(async () => {
  sb = await createSandbox();
  dir = await mkdtemp(join(tmpdir(), 'nk-names-'));
  await writeFile(join(dir, 'home.yaml'), FILES);
});
afterAll(async () => {
  await sb?.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('mixed-case names', () => {
  it('validate accepts them and one reconcile converges', async () => {
    const v = await nk('validate');
    expect(v.stderr).toBe('');
    expect(v.exitCode).toBe(0);
    const r = await nk('reconcile', '--once');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('homeA on modemA pings its gateway and exampleCOM; the host pings homeA', async () => {
    expect(await sb.ping('homeA', '10.71.0.1')).toBe(true);
    const other = await sh("ip netns exec exampleCOM ip -4 -br addr show dev eth0 | awk '{print $3}' | cut -d/ -f1");
    expect(other).toMatch(/^10\.71\.0\.\d+$/);
    expect(await sb.ping('homeA', other)).toBe(true);
    expect(await sb.ping(undefined, '10.71.0.10')).toBe(true);
    expect(await sb.ping('homea', '10.72.0.1')).toBe(true);
  });

  it('names differing only in case have their own namespaces, bridges and /etc/netns directories', async () => {
    expect((await sh('ip netns list | cut -d" " -f1 | sort')).split('\n')).toEqual(['exampleCOM', 'homeA', 'homea']);
    expect(await sh('ip -br link show type bridge | cut -d" " -f1 | sort')).toContain('br-modemA\nbr-modema');
    expect(await sh('ip netns exec homeA cat /etc/hostname')).toBe('homeA');
    expect(await sh('ip netns exec homea cat /etc/hostname')).toBe('homea');
    expect(await sh('ip netns exec homeA cat /etc/hosts')).toMatch(/^10\.71\.0\.10\thomeA$/m);
  });

  it('plans nothing on a second run', async () => {
    const p = await nk('plan');
    expect(p.stdout).toContain('No changes');
    expect(p.exitCode).toBe(0);
  });
});
