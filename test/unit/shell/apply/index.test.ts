// The apply stage's entry (src/shell/apply/index.ts): failures are values that keep
// what was run — argv, exit code, stderr, and the batch line — down to the report.
import { describe, expect, it } from 'vitest';
import { applyProgram } from '../../../../src/shell/apply/index.js';
import { render } from '../../../../src/render/index.js';
import { CommandError, type Runner, type RunResult } from '../../../../src/shell/runner.js';
import { memoryFs } from '../../../helpers/memory-fs.js';

function runner(answer: (cmd: string, args: string[], input?: string) => Partial<RunResult> | undefined): Runner & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    async run(cmd, args, opts = {}) {
      calls.push([cmd, ...args]);
      const r = { stdout: '', stderr: '', exitCode: 0, ...answer(cmd, args, opts.input) };
      if (r.exitCode !== 0 && !opts.allowFail) throw new CommandError({ argv: [cmd, ...args], exitCode: r.exitCode, stderr: r.stderr });
      return r;
    },
  };
}

const program = () => render([], []);

describe('applyProgram failures', () => {
  it('a failed line of the host batch fails its change with the argv, exit code, stderr and line number', async () => {
    const prog = program();
    prog.host.push({ text: 'link add name a type dummy', key: 'link:host/a' }, { text: 'link add name b type dummy', key: 'link:host/b' });
    const r = runner((cmd) => (cmd === 'ip' ? { exitCode: 1, stderr: 'RTNETLINK answers: File exists\nCommand failed -:2\n' } : undefined));
    const report = await applyProgram(prog, { runner: r, fs: memoryFs() });
    expect(report.done).toEqual(['link:host/a']);
    expect(report.failed).toEqual([
      {
        kind: 'batch',
        key: 'link:host/b',
        command: 'ip link add name b type dummy',
        error: 'RTNETLINK answers: File exists',
        argv: ['ip', '-force', '-batch', '-'],
        exitCode: 1,
        stderr: 'RTNETLINK answers: File exists\nCommand failed -:2\n',
        line: 2,
      },
    ]);
  });

  it('a failed iptables-restore fails every firewall change with the command that failed', async () => {
    const prog = program();
    prog.iptables.push({ ns: 'host', family: 'ipv4', table: 'nat', text: '*nat\nCOMMIT\n' });
    prog.iptablesKeys.push('chain:host/ipv4/nat/NK-PORTS', 'hook:host/ipv4/nat/PREROUTING/NK-PORTS');
    const r = runner((cmd) => (cmd === 'iptables-restore' ? { exitCode: 2, stderr: 'iptables-restore: line 2 failed\n' } : undefined));
    const report = await applyProgram(prog, { runner: r, fs: memoryFs() });
    expect(report.done).toEqual([]);
    expect(report.failed.map((f) => f.key)).toEqual(prog.iptablesKeys);
    expect(report.failed[0]).toMatchObject({
      kind: 'command',
      command: 'iptables-restore',
      argv: ['iptables-restore', '--noflush', '-w', '5'],
      exitCode: 2,
      stderr: 'iptables-restore: line 2 failed\n',
      error: 'iptables-restore of table nat failed (exit 2): iptables-restore: line 2 failed',
    });
  });

  it("a namespace's sysctl that fails keeps nsenter's argv; a host sysctl that cannot be written names the file", async () => {
    const prog = program();
    prog.sysctls.push({ ns: 'web', name: 'net.ipv4.ip_forward', value: '1', key: 'sysctl:web/net.ipv4.ip_forward' });
    prog.sysctls.push({ ns: 'host', name: 'net.ipv4.ip_forward', value: '1', key: 'sysctl:host/net.ipv4.ip_forward' });
    const r = runner((cmd) => (cmd === 'nsenter' ? { exitCode: 1, stderr: 'nsenter: cannot open /run/netns/web\n' } : undefined));
    const report = await applyProgram(prog, { runner: r, fs: memoryFs() }); // no /proc/sys in this fs
    expect(report.failed[0]).toMatchObject({
      kind: 'command',
      key: 'sysctl:web/net.ipv4.ip_forward',
      argv: ['nsenter', '--net=/run/netns/web', 'sysctl', '-q', '-w', 'net/ipv4/ip_forward=1'],
      exitCode: 1,
    });
    expect(report.failed[1]).toMatchObject({
      kind: 'file',
      key: 'sysctl:host/net.ipv4.ip_forward',
      path: '/proc/sys/net/ipv4/ip_forward',
      command: 'sysctl net.ipv4.ip_forward=1',
    });
  });

  it('loads br_netfilter before anything else when the program asks', async () => {
    const prog = program();
    prog.brNetfilter = true;
    prog.host.push({ text: 'link add name a type dummy', key: 'link:host/a' });
    const r = runner(() => undefined);
    await applyProgram(prog, { runner: r, fs: memoryFs() });
    expect(r.calls.map((c) => c[0])).toEqual(['modprobe', 'ip']);
  });
});
