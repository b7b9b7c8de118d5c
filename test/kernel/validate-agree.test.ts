// `validate` (files only, no root) and `plan` agree: every input below was
// accepted by `validate` and then refused by `plan` after reading the kernel, or
// accepted by both and refused by the kernel half-way through a pass. Now both
// refuse it with the same code at the same file:line:col, and `reconcile --once`
// changes nothing in the kernel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, type Sandbox } from '../helpers/sandbox.js';
import { kernelSnapshot } from '../helpers/workdir.js';

let sb: Sandbox;
let dir: string;

const BASE = {
  'base.yaml': `kind: Network
name: front
subnets: [{subnet: 172.18.0.0/24}]
---
kind: Container
name: web
networks: [{network: front}]
---
kind: Settings
iptables: false
`,
};

const members = (n: number, net: string) =>
  Array.from(
    { length: n },
    (_, i) => `---\nkind: Container\nname: m${String(i).padStart(4, '0')}\nnetworks: [{network: ${i === n - 1 ? '»' : ''}${net}}]\n`,
  ).join('');

/** name → [bad.yaml with » where the error must point, code] */
const CORPUS: Record<string, [string, string]> = {
  'interface all': ['kind: Network\nname: a\ninterface: »all\n', 'reserved-ifname'],
  'interface default': ['kind: Network\nname: a\ninterface: »default\n', 'reserved-ifname'],
  'interface lo': ['kind: Network\nname: a\ninterface: »lo\n', 'reserved-ifname'],
  'interface nk0 (the implicit bridge)': ['kind: Network\nname: a\ninterface: »nk0\n', 'name-clash'],
  'interface br-front (a derived bridge name)': ['kind: Network\nname: a\ninterface: »br-front\n', 'name-clash'],
  "a Link end on a bridge's name": ['kind: Link\nname: l\nendpoints: [{container: web, ifname: p0}, {container: host, ifname: »br-front}]\n', 'name-clash'],
  'a /32 subnet': ['kind: Network\nname: a\nsubnets: [{subnet: »10.9.0.0/32}]\n', 'subnet-too-small'],
  'a /31 subnet with a gateway': ['kind: Network\nname: a\nsubnets: [{subnet: »10.9.0.0/31}]\n', 'subnet-too-small'],
  'more members than the subnet holds': [
    'kind: Network\nname: a\nsubnets: [{subnet: »10.9.0.0/30}]\n---\nkind: Container\nname: c\nnetworks: [{network: a}]\n---\nkind: Container\nname: d\nnetworks: [{network: a}]\n',
    'ipam-exhausted',
  ],
  '1024 ports on one bridge': ['kind: Network\nname: big\nsubnets: [{subnet: 10.60.0.0/16}]\n' + members(1024, 'big'), 'bridge-full'],
  'an undeclared host': ['kind: Container\nname: far\nhost: »elsewhere\n', 'unknown-reference'],
};

async function files(extra: Record<string, string> = {}): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries({ ...BASE, ...extra })) await writeFile(join(dir, name), text);
}

const nk = (...args: string[]) => sb.netkeeper([...args, '--dir', dir, '--log-level', 'warn'], { timeoutMs: 120_000 });
const _sh = async (script: string) => (await sb.sh(script)).stdout.trim();

const snapshot = () => kernelSnapshot(sb);

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: '));

beforeAll(async () => {
  sb = await createSandbox();
  dir = await mkdtemp(join(tmpdir(), 'nk-agree-'));
  await files();
  const r = await nk('reconcile', '--once');
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
}, 120_000);
afterAll(async () => {
  await sb?.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('validate and plan refuse the same inputs, with the same code and position', () => {
  for (const [name, [marked, code]] of Object.entries(CORPUS)) {
    it(name, async () => {
      const i = marked.indexOf('»');
      const before = marked.slice(0, i).split('\n');
      const at = `${join(dir, 'bad.yaml')}:${before.length}:${before[before.length - 1].length + 1}: `;
      await files({ 'bad.yaml': marked.replace('»', '') });
      const kernel = await snapshot();

      const v = await nk('validate');
      expect(v.exitCode, v.stderr).toBe(1);
      const lines = errorLines(v.stderr);
      expect(
        lines.some((l) => l.startsWith(`error: ${at}`) && l.endsWith(`[${code}]`)),
        v.stderr,
      ).toBe(true);

      const p = await nk('plan');
      expect(p.exitCode, p.stderr).toBe(1);
      expect(errorLines(p.stderr)).toEqual(lines);

      const r = await nk('reconcile', '--once');
      expect(r.exitCode, r.stderr).toBe(1);
      expect(errorLines(r.stderr)).toEqual(lines);
      expect(r.stderr).toContain('nothing was applied');
      expect(await snapshot()).toBe(kernel);
    }, 180_000);
  }
});
