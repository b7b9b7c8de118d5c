// The netlink writer (one python3 process writes every namespace) against `nsenter ip
// -force -batch`, on a real kernel in the sandbox: the same lines in two namespaces made
// alike leave them alike, fail on the same lines with the same error text, go on after
// a failed line, and both give a read-back; a namespace that cannot be entered fails
// every line the same way; a line the writer does not know sends its namespace to ip.
// And apply's host batch in chunks, the namespaces written as their lines come in
// (src/shell/apply/host-waves.ts): real ip's failures reported as the one batch's.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Line } from '../../src/render/index.js';
import { runNsJobs, type BatchOutcome } from '../../src/shell/apply/batches.js';
import { applyProgram, type ApplyReport } from '../../src/shell/apply/index.js';
import { render } from '../../src/render/index.js';
import { memoryFs } from '../helpers/memory-fs.js';
import { netlinkWriter } from '../../src/shell/apply/nl-writer.js';
import { parseNsBatch } from '../../src/observe/observed.js';
import { countingRunner } from '../../src/shell/runner.js';
import { createSandbox, type Sandbox } from '../helpers/sandbox.js';

let sb: Sandbox;

const TEXTS = [
  'link set dev lo alias nk:netns up',
  'link set dev eth0 addrgenmode none',
  'link set dev eth0 mtu 1400 address 02:42:0a:58:00:0a alias nk:veth:x/y up',
  'addr replace 10.88.0.10/16 dev eth0',
  'addr replace 10.88.0.12/16 dev eth0',
  'addr replace 10.9.9.9/32 dev lo label lo:nk',
  'addr replace fd00:88::10/64 dev eth0 nodad',
  'route replace default via 10.88.0.1 dev eth0 proto 77',
  'route replace 10.2.0.0/16 via 10.99.0.1 dev eth0 proto 77 onlink',
  'route replace 10.3.0.0/16 dev eth0 proto 77',
  'route replace ::/0 via fd00:88::1 dev eth0 proto 77',
  'route replace 10.6.0.0/16 via 10.88.0.1 proto 77',
  'neigh replace 10.88.0.20 lladdr 02:42:0a:58:00:14 dev eth0 nud permanent',
  'neigh replace fd00:88::20 lladdr 02:42:0a:58:00:14 dev eth0 nud permanent',
  'link set dev eth1 master br0 up',
  'link set dev br0 up',
  // failures: an unknown device, the kernel's extended ack, plain errnos
  'addr replace 10.88.0.11/16 dev eth9',
  'route replace 10.4.0.0/16 via 10.77.0.1 dev eth0 proto 77',
  'route del 10.5.0.0/16 dev eth0 proto 77',
  'addr del 10.1.1.1/24 dev eth0',
  'neigh replace 10.88.0.21 lladdr 02:42:0a:58:00:15 dev eth9 nud permanent',
  'route replace 10.7.0.0/16 via 10.88.0.1 dev eth0 proto 77',
  'route replace 10.7.0.0/16 via 10.88.0.2 dev eth0 proto 77',
  // and on: undo some of it
  'link set dev eth2 nomaster',
  'link set dev eth2 down',
  'link del dev eth3',
  'route del 10.3.0.0/16 dev eth0 proto 77',
  'neigh del 10.88.0.20 dev eth0',
  'addr del 10.88.0.12/16 dev eth0',
  'link set dev eth0 addrgenmode eui64',
];
const lines = (ns: string): Line[] => TEXTS.map((text, i) => ({ text, key: `k${i + 1}:${ns}` }));
const CANNOT = TEXTS.indexOf('addr replace 10.88.0.11/16 dev eth9') + 1;

const setup = (ns: string) => `ip netns add ${ns}
ip -n ${ns} link add eth0 address 02:00:00:00:00:01 type veth peer name p0 address 02:00:00:00:01:01
ip -n ${ns} link add eth1 address 02:00:00:00:00:02 type veth peer name p1 address 02:00:00:00:01:02
ip -n ${ns} link add eth2 address 02:00:00:00:00:03 type veth peer name p2 address 02:00:00:00:01:03
ip -n ${ns} link add eth3 address 02:00:00:00:00:04 type veth peer name p3 address 02:00:00:00:01:04
ip -n ${ns} link add br0 address 02:00:00:00:00:05 type bridge
ip -n ${ns} link set eth2 master br0 up
ip -n ${ns} link set p0 up`;

async function state(ns: string): Promise<string> {
  const r = await sb.sh(
    `for c in "-d link show" "addr show" "route show table all" "-6 route show table all" "neigh show nud permanent"; do ip -n ${ns} -j $c; echo; done`,
    { check: true },
  );
  return r.stdout.replace(/"\w+_timer":[\d.]+/g, ''); // a bridge's running timers
}

const fresh = (): BatchOutcome => ({ failed: [], failedKeys: new Set(), processes: 0, readBack: new Map() });
const errorsOf = (out: BatchOutcome) => out.failed.map((f) => [f.kind === 'batch' ? f.line : undefined, f.key.split(':')[0], f.error]);

beforeAll(async () => {
  sb = await createSandbox();
  await sb.sh(`${setup('vi')}\n${setup('vn')}`, { check: true });
}, 120_000);

afterAll(async () => {
  await sb?.destroy();
});

describe('the netlink writer', () => {
  it('does what nsenter ip -force -batch does, line for line, with the same errors, in one process', async () => {
    const paths = { vi: '/run/netns/vi', vn: '/run/netns/vn' };
    const ipRunner = countingRunner(sb.runner);
    const byIp = fresh();
    await runNsJobs(ipRunner, [{ tool: 'ip', ns: 'vi', lines: lines('vi'), readBack: true }], paths, 2, byIp);
    const nlRunner = countingRunner(sb.runner);
    const byNl = fresh();
    const writer = netlinkWriter(sb.runner, {});
    expect(writer).toBeDefined();
    await runNsJobs(nlRunner, [{ tool: 'ip', ns: 'vn', lines: lines('vn'), readBack: true }], paths, 2, byNl, undefined, writer);

    // the writer ran it: no process per namespace
    expect(ipRunner.calls.map((c) => c[0])).toEqual(['sh']);
    expect(nlRunner.calls).toEqual([]);
    expect(byNl.failed.every((f) => f.kind === 'batch' && f.argv[0] === 'netlink-writer')).toBe(true);

    // the same lines failed, with ip's words
    if (process.env.NK_SHOW) console.log(JSON.stringify({ ip: errorsOf(byIp), nl: errorsOf(byNl) }, null, 1));
    expect(errorsOf(byIp).length).toBe(5);
    expect(errorsOf(byNl)).toEqual(errorsOf(byIp));
    expect(errorsOf(byNl)).toContainEqual([CANNOT, `k${CANNOT}`, 'Cannot find device "eth9"']);
    expect(byNl.failed.find((f) => f.key === `k${CANNOT}:vn`)?.command).toBe('[vn] ip addr replace 10.88.0.11/16 dev eth9');

    // the namespaces are alike afterwards (once the kernel's link watch has settled carrier and operstate: up to ~1 s)
    let [si, sn] = [await state('vi'), await state('vn')];
    for (const end = Date.now() + 10_000; sn !== si && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 100));
      [si, sn] = [await state('vi'), await state('vn')];
    }
    expect(si).toContain('"10.2.0.0/16"'); // (the lines did something)
    expect(sn).toBe(si);

    // both read the namespace back after the lines; the writer's in the reader's format
    expect(byIp.readBack.has(paths.vi)).toBe(true);
    const rb = parseNsBatch(byNl.readBack.get(paths.vn)!);
    expect(rb.links.map((l) => l.ifname).sort()).toEqual(['br0', 'eth0', 'eth1', 'eth2', 'lo', 'p0', 'p1', 'p2']);
    expect(rb.routes.map((r) => r.dst).sort()).toEqual(['10.2.0.0/16', '10.6.0.0/16', '10.7.0.0/16', 'default', 'default']);
  }, 120_000);

  it('a namespace it cannot enter fails every line as ip does; a line it does not know sends the namespace to ip', async () => {
    const writer = netlinkWriter(sb.runner, {})!;
    const gone = { gone: '/run/netns/gone' };
    const one: Line[] = [{ text: 'link set dev lo up', key: 'a' }];
    const byIp = fresh();
    await runNsJobs(sb.runner, [{ tool: 'ip', ns: 'gone', lines: one, readBack: true }], gone, 2, byIp);
    const byNl = fresh();
    await runNsJobs(sb.runner, [{ tool: 'ip', ns: 'gone', lines: one, readBack: true }], gone, 2, byNl, undefined, writer);
    expect(byNl.failed.map((f) => [f.key, f.command, f.error])).toEqual(byIp.failed.map((f) => [f.key, f.command, f.error]));
    expect(byNl.failed[0].error).toMatch(/^nsenter: cannot open \/run\/netns\/gone: No such file or directory$/);
    expect(byNl.readBack.size).toBe(0);

    // where ip ends its whole batch (a failed neigh line: exit 2; an unknown master: exit 255) the
    // writer words the line's error as ip does and goes on, as -force means
    const stop: Line[] = [
      { text: 'neigh del 10.88.0.99 dev eth0', key: 'n' },
      { text: 'link set dev eth1 master nosuch', key: 'm' },
      { text: 'link set dev eth1 alias after', key: 'after' },
    ];
    const ipStop = fresh();
    await runNsJobs(sb.runner, [{ tool: 'ip', ns: 'vi', lines: stop, readBack: false }], { vi: '/run/netns/vi' }, 2, ipStop);
    expect(ipStop.failed.map((f) => f.error)).toEqual([
      'RTNETLINK answers: No such file or directory',
      'RTNETLINK answers: No such file or directory',
      'RTNETLINK answers: No such file or directory',
    ]);
    const nlStop = fresh();
    await runNsJobs(sb.runner, [{ tool: 'ip', ns: 'vn', lines: stop, readBack: false }], { vn: '/run/netns/vn' }, 2, nlStop, undefined, writer);
    expect(nlStop.failed.map((f) => [f.key, f.error])).toEqual([
      ['n', 'RTNETLINK answers: No such file or directory'],
      ['m', 'Error: argument "nosuch" is wrong: Device does not exist'],
    ]);
    expect(await state('vn')).toContain('"ifalias":"after"');

    const counting = countingRunner(sb.runner);
    const mixed = fresh();
    await runNsJobs(
      counting,
      [
        { tool: 'ip', ns: 'vn', lines: [{ text: 'address flush dev eth1', key: 'x' }], readBack: true },
        { tool: 'ip', ns: 'vi', lines: [{ text: 'link set dev eth1 mtu 1300', key: 'y' }], readBack: true },
      ],
      { vi: '/run/netns/vi', vn: '/run/netns/vn' },
      2,
      mixed,
      undefined,
      writer,
    );
    expect(mixed.failed).toEqual([]);
    expect(counting.calls.map((c) => c[0])).toEqual(['sh']); // one worker: vn's batch (the writer did vi)
    expect(counting.calls[0].join(' ')).not.toContain('/run/netns/vi');
    expect([...mixed.readBack.keys()].sort()).toEqual(['/run/netns/vi', '/run/netns/vn']);
    expect(await state('vi')).toMatch(/"ifname":"eth1".*?"mtu":1300/);
  }, 60_000);

  it('apply: a host batch in chunks, each namespace written once its lines are in, reports what the one batch reports', async () => {
    // four namespaces and their veths; the third's veth fails (its host name is taken), so its eth0 never comes
    const converge = async (p: string, waves: { chunks: number; minWave: number }) => {
      const prog = render([], []);
      const names = [1, 2, 3, 4].map((i) => `${p}${i}`);
      for (const n of names) prog.host.push({ text: `netns add ${n}`, key: `netns:${n}` });
      names.forEach((n, i) => {
        const key = `link:host/${p}v${i + 1}`;
        prog.host.push({ text: `link add name ${p}v${i === 2 ? 1 : i + 1} type veth peer name eth0 netns /run/netns/${n}`, key });
        prog.host.push({ text: `link set dev ${p}v${i + 1} up`, key });
        prog.nsPost.set(n, [
          { text: 'link set dev lo up', key: `link:${n}/lo` },
          { text: 'link set dev eth0 up', key: `link:${n}/eth0` },
          { text: `addr replace 10.9.${i}.1/24 dev eth0`, key: `addr:${n}/eth0` },
        ]);
      });
      const runner = countingRunner(sb.runner);
      const r = await applyProgram(prog, { runner, fs: memoryFs(), readBack: new Set(names), waves });
      return { r, hostBatches: runner.calls.filter((c) => c[0] === 'ip').length };
    };
    const same = (r: ApplyReport) =>
      JSON.parse(JSON.stringify({ done: r.done, failed: r.failed, read: [...r.readBack.keys()].sort() }).replace(/w[ab](?=v?\d)/g, 'w'));
    const chunked = await converge('wa', { chunks: 2, minWave: 1 });
    const whole = await converge('wb', { chunks: 1, minWave: 1 });
    expect([chunked.hostBatches, whole.hostBatches]).toEqual([2, 1]);
    expect(chunked.r.failed.map((f) => [f.key, f.error, f.kind === 'batch' ? f.line : 0])).toEqual([
      ['link:host/wav3', 'RTNETLINK answers: File exists', 9],
      ['link:host/wav3', 'Cannot find device "wav3"', 10],
      ['link:wa3/eth0', 'Cannot find device "eth0"', 2],
      ['addr:wa3/eth0', 'Cannot find device "eth0"', 3],
    ]);
    expect(same(chunked.r)).toEqual(same(whole.r));
    expect(chunked.r.readBack.size).toBe(4);
  }, 60_000);
});
