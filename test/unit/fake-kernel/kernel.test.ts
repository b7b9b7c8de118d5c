// The fake kernel's command side: batch errors in the format apply.ts reads, the
// cascades of the real kernel, iptables-restore transactions, and fault injection.

import { describe, expect, it } from 'vitest';
import { FakeKernel, FakeKilled } from '../../helpers/fake-kernel/index.js';
import { applyProgram, batchErrors } from '../../../src/shell/apply/index.js';
import { flushConntrack, readIptables } from '../../../src/shell/apply/iptables.js';
import type { Program } from '../../../src/render/index.js';

const program = (p: Partial<Program>): Program => ({
  nsPre: new Map(),
  host: [],
  mounts: [],
  nsPost: new Map(),
  bridge: new Map(),
  sysctls: [],
  files: [],
  dirs: [],
  nsPaths: {},
  brNetfilter: false,
  iptables: [],
  iptablesKeys: [],
  conntrack: [],
  ...p,
});

describe('fake kernel: ip -force -batch', () => {
  it('reports each failed line as iproute2 does, and goes on with the next', async () => {
    const k = new FakeKernel();
    const input = 'link add name br0 type bridge\nlink add name br0 type bridge\nlink set dev nosuch up\nlink set dev br0 up\n';
    const r = await k.run('ip', ['-force', '-batch', '-'], { input, allowFail: true });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('RTNETLINK answers: File exists\nCommand failed -:2\nCannot find device "nosuch"\nCommand failed -:3\n');
    expect([...batchErrors(r.stderr)]).toEqual([
      [2, 'RTNETLINK answers: File exists'],
      [3, 'Cannot find device "nosuch"'],
    ]);
    expect(k.state.host.byName('br0')?.up).toBe(true);
  });

  it('without -force stops at the first failure; an argument it cannot parse aborts the batch with exit 255', async () => {
    const k = new FakeKernel();
    const stop = await k.run('ip', ['-batch', '-'], { input: 'link set dev nosuch up\nlink add name br0 type bridge\n', allowFail: true });
    expect(stop.exitCode).toBe(1);
    expect(k.state.host.byName('br0')).toBeUndefined();
    const abort = await k.run('ip', ['-force', '-batch', '-'], {
      input: 'link add name br0 type bridge\nlink add name v0 type veth peer name eth0 netns /run/netns/nope\nlink add name br1 type bridge\n',
      allowFail: true,
    });
    expect(abort.exitCode).toBe(255);
    expect(abort.stderr).toContain('Invalid "netns" value');
    expect(k.state.host.byName('br1')).toBeUndefined();
  });

  it('a route needs its gateway on a connected or device route (routers must be ordered)', () => {
    const k = new FakeKernel();
    k.ip('host', 'netns add r');
    expect(() => k.ip('r', 'route replace 10.9.0.0/16 via 10.1.1.2 proto 77')).toThrow('Nexthop has invalid gateway');
    k.ip('r', 'link add name p0 type dummy', 'link set dev p0 up', 'route replace 10.1.1.2 dev p0 proto 77', 'route replace 10.9.0.0/16 via 10.1.1.2 proto 77');
    expect(k.nsByName('r').routes.map((x) => `${x.dst} ${x.gateway ?? ''} ${x.dev}`)).toEqual(['10.1.1.2  p0', '10.9.0.0/16 10.1.1.2 p0']);
  });

  it('netns delete destroys the namespace with its links; a veth end in the host goes with its peer', () => {
    const k = new FakeKernel();
    k.ip(
      'host',
      'netns add web',
      'link add name vh type veth peer name eth0 netns /run/netns/web',
      'link add name br0 type bridge',
      'link set dev vh master br0 up',
    );
    expect(k.nsByName('web').byName('eth0')?.peer?.ifname).toBe('vh');
    k.ip('host', 'netns delete web');
    expect(k.state.host.byName('vh')).toBeUndefined();
    expect(() => k.nsByName('web')).toThrow();
    expect(k.fs.readdir('/run/netns')).toEqual([]);
  });
});

describe('fake kernel: through src/shell', () => {
  it('applyProgram: a fault on line 2 of the batch in namespace web fails exactly that change', async () => {
    const k = new FakeKernel();
    k.ip('host', 'netns add web');
    k.faults.failLine({ ns: 'web', line: 2, error: 'Error: Nexthop has invalid gateway.' });
    const nsPost = new Map([
      [
        'web',
        [
          { text: 'link set dev lo alias nk:netns up', key: 'link:web/lo' },
          { text: 'addr replace 10.10.10.1/32 dev lo label lo:nk', key: 'addr:web/lo/10.10.10.1/32' },
          { text: 'route replace 10.2.0.0/16 dev lo proto 77', key: 'route:web/10.2.0.0/16' },
        ],
      ],
    ]);
    const r = await applyProgram(program({ nsPost }), { runner: k });
    expect(r.failed).toEqual([
      {
        kind: 'batch',
        key: 'addr:web/lo/10.10.10.1/32',
        command: '[web] ip addr replace 10.10.10.1/32 dev lo label lo:nk',
        error: 'Error: Nexthop has invalid gateway.',
        argv: ['nsenter', '--net=/run/netns/web', 'ip', '-force', '-batch', '-'],
        exitCode: 1,
        stderr: 'Error: Nexthop has invalid gateway.\nCommand failed -:2',
        line: 2,
      },
    ]);
    expect(r.done.sort()).toEqual(['link:web/lo', 'route:web/10.2.0.0/16']);
  });

  it("applyProgram: a namespace that cannot be entered fails every line of its batch with nsenter's message", async () => {
    const k = new FakeKernel();
    const nsPost = new Map([['gone', [{ text: 'link set dev lo up', key: 'link:gone/lo' }]]]);
    const r = await applyProgram(program({ nsPost }), { runner: k });
    expect(r.failed).toEqual([
      {
        kind: 'batch',
        key: 'link:gone/lo',
        command: 'link set dev lo up',
        error: 'nsenter: cannot open /run/netns/gone: No such file or directory',
        argv: ['nsenter', '--net=/run/netns/gone', 'ip', '-force', '-batch', '-'],
        exitCode: 1,
        stderr: 'nsenter: cannot open /run/netns/gone: No such file or directory',
      },
    ]);
  });

  it('iptables-restore --noflush: a declared chain is flushed, a failing line leaves its table as it was; iptables-save reads back', async () => {
    const k = new FakeKernel();
    const ok = await k.run('iptables-restore', ['--noflush', '-w', '5'], {
      input:
        '*nat\n:NK-POSTROUTING - [0:0]\n-A NK-POSTROUTING -o eth0 -j MASQUERADE\n-A POSTROUTING -m comment --comment netkeeper -j NK-POSTROUTING\nCOMMIT\n',
    });
    expect(ok.exitCode).toBe(0);
    const bad = await k.run('iptables-restore', ['--noflush'], { input: '*nat\n:NK-POSTROUTING - [0:0]\n-D POSTROUTING -j NOPE\nCOMMIT\n', allowFail: true });
    expect(bad).toEqual({ stdout: '', stderr: 'iptables-restore: line 3 failed: Bad rule (does a matching rule exist in that chain?).\n', exitCode: 1 });
    const read = await readIptables(k, { name: 'host' }, ['ipv4']);
    expect(read.find((r) => r.key === 'chain:host/nat/NK-POSTROUTING')).toMatchObject({ rules: ['-o eth0 -j MASQUERADE'], owned: true });
    expect(read.find((r) => r.kind === 'hook')).toMatchObject({ chain: 'POSTROUTING', rule: '-m comment --comment netkeeper -j NK-POSTROUTING' });
  });

  it('conntrack -D deletes nothing (exit 1, "0 flow entries"), as on a host without such flows', async () => {
    const k = new FakeKernel();
    expect(await flushConntrack(k, [{ port: 5353 }])).toBe(0);
    k.conntrackEntries = 2;
    expect(await flushConntrack(k, [{ port: 5353 }])).toBe(2);
  });

  it('faults: a command exits 1 with the given stderr; a kill stops the batch part-way and rejects the run', async () => {
    const k = new FakeKernel();
    k.faults.failCommand({ match: 'iptables-restore', stderr: 'iptables-restore: line 1 failed\n' });
    await expect(k.run('iptables-restore', ['--noflush'], { input: '' })).rejects.toThrow(/exit code 1: iptables-restore: line 1 failed/);
    expect((await k.run('iptables-restore', ['--noflush'], { input: '' })).exitCode).toBe(0);
    k.faults.killIn({ ns: 'host', afterLines: 1 });
    await expect(k.run('ip', ['-force', '-batch', '-'], { input: 'link add name a type dummy\nlink add name b type dummy\n' })).rejects.toBeInstanceOf(
      FakeKilled,
    );
    expect(k.state.host.byName('a')).toBeDefined();
    expect(k.state.host.byName('b')).toBeUndefined();
  });

  it('a command it does not model exits 127', async () => {
    const k = new FakeKernel();
    expect((await k.run('tc', ['qdisc'], { allowFail: true })).exitCode).toBe(127);
  });
});
