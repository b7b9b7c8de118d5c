// Watch mode keeps a copy of the files under /etc/netns and reads again only the
// namespace directories inotify saw change (src/shell/etc-netns-cache.ts). In a
// sandbox: a no-change resync reads (almost) none of them, yet a namespace's file
// edited, replaced or removed behind netkeeper's back, and a shared hosts file
// edited, are all put back by the next resync (--interval 2).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, CLI_PATH, type Background, type Sandbox } from '../helpers/sandbox.js';

let sb: Sandbox;
let work: string;
let watcher: Background | undefined;

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];
const NETWORK = 'kind: Network\nname: front\nsubnets:\n  - subnet: 10.79.0.0/24\n';
const container = (name: string, i: number) => `kind: Container\nname: ${name}\nnetworks:\n  - network: front\n    ip: 10.79.0.${10 + i}\n`;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nwatcher log:\n${watcher?.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Line = { msg: string; pass?: number; [k: string]: unknown };
const logLines = (): Line[] =>
  (watcher?.output() ?? '')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);
const passesDone = () => logLines().filter((l) => l.msg === 'pass done');
const cat = async (path: string) => (await sb.exec('cat', [path])).stdout;

/** break a file, then wait for the watcher to put it back; returns the passes that ran meanwhile */
async function healed(what: string, breakIt: string, path: string): Promise<Line[]> {
  const want = await cat(path);
  expect(want).not.toBe('');
  const before = passesDone().length;
  await sb.sh(breakIt, { check: true });
  expect(await cat(path)).not.toBe(want);
  await until(`${what} put back`, async () => (await cat(path)) === want);
  return passesDone().slice(before);
}

beforeAll(async () => {
  sb = await createSandbox();
  work = await mkdtemp(join(tmpdir(), 'nk-watch-files-'));
  const dir = join(work, 'networks.d');
  const runDir = join(work, 'run');
  await sb.exec('mkdir', ['-p', dir, runDir], { check: true });
  await writeFile(join(dir, 'network.yaml'), NETWORK);
  await Promise.all(NAMES.map((n, i) => writeFile(join(dir, `${n}.yaml`), container(n, i))));
  // --audit 600: one namespace per resync is read again by the audit, the rest only on inotify's word
  watcher = await sb.spawn(process.execPath, [CLI_PATH, 'reconcile', '--dir', dir, '--interval', '2', '--audit', '600', '--log-level', 'debug'], {
    env: { NETKEEPER_RUN_DIR: runDir },
  });
  await until('the first pass', async () => passesDone().length > 0, 60_000);
}, 120_000);

afterAll(async () => {
  await watcher?.kill();
  await sb?.destroy();
  await rm(work, { recursive: true, force: true });
});

describe('watch mode: the copy of /etc/netns', () => {
  it('a no-change resync reads the files of no more namespaces than the audit slice', async () => {
    const from = logLines().length;
    await until(
      'two resyncs in sync',
      async () =>
        logLines()
          .slice(from)
          .filter((l) => l.msg === 'pass done' && l.trigger === 'resync' && l.result === 'in-sync').length >= 2,
    );
    const resyncs = new Set(
      logLines()
        .slice(from)
        .filter((l) => l.msg === 'pass done' && l.trigger === 'resync')
        .map((l) => l.pass),
    );
    const kept = logLines()
      .slice(from)
      .filter((l) => l.msg === 'reads kept' && resyncs.has(l.pass)) as unknown as { etcNetns: { read: number; kept: number } }[];
    expect(kept.length).toBeGreaterThan(0);
    // the last one: the pass before it may still have read what the first pass wrote
    expect(kept.at(-1)!.etcNetns.read).toBeLessThanOrEqual(1);
    expect(kept.at(-1)!.etcNetns.kept).toBeGreaterThanOrEqual(NAMES.length - 1);
  });

  it('a file edited, replaced by rename or removed behind netkeeper’s back is put back by the next resync', async () => {
    for (const [what, breakIt, path] of [
      ['an edited hostname', 'echo intruder > /etc/netns/b/hostname', '/etc/netns/b/hostname'],
      [
        'a resolv.conf replaced by rename',
        'echo "nameserver 192.0.2.99" > /etc/netns/d/.x && mv /etc/netns/d/.x /etc/netns/d/resolv.conf',
        '/etc/netns/d/resolv.conf',
      ],
      ['a removed hostname', 'rm /etc/netns/e/hostname', '/etc/netns/e/hostname'],
    ]) {
      const passes = await healed(what, breakIt, path);
      // no more than the resync after the change (and the one in flight when it came): not left to the audit (~6 resyncs)
      expect(passes.filter((p) => p.trigger === 'resync').length, what).toBeLessThanOrEqual(2);
    }
  });

  it('a shared hosts file edited behind netkeeper’s back is put back', async () => {
    const shared = (await sb.sh('ls /etc/netns/.hosts')).stdout.trim().split('\n')[0];
    expect(shared).toBeTruthy();
    const path = `/etc/netns/.hosts/${shared}`;
    await healed('the shared hosts file', `echo '10.0.0.1 intruder' >> ${path}`, path);
    expect((await sb.exec('ip', ['netns', 'exec', 'a', 'getent', 'hosts', 'b'])).stdout).toMatch(/10\.79\.0\.11/);
  });
});
