// assembleObserved and observe() on captured outputs: the whole pass without a kernel.

import { describe, expect, it } from 'vitest';
import type { LinkRes, NetnsRes, Resource } from '../../../src/model/resources.js';
import { HOST_BATCH, IP_BATCH_ARGS, NS_BATCH, batchInput } from '../../../src/observe/batch.js';
import type { EtcNetnsFile } from '../../../src/observe/files.js';
import { assembleObserved, type NsCapture } from '../../../src/observe/observed.js';
import { observe } from '../../../src/shell/observe/kernel.js';
import type { ObserveFs } from '../../../src/shell/host-fs.js';
import { countingRunner, type RunResult, type Runner } from '../../../src/shell/runner.js';
import { fixture, fixtureJson } from './fixtures.js';

const ns = (name: string): NsCapture => ({ name, path: `/run/netns/${name}`, origin: 'named', batch: fixture(`ns_${name}_batch.txt`) });

function capture() {
  return {
    hostBatch: fixture('host_batch.txt'),
    fdb: { devs: ['vx-nk'], stdout: fixture('fdb_batch.txt') },
    namespaces: [ns('foreign'), ns('r1'), ns('r2'), ns('web'), { name: 'side', path: '/run/netns/side', origin: 'shared', sharedWith: 'web' } as NsCapture],
    files: fixtureJson<EtcNetnsFile[]>('etc_netns.json'),
    resolvConf: 'nameserver 192.0.2.53\n',
    hostname: 'node-a',
  };
}

const get = <T extends Resource>(m: Map<string, Resource>, k: string) => {
  const r = m.get(k);
  if (!r) throw new Error(`no ${k} in ${[...m.keys()].join(', ')}`);
  return r as T;
};

describe('assembleObserved', () => {
  const o = assembleObserved(capture());
  const R = o.resources;

  it('namespaces: owned by the lo alias, shared by inode, foreign ones unowned', () => {
    expect(get<NetnsRes>(R, 'netns:web')).toEqual({
      kind: 'netns',
      key: 'netns:web',
      ns: 'web',
      owned: true,
      name: 'web',
      origin: 'named',
      path: '/run/netns/web',
    });
    expect(get<NetnsRes>(R, 'netns:side')).toMatchObject({ origin: 'shared', sharedWith: 'web', owned: true });
    expect(get<NetnsRes>(R, 'netns:foreign').owned).toBe(false);
    expect(get<NetnsRes>(R, 'netns:r1').owned).toBe(true);
    // a shared namespace is observed once, under its primary
    expect([...R.keys()].some((k) => k.startsWith('link:side/'))).toBe(false);
  });

  it('veth peers are resolved across namespaces', () => {
    expect(get<LinkRes>(R, 'link:host/vh-web').peer).toEqual({ ns: 'web', ifname: 'eth0' });
    expect(get<LinkRes>(R, 'link:web/eth0').peer).toEqual({ ns: 'host', ifname: 'vh-web' });
    expect(get<LinkRes>(R, 'link:host/fh0').peer).toEqual({ ns: 'foreign', ifname: 'eth0' });
    expect(get<LinkRes>(R, 'link:foreign/eth0').peer).toEqual({ ns: 'host', ifname: 'fh0' });
    expect(get<LinkRes>(R, 'link:r1/p2p0').peer).toEqual({ ns: 'r2', ifname: 'p2p0' });
    expect(get<LinkRes>(R, 'link:r2/p2p0').peer).toEqual({ ns: 'r1', ifname: 'p2p0' });
  });

  it('a macvlan moved into a namespace finds its parent in the host', () => {
    expect(get<LinkRes>(R, 'link:web/mv1').macvlan).toEqual({ parent: 'up0', mode: 'private' });
  });

  it('ownership of addresses, routes, neighbours, fdb, sysctls and files', () => {
    const owned = (k: string) => get(R, k).owned;
    expect(owned('addr:web/eth0/172.18.0.10/24')).toBe(true);
    expect(owned('addr:web/lo/10.10.10.1/32')).toBe(true);
    expect(owned('addr:foreign/eth0/10.50.0.2/16')).toBe(false);
    expect(owned('addr:host/br-nk/172.18.0.1/24')).toBe(true);
    expect(owned('addr:host/br-foreign/10.50.0.1/16')).toBe(false);
    expect(owned('route:web/default')).toBe(true);
    expect(owned('route:web/default6')).toBe(true);
    expect(owned('route:host/10.78.0.1/32')).toBe(true);
    // the foreign namespace's own route (not proto 77) is not observed at all
    expect(R.has('route:foreign/10.99.0.0/16')).toBe(false);
    expect(owned('neigh:host/br-nk/172.18.0.99')).toBe(true);
    expect(owned('fdb:host/vx-nk/02:42:ac:12:00:63/192.0.2.10')).toBe(true);
    expect(get(R, 'sysctl:r1/net.ipv4.ip_forward')).toMatchObject({ value: '1', owned: true });
    expect(get(R, 'sysctl:host/net.ipv4.ip_forward')).toMatchObject({ value: '1' });
    expect(owned('file:/etc/netns/web/hosts')).toBe(true);
    expect(owned('file:/etc/netns/foreign/resolv.conf')).toBe(false);
  });

  it('host facts', () => {
    expect(o.facts.hostname).toBe('node-a');
    expect(o.facts.resolvConf).toBe('nameserver 192.0.2.53\n');
    expect(o.facts.foreignRoutes.sort()).toEqual(['10.50.0.0/16', '10.88.0.0/16']);
    expect(o.facts.linkMtu).toMatchObject({ 'br-nk': 1450, 'br-foreign': 1500, up0: 1500, lo: 65536 });
  });

  it('a namespace that could not be entered is reported, unowned and empty', () => {
    const c = capture();
    c.namespaces.push({ name: 'stale', path: '/run/netns/stale', origin: 'named', error: 'nsenter: reassociate failed' });
    const r = assembleObserved(c).resources;
    expect(get<NetnsRes>(r, 'netns:stale')).toMatchObject({ owned: false, origin: 'named' });
    expect([...r.keys()].filter((k) => k.includes(':stale/'))).toEqual([]);
  });

  it('an adopted namespace is owned (by the config) but its addresses only on owned links', () => {
    const c = capture();
    c.namespaces = c.namespaces.map((n) => (n.name === 'web' ? { ...n, origin: 'adopted' as const, path: '/proc/42/ns/net' } : n));
    c.namespaces = c.namespaces.filter((n) => n.name !== 'side');
    const r = assembleObserved(c).resources;
    expect(get<NetnsRes>(r, 'netns:web')).toMatchObject({ origin: 'adopted', owned: true, path: '/proc/42/ns/net' });
    expect(get(r, 'addr:web/eth0/172.18.0.10/24').owned).toBe(true); // eth0 carries an nk: alias
    expect(get(r, 'neigh:host/br-nk/172.18.0.99').owned).toBe(true);
  });
});

/** A runner answering from captured files, as the kernel did in the sandbox. */
function fakeKernel(extra: Record<string, RunResult> = {}): Runner {
  const self: Runner = {
    async run(cmd, args, opts) {
      if (cmd === 'sh' && args.join(' ') === '-s') return shellWorker(opts?.input ?? '', self);
      const line = [cmd, ...args].join(' ');
      if (extra[line]) return extra[line];
      const ok = (stdout: string) => ({ stdout, stderr: '', exitCode: 0 });
      if (line === `ip ${IP_BATCH_ARGS.join(' ')}`) {
        expect(opts?.input).toBe(batchInput(HOST_BATCH));
        return ok(fixture('host_batch.txt'));
      }
      const m = /^nsenter --net=\/run\/netns\/(\S+) ip (.*)$/.exec(line);
      if (m && m[2] === IP_BATCH_ARGS.join(' ')) {
        expect(opts?.input).toBe(batchInput(NS_BATCH));
        return ok(fixture(`ns_${m[1] === 'side' ? 'web' : m[1]}_batch.txt`));
      }
      if (line === 'bridge -j -batch -') {
        expect(opts?.input).toBe('fdb show dev vx-nk\n');
        return ok(fixture('fdb_batch.txt'));
      }
      throw new Error(`unexpected command: ${line}`);
    },
  };
  return self;
}

/**
 * What `sh -s` does with a worker script of src/shell/ns-batches.ts: run each
 * `nsenter … <<'DELIM'` with its here-document as input, between the markers.
 */
async function shellWorker(script: string, kernel: Runner): Promise<RunResult> {
  const lines = script.split('\n');
  let stdout = '';
  let stderr = '';
  for (let i = 0; i < lines.length; i++) {
    const mark = /^echo '(@@nk-batch \d+)'; echo '@@nk-batch \d+' >&2$/.exec(lines[i]);
    if (mark) {
      stdout += `${mark[1]}\n`;
      stderr += `${mark[1]}\n`;
      continue;
    }
    const m = /^nsenter --net='([^']+)' (ip|bridge) (.*) -batch - <<'(\S+)'$/.exec(lines[i]);
    if (!m) continue;
    const body: string[] = [];
    while (lines[++i] !== m[4]) body.push(lines[i]);
    const flags = m[3].split(' ').map((f) => f.replace(/^'|'$/g, ''));
    const r = await kernel.run('nsenter', [`--net=${m[1]}`, m[2], ...flags, '-batch', '-'], { input: body.join('\n') + '\n' });
    stdout += r.stdout;
    stderr += r.stderr;
    const rc = /^rc=\$\?; echo '(@@nk-batch-rc \d+)' \$rc$/.exec(lines[++i]);
    stdout += `${rc![1]} ${r.exitCode}\n`;
  }
  return { stdout, stderr, exitCode: 0 };
}

/** The namespaces a runner's shell workers entered, from their scripts. */
function entered(calls: { args: string[]; input?: string }[]): string[] {
  return calls.flatMap((c) => [...(c.input ?? '').matchAll(/^nsenter --net='([^']+)'/gm)].map((m) => `--net=${m[1]}`)).sort();
}

function fakeFs(): ObserveFs {
  const stats = new Map(
    fixture('netns_stat.txt')
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .map(([n, d, i]) => [`/run/netns/${n}`, { dev: Number(d), ino: Number(i) }]),
  );
  const files = new Map(fixtureJson<EtcNetnsFile[]>('etc_netns.json').map((f) => [f.path, f.content]));
  files.set('/etc/resolv.conf', 'nameserver 9.9.9.9\n');
  return {
    readFile: async (p) => files.get(p),
    readdir: async (p) => {
      if (p === '/run/netns') return [...stats.keys()].map((k) => k.slice('/run/netns/'.length));
      if (p === '/etc/netns') return ['foreign', 'web'];
      return [];
    },
    stat: async (p) => stats.get(p),
  };
}

describe('observe() with a captured kernel', () => {
  it('starts one host batch, one FDB batch and two shell workers that enter each namespace once, never `ip -n`', async () => {
    const inner = fakeKernel();
    const seen: { args: string[]; input?: string }[] = [];
    const runner = countingRunner({ run: (cmd, args, opts) => (seen.push({ args: [cmd, ...args], input: opts?.input }), inner.run(cmd, args, opts)) });
    const o = await observe(runner, { fs: fakeFs(), hostname: 'h', preferPrimary: ['web'], concurrency: 2 });
    // host batch + two workers (foreign, r1, r2, web; side shares web's namespace) + bridge fdb
    expect(runner.count()).toBe(4);
    expect(runner.calls.filter((c) => c[0] === 'sh')).toHaveLength(2);
    expect(runner.calls.some((c) => c.includes('-n'))).toBe(false);
    expect(entered(seen)).toEqual(['--net=/run/netns/foreign', '--net=/run/netns/r1', '--net=/run/netns/r2', '--net=/run/netns/web']);
    expect(o.resources.get('netns:side')).toMatchObject({ origin: 'shared', sharedWith: 'web', owned: true });
    expect(o.resources.get('link:host/vh-web')).toMatchObject({ peer: { ns: 'web', ifname: 'eth0' } });
    expect(o.facts.resolvConf).toBe('nameserver 9.9.9.9\n');
    expect(o.resources.get('file:/etc/netns/web/hosts')?.owned).toBe(true);
    // same result as the pure assembler on the same captures
    const pure = assembleObserved({ ...capture(), resolvConf: 'nameserver 9.9.9.9\n', hostname: 'h' });
    expect([...o.resources.keys()].sort()).toEqual([...pure.resources.keys()].sort());
  });

  it('reads no FDB when no owned vxlan exists', async () => {
    const hostNoVx = fixture('host_batch.txt').replace('"ifalias":"nk:vxlan:ov"', '"ifalias":"someone-elses"');
    const runner = countingRunner(fakeKernel({ [`ip ${IP_BATCH_ARGS.join(' ')}`]: { stdout: hostNoVx, stderr: '', exitCode: 0 } }));
    const o = await observe(runner, { fs: fakeFs(), hostname: 'h' });
    expect(runner.calls.some((c) => c[0] === 'bridge')).toBe(false);
    expect([...o.resources.keys()].some((k) => k.startsWith('fdb:'))).toBe(false);
  });

  it('a stale /run/netns entry is reported unowned; a failing ip batch is an error', async () => {
    const fs = fakeFs();
    const baseReaddir = fs.readdir;
    fs.readdir = async (p) => (p === '/run/netns' ? [...(await baseReaddir(p)), 'stale'] : baseReaddir(p));
    const baseStat = fs.stat;
    fs.stat = async (p) => (p === '/run/netns/stale' ? { dev: 30, ino: 7 } : baseStat(p));
    const stale = {
      [`nsenter --net=/run/netns/stale ip ${IP_BATCH_ARGS.join(' ')}`]: {
        stdout: '',
        stderr: "nsenter: reassociate to namespace 'ns/net' failed: Invalid argument\n",
        exitCode: 1,
      },
    };
    const o = await observe(fakeKernel(stale), { fs, hostname: 'h' });
    expect(o.resources.get('netns:stale')).toMatchObject({ owned: false, origin: 'named' });

    const broken = {
      [`nsenter --net=/run/netns/r1 ip ${IP_BATCH_ARGS.join(' ')}`]: { stdout: '[]\n', stderr: 'Error: something\n', exitCode: 1 },
    };
    await expect(observe(fakeKernel(broken), { fs: fakeFs(), hostname: 'h' })).rejects.toThrow(/exit code 1.*something/s);
  });

  it('adopted namespaces are entered by path; a missing path is left out', async () => {
    const runner = countingRunner(
      fakeKernel({
        [`nsenter --net=/proc/42/ns/net ip ${IP_BATCH_ARGS.join(' ')}`]: { stdout: fixture('ns_foreign_batch.txt'), stderr: '', exitCode: 0 },
      }),
    );
    const fs = fakeFs();
    const baseStat = fs.stat;
    fs.stat = async (p) => (p === '/proc/42/ns/net' ? { dev: 4, ino: 99 } : baseStat(p));
    const o = await observe(runner, {
      fs,
      hostname: 'h',
      extraNamespaces: [
        { name: 'db', path: '/proc/42/ns/net' },
        { name: 'gone', path: '/proc/43/ns/net' },
      ],
    });
    expect(o.resources.get('netns:db')).toMatchObject({ origin: 'adopted', owned: true, path: '/proc/42/ns/net' });
    expect(o.resources.get('addr:db/eth0/10.50.0.2/16')).toMatchObject({ owned: false });
    expect(o.resources.has('netns:gone')).toBe(false);
  });
});
