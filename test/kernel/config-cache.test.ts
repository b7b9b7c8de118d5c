// Issue 16: the config cache as a user meets it. `reconcile --once` leaves the parsed
// files in /run/netkeeper/cache; the next command with the same files uses it and plans
// nothing; an edit is seen at once (an error at its file:line:col, the cache untouched);
// a cut or garbled cache is ignored; deleting it is safe.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, type Sandbox } from '../helpers/sandbox.js';
import { writeFiles } from '../helpers/workdir.js';

let sb: Sandbox;
let dir: string;
const nk = (...args: string[]) => sb.netkeeper([...args, '--dir', dir, '--log-level', 'warn']);
const sh = async (script: string) => (await sb.sh(script)).stdout.trim();
const CACHE = '/run/netkeeper/cache';

const container = (n: number, ip: string) => `kind: Container\nname: c${n}\nnetworks:\n  - network: cc\n    ip: ${ip}\n`;
const BASE = ['kind: Network\nname: cc\nsubnets:\n  - subnet: 172.29.0.0/24\n', container(1, '172.29.0.11'), container(2, '172.29.0.12')].join('---\n');

beforeAll(async () => {
  sb = await createSandbox();
  dir = await mkdtemp(join(tmpdir(), 'nk-cc-'));
});
afterAll(async () => {
  await sb?.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('the config cache', () => {
  it('is written by a valid --once, used by the next command, and never hides an edit', async () => {
    await writeFiles(dir, { 'all.yaml': BASE });
    const r = await nk('reconcile', '--once');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await sh(`test -s ${CACHE}/config.json && test -s ${CACHE}/documents.json && echo both`)).toBe('both');
    const p = await nk('plan');
    expect(p.exitCode, p.stdout + p.stderr).toBe(0);

    // one document added, with an error: reported where it is, nothing applied, the cache kept
    const sum = await sh(`sha256sum ${CACHE}/config.json`);
    await writeFiles(dir, { 'all.yaml': `${BASE}---\n${container(3, '172.30.0.13')}` });
    const v = await nk('validate'); // validate never uses the cache: the parser's own answer
    const line = /^error: .*all\.yaml:22:9: Container c3: address 172\.30\.0\.13 is outside .*$/m;
    expect(v.stderr).toMatch(line);
    for (const cmd of [['plan'], ['reconcile', '--once']]) {
      const bad = await nk(...cmd);
      expect(bad.exitCode).toBe(1);
      expect(bad.stderr.match(line)?.[0]).toBe(v.stderr.match(line)?.[0]);
    }
    expect(await sh(`sha256sum ${CACHE}/config.json`)).toBe(sum);
    expect(await sh('ip netns list | grep -c "^c3" || true')).toBe('0');

    // fixed: applied, and the cache follows
    await writeFiles(dir, { 'all.yaml': `${BASE}---\n${container(3, '172.29.0.13')}` });
    expect((await nk('reconcile', '--once')).exitCode).toBe(0);
    expect(await sh('ip netns list | grep -c "^c3" || true')).toBe('1');
    expect(await sh(`sha256sum ${CACHE}/config.json`)).not.toBe(sum);
    expect((await nk('plan')).exitCode).toBe(0);
  });

  it('ignores a cut or garbled cache, and works without one', async () => {
    await sh(`head -c 100 ${CACHE}/config.json > /tmp/x && mv /tmp/x ${CACHE}/config.json; echo '{"format":1,' > ${CACHE}/documents.json`);
    const p = await nk('plan');
    expect(p.exitCode, p.stdout + p.stderr).toBe(0);
    // an edit after the garbled cache: seen (c2 moves)
    await writeFiles(dir, { 'all.yaml': `${BASE.replace('172.29.0.12', '172.29.0.22')}---\n${container(3, '172.29.0.13')}` });
    const moved = await nk('plan');
    expect(moved.exitCode).toBe(2);
    expect(moved.stdout).toContain('172.29.0.22');
    await sh(`rm -rf ${CACHE}`);
    expect((await nk('reconcile', '--once')).exitCode).toBe(0);
    expect((await nk('plan')).exitCode).toBe(0);
    expect(await sh(`test -s ${CACHE}/config.json && echo yes`)).toBe('yes');
  });
});
