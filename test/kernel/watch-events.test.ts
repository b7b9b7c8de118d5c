// Watch mode heals drift inside a container namespace from the kernel's events, in
// a sandbox: with a resync interval of 300 s, a flushed address, a deleted veth and
// a deleted route are back within a second or two (the pass that heals is an
// `event` pass that read only the namespace concerned); a foreign namespace's
// events start no pass; SIGHUP reads every namespace.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, CLI_PATH, type Background, type Sandbox } from '../helpers/sandbox.js';

let sb: Sandbox;
let work: string;
let watcher: Background | undefined;
/** healing latencies measured here, printed at the end */
const latencies: Record<string, number> = {};

const NETWORK = 'kind: Network\nname: front\nsubnets:\n  - subnet: 10.78.0.0/24\n';
const container = (name: string, ip: string) => `kind: Container\nname: ${name}\nnetworks:\n  - network: front\n    ip: ${ip}\n`;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nwatcher log:\n${watcher?.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function logLines(): { msg: string; [k: string]: unknown }[] {
  return (watcher?.output() ?? '')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string });
}
const passesDone = () => logLines().filter((l) => l.msg === 'pass done');

async function addrs(ns: string): Promise<string[]> {
  const r = await sb.exec('ip', ['-n', ns, '-j', 'addr', 'show', 'dev', 'eth0']);
  if (r.exitCode !== 0 || !r.stdout.trim()) return [];
  return (JSON.parse(r.stdout) as { addr_info: { family: string; local: string; prefixlen: number }[] }[])
    .flatMap((l) => l.addr_info)
    .filter((a) => a.family === 'inet')
    .map((a) => `${a.local}/${a.prefixlen}`);
}

const defaultRoute = async (ns: string) => (await sb.exec('ip', ['-n', ns, 'route', 'show', 'default'])).stdout.trim();

/** break something at once, then time how long until `healed` holds; returns ms */
async function heal(what: string, breakIt: () => Promise<unknown>, healed: () => Promise<boolean>): Promise<number> {
  const before = passesDone().length;
  const t0 = performance.now();
  await breakIt();
  expect(await healed()).toBe(false);
  await until(what, async () => healed(), 10_000);
  const ms = Math.round(performance.now() - t0);
  latencies[what] = ms;
  // an event pass healed it, not a resync (300 s away) or a file change
  await until('the healing pass logged', async () =>
    passesDone()
      .slice(before)
      .some((l) => l.trigger === 'event' && l.result === 'applied'),
  );
  await quiet();
  const after = passesDone().slice(before);
  expect(after.every((l) => l.trigger === 'event')).toBe(true);
  // the heal's own changes echo back as events: at most one more pass, which finds nothing to do
  expect(after.length).toBeLessThanOrEqual(3);
  expect(after.at(-1)?.result).toBe('in-sync');
  return ms;
}

/** no pass for a second (the echo of the last pass's own changes is done) */
const quiet = () =>
  until('a quiet kernel', async () => {
    const n = passesDone().length;
    await new Promise((r) => setTimeout(r, 1000));
    return passesDone().length === n;
  });

beforeAll(async () => {
  sb = await createSandbox();
  work = await mkdtemp(join(tmpdir(), 'nk-watch-ev-'));
  const dir = join(work, 'networks.d');
  const runDir = join(work, 'run');
  await sb.exec('mkdir', ['-p', dir, runDir], { check: true });
  await writeFile(join(dir, 'network.yaml'), NETWORK);
  await writeFile(join(dir, 'a.yaml'), container('a', '10.78.0.10'));
  await writeFile(join(dir, 'b.yaml'), container('b', '10.78.0.11'));
  await writeFile(join(dir, 'c.yaml'), container('c', '10.78.0.12'));
  watcher = await sb.spawn(process.execPath, [CLI_PATH, 'reconcile', '--dir', dir, '--interval', '300', '--log-level', 'debug'], {
    env: { NETKEEPER_RUN_DIR: runDir },
  });
  await until('the first pass', async () => passesDone().length > 0, 60_000);
  // the echo of the first pass's own changes (one event pass over what it touched) settles
  await quiet();
}, 120_000);

afterAll(async () => {
  await watcher?.kill();
  await sb?.destroy();
  await rm(work, { recursive: true, force: true });
  console.log(`drift → healed (ms): ${JSON.stringify(latencies)}`);
});

describe('watch mode: drift healed from kernel events', () => {
  it('a flushed address inside a container is back within ~1 s, from an event pass that read that namespace only', async () => {
    const ms = await heal(
      'flushed address',
      () => sb.exec('ip', ['-n', 'a', 'addr', 'flush', 'dev', 'eth0'], { check: true }),
      async () => (await addrs('a')).includes('10.78.0.10/24'),
    );
    expect(ms).toBeLessThan(5000); // the resync is 300 s away; ~0.2-1 s measured
    const read = logLines().filter((l) => l.msg === 'namespaces to read' && l.full === false && (l.dirty as number) >= 1);
    expect(read.length).toBeGreaterThan(0);
    // the other containers' reads were reused, not read again
    expect(read.some((l) => (l.reused as number) >= 2)).toBe(true);
    expect(await sb.ping('b', '10.78.0.10')).toBe(true);
  });

  it('a deleted veth is made again', async () => {
    await heal(
      'deleted veth',
      () => sb.exec('ip', ['-n', 'b', 'link', 'del', 'eth0'], { check: true }),
      async () => (await addrs('b')).includes('10.78.0.11/24'),
    );
    expect(await sb.ping('a', '10.78.0.11')).toBe(true);
  });

  it('a deleted default route is back', async () => {
    const route = await defaultRoute('c');
    expect(route).toMatch(/^default via/);
    await heal(
      'deleted route',
      () => sb.exec('ip', ['-n', 'c', 'route', 'del', 'default'], { check: true }),
      async () => (await defaultRoute('c')) === route,
    );
  });

  it("a foreign namespace's events start no pass and it is left alone", async () => {
    await sb.sh('ip netns add foreign && ip netns set foreign auto && ip -n foreign link set lo up', { check: true });
    await quiet();
    const before = passesDone().length;
    await sb.sh('ip -n foreign addr add 10.99.0.1/32 dev lo && ip -n foreign route add 10.98.0.0/24 dev lo && ip -n foreign addr flush dev lo', {
      check: true,
    });
    await sb.sh('ip -n foreign addr add 10.99.0.2/32 dev lo', { check: true });
    await new Promise((r) => setTimeout(r, 1500));
    expect(passesDone().slice(before)).toEqual([]);
    const ids = (await sb.exec('ip', ['netns', 'list-id'])).stdout;
    expect(ids).toMatch(/foreign/); // it has an id: its events did reach the watcher
    expect((await sb.exec('ip', ['-n', 'foreign', '-br', 'addr', 'show', 'dev', 'lo'])).stdout).toMatch(/10\.99\.0\.2\/32/);
  });

  it('SIGHUP reads every namespace', async () => {
    const before = logLines().length;
    process.kill(watcher!.pid, 'SIGHUP');
    const read = await until('a full read', async () =>
      logLines()
        .slice(before)
        .find((l) => l.msg === 'namespaces to read' && l.full === true),
    );
    expect(read).toBeDefined();
    await until('the signal pass done', async () =>
      logLines()
        .slice(before)
        .some((l) => l.msg === 'pass done' && l.trigger === 'signal' && l.result === 'in-sync'),
    );
  });
});
