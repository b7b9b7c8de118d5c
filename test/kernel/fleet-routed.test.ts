// A routed overlay (Network `fabric: routed`) across a fleet: one etcd member (Debian's
// etcd-server) in its own nested host, three nested hosts each running a watcher over
// its OWN directory (the shared network definition, its own Host, its own containers).
// Each host claims a per-host subnet in the store; each host holds exactly one route,
// one neighbour and one FDB entry per other host, whatever the containers.
// Slow: it starts etcd and waits out a lease; listed in the README's slow files.
//
// Skipped, with the reason printed, when etcd cannot be started.

import { afterAll, beforeAll, describe, expect } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { machinesOnLan, waitFor, skippableIt, addressOf as helperAddressOf } from '../helpers/fleet.js';
import { createSandbox, CLI_PATH, type Background, type Machine, type Sandbox } from '../helpers/sandbox.js';

const NODES = { 'node-a': '192.168.61.1', 'node-b': '192.168.61.2', 'node-c': '192.168.61.3' } as const;
type Node = keyof typeof NODES;
const ETCD_IP = '192.168.61.11';
const ENDPOINT = `${ETCD_IP}:2379`;
const TTL = 4;

const NETWORK = `kind: Network
name: ov
driver: overlay
vni: 4500
fabric: routed
hostSubnetSize: 24
subnets:
  - subnet: 10.62.0.0/16
---
kind: Settings
store:
  etcd:
    endpoints: ["http://${ENDPOINT}"]
    prefix: /rfleet
    ttl: ${TTL}
`;

let sb: Sandbox;
let root: string;
let skipReason: string | undefined;
const H = {} as Record<Node | 'etcd', Machine>;
let etcd: Background | undefined;
const watchers = {} as Partial<Record<Node, Background>>;
const figures: string[] = [];

const dirOf = (n: Node) => join(root, n);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startWatcher(n: Node): Promise<Background> {
  return H[n].spawn(process.execPath, [CLI_PATH, 'reconcile', '--dir', dirOf(n), '--host', n, '--interval', '30', '--log-level', 'debug']);
}

function addContainer(n: Node, name: string): void {
  writeFileSync(join(dirOf(n), `${name}.yaml`), `kind: Container\nname: ${name}\nnetworks:\n  - network: ov\n`);
}

const addressOf = (n: Node, name: string) => helperAddressOf(H[n], name);

/** What a host holds for the overlay: netkeeper's routes into vx-ov, permanent neighbours and FDB entries on it. */
async function fabric(n: Node): Promise<{ routes: string[]; neigh: string[]; fdb: string[] }> {
  const [r, ne, f] = await Promise.all([
    H[n].exec('ip', ['-j', 'route', 'show', 'dev', 'vx-ov', 'proto', '77']),
    H[n].exec('ip', ['-j', 'neigh', 'show', 'dev', 'vx-ov', 'nud', 'permanent']),
    H[n].exec('bridge', ['-j', 'fdb', 'show', 'dev', 'vx-ov']),
  ]);
  const j = <T>(s: string): T[] => JSON.parse(s || '[]') as T[];
  return {
    routes: j<{ dst: string; gateway?: string; flags?: string[] }>(r.stdout)
      .map((x) => `${x.dst} via ${x.gateway}${x.flags?.includes('onlink') ? ' onlink' : ''}`)
      .sort(),
    neigh: j<{ dst: string; lladdr: string }>(ne.stdout)
      .map((x) => `${x.dst} ${x.lladdr}`)
      .sort(),
    fdb: j<{ mac: string; dst?: string }>(f.stdout)
      .filter((x) => x.dst)
      .map((x) => `${x.mac} ${x.dst}`)
      .sort(),
  };
}

async function etcdctl(args: string[]) {
  return sb.exec('etcdctl', [`--endpoints=${ENDPOINT}`, '--command-timeout=2s', ...args], { env: { ETCDCTL_API: '3' } });
}

/** The store's subnet claims: host → subnet. */
async function subnets(): Promise<Record<string, string>> {
  const r = await etcdctl(['get', '--prefix', '/rfleet/subnets/']);
  const lines = r.stdout.split('\n').filter(Boolean);
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < lines.length; i += 2) out[(JSON.parse(lines[i + 1]) as { host: string }).host] = lines[i].split('/').pop()!.replace('-', '/');
  return out;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'nk-rfleet-'));
  sb = await createSandbox();
  Object.assign(H, await machinesOnLan(sb, { ...NODES, etcd: ETCD_IP }, '192.168.61.254'));
  const which = await sb.exec('sh', ['-c', 'command -v etcd && command -v etcdctl']);
  if (which.exitCode !== 0) {
    skipReason = 'etcd/etcdctl not installed (apt-get install etcd-server etcd-client; scripts/setup.sh --tests does)';
    return;
  }
  etcd = await H.etcd.spawn('etcd', [
    '--data-dir',
    join(root, 'etcd'),
    '--listen-client-urls',
    `http://${ETCD_IP}:2379`,
    '--advertise-client-urls',
    `http://${ETCD_IP}:2379`,
    '--listen-peer-urls',
    `http://127.0.0.1:2380`,
    '--log-level',
    'warn',
  ]);
  try {
    await waitFor('etcd to be healthy', async () => (await etcdctl(['endpoint', 'health'])).exitCode === 0, 20_000, 300);
  } catch (e) {
    skipReason = `etcd did not start: ${(e as Error).message}\n${etcd.output().slice(-800)}`;
    return;
  }
  for (const n of Object.keys(NODES) as Node[]) {
    mkdirSync(dirOf(n));
    writeFileSync(join(dirOf(n), 'network.yaml'), NETWORK); // the only file every host shares
    writeFileSync(join(dirOf(n), 'host.yaml'), `kind: Host\nname: ${n}\naddress: ${NODES[n]}\n`);
  }
  addContainer('node-a', 'web');
  addContainer('node-a', 'web2');
  addContainer('node-b', 'api');
  addContainer('node-c', 'db');
  for (const n of Object.keys(NODES) as Node[]) watchers[n] = await startWatcher(n);
}, 120_000);

afterAll(async () => {
  if (skipReason) console.log(`fleet-routed.test.ts skipped: ${skipReason}`);
  if (figures.length) console.log(`fleet-routed figures:\n  ${figures.join('\n  ')}`);
  for (const [n, w] of Object.entries(watchers)) {
    if (process.env.NK_FLEET_LOGS) writeFileSync(join(process.env.NK_FLEET_LOGS, `routed-${n}.log`), w?.output() ?? '');
    await w?.kill();
  }
  await etcd?.kill();
  await sb?.destroy();
  if (root) rmSync(root, { recursive: true, force: true });
});

const t = skippableIt(() => skipReason, 60_000);

describe('routed overlay through etcd: a per-host subnet, one route + neighbour + FDB entry per remote host', () => {
  const ip: Record<string, string> = {};
  let sub: Record<string, string> = {};

  t(
    'each host claims its own subnet; containers on different hosts reach each other (ping and TCP), routed not masqueraded',
    async () => {
      for (const [n, c] of [
        ['node-a', 'web'],
        ['node-a', 'web2'],
        ['node-b', 'api'],
        ['node-c', 'db'],
      ] as const) {
        ip[c] = await waitFor(`${c} on ${n}`, () => addressOf(n, c), 40_000, 200);
      }
      sub = await subnets();
      expect(Object.keys(sub).sort()).toEqual(['node-a', 'node-b', 'node-c']);
      expect(new Set(Object.values(sub)).size).toBe(3);
      for (const s of Object.values(sub)) expect(s).toMatch(/^10\.62\.\d+\.0\/24$/);
      // local IPAM: each container's address is in its own host's subnet
      const inSub = (a: string, s: string) => a.split('.').slice(0, 3).join('.') === s.split('.').slice(0, 3).join('.');
      expect(inSub(ip.web, sub['node-a']) && inSub(ip.web2, sub['node-a']) && inSub(ip.api, sub['node-b']) && inSub(ip.db, sub['node-c'])).toBe(true);
      await waitFor('web → api', () => H['node-a'].ping('web', ip.api, { timeoutMs: 1000 }), 30_000, 200);
      await waitFor('web → db', () => H['node-a'].ping('web', ip.db, { timeoutMs: 1000 }), 30_000, 200);
      await waitFor('db → api', () => H['node-c'].ping('db', ip.api, { timeoutMs: 1000 }), 30_000, 200);
      const srv = await H['node-b'].tcpServer('api', 8080, { label: 'api' });
      try {
        // the server sees the client's own address: routed, not masqueraded
        expect(await H['node-a'].tcpConnect('web', ip.api, 8080)).toMatchObject({ ok: true, server: 'api', peer: ip.web });
        expect(await H['node-c'].tcpConnect('db', ip.api, 8080)).toMatchObject({ ok: true, server: 'api', peer: ip.db });
      } finally {
        await srv.kill();
      }
      // the store holds three hosts and three subnets, and no per-container claims
      const keys = (await etcdctl(['get', '--prefix', '/rfleet/', '--keys-only'])).stdout.split('\n').filter(Boolean);
      expect(keys.filter((k) => k.startsWith('/rfleet/claims/'))).toEqual([]);
    },
    150_000,
  );

  t(
    'each host holds exactly one route, one neighbour and one FDB entry per remote host, and a second pass plans nothing',
    async () => {
      for (const n of Object.keys(NODES) as Node[]) {
        const f = await waitFor(
          `${n}'s fabric`,
          async () => {
            const x = await fabric(n);
            return x.routes.length === 2 && x.neigh.length === 2 && x.fdb.length === 2 && x;
          },
          20_000,
          200,
        );
        const others = (Object.keys(NODES) as Node[]).filter((o) => o !== n);
        expect(f.routes).toEqual(others.map((o) => `${sub[o]} via ${sub[o].split('/')[0]} onlink`).sort());
        expect(f.fdb.map((e) => e.split(' ')[1]).sort()).toEqual(others.map((o) => NODES[o]).sort());
        // the neighbour entries name the same VTEP MACs as the FDB entries
        expect(f.neigh.map((e) => e.split(' ')[1]).sort()).toEqual(f.fdb.map((e) => e.split(' ')[0]).sort());
      }
      // the VXLAN device is not a bridge port
      const vx = await H['node-a'].exec('ip', ['-j', '-d', 'link', 'show', 'vx-ov']);
      expect(JSON.parse(vx.stdout)[0].master).toBeUndefined();
      // a full pass (SIGHUP) on node-b changes nothing
      const w = watchers['node-b']!;
      const passes = () =>
        w
          .output()
          .split('\n')
          .filter((l) => l.includes('"pass done"') && l.includes('"trigger":"signal"'))
          .map((l) => JSON.parse(l) as { result: string; keys: string[] });
      await sb.exec('kill', ['-HUP', String(w.pid)]);
      const pass = await waitFor('the SIGHUP pass', async () => passes()[0], 20_000, 100);
      expect(pass.result, JSON.stringify(pass)).toBe('in-sync');
      expect(pass.keys).toEqual([]);
    },
    60_000,
  );

  t(
    'a new container on one host is reachable from another; no remote host programs anything for it',
    async () => {
      const before = await fabric('node-a');
      const t0 = Date.now();
      addContainer('node-b', 'cache');
      ip.cache = await waitFor('cache on node-b', () => addressOf('node-b', 'cache'), 20_000, 50);
      await waitFor('web → cache', () => H['node-a'].ping('web', ip.cache, { timeoutMs: 1000 }), 20_000, 50);
      figures.push(`container added on node-b → reachable from node-a: ${Date.now() - t0} ms (only node-b runs a pass that matters)`);
      expect(await fabric('node-a')).toEqual(before);
    },
    60_000,
  );

  t(
    'a watcher restarted keeps its subnet and its containers their addresses',
    async () => {
      await watchers['node-b']!.kill();
      watchers['node-b'] = await startWatcher('node-b');
      await waitFor('node-b in sync again', async () => /"result":"(in-sync|applied)".*"pass done"/.test(watchers['node-b']!.output()), 30_000, 100);
      expect((await subnets())['node-b']).toBe(sub['node-b']);
      expect(await addressOf('node-b', 'api')).toBe(ip.api);
      expect(await H['node-a'].ping('web', ip.api)).toBe(true);
    },
    60_000,
  );

  t(
    'a host killed with SIGKILL vanishes from the others within its lease TTL; the others keep reaching each other',
    async () => {
      const t0 = Date.now();
      await sb.exec('kill', ['-KILL', String(watchers['node-c']!.pid)]);
      watchers['node-c'] = undefined;
      await waitFor(
        'node-c gone from node-a',
        async () => {
          const f = await fabric('node-a');
          return f.routes.length === 1 && f.neigh.length === 1 && f.fdb.length === 1 && !f.fdb.some((e) => e.endsWith(NODES['node-c']));
        },
        (TTL + 10) * 1000,
        200,
      );
      const ms = Date.now() - t0;
      figures.push(`host SIGKILLed → its route, neighbour and FDB entry gone from another host: ${ms} ms (TTL ${TTL} s)`);
      expect(ms).toBeLessThan((TTL + 4) * 1000);
      expect((await fabric('node-a')).routes).toEqual([`${sub['node-b']} via ${sub['node-b'].split('/')[0]} onlink`]);
      expect(await H['node-a'].ping('web', ip.api)).toBe(true);
    },
    60_000,
  );

  t(
    'the store unreachable for longer than a lease: the last known entries stay and traffic flows',
    async () => {
      const before = await fabric('node-a');
      await etcd!.kill();
      etcd = undefined;
      const t0 = Date.now();
      // a pass during the outage (the resync interval is 30 s here): it keeps the last membership read
      await sb.exec('kill', ['-HUP', String(watchers['node-a']!.pid)]);
      await waitFor('node-a finds the store unreachable', async () => /store: unreachable/.test(watchers['node-a']!.output()), 20_000, 100);
      // proving that nothing is removed takes waiting past the TTL
      await sleep(Math.max(0, (TTL + 2) * 1000 - (Date.now() - t0)));
      expect(await fabric('node-a')).toEqual(before);
      expect(await H['node-a'].ping('web', ip.api)).toBe(true);
      expect(await H['node-b'].ping('api', ip.web2)).toBe(true);
    },
    60_000,
  );
});
