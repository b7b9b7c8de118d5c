// src/shell/runner.ts with real (harmless) processes: sh, cat, env.

import { describe, expect, it } from 'vitest';
import { CommandError, countingRunner, createRunner, formatArgv } from '../../../src/shell/runner.js';

describe('createRunner', () => {
  const runner = createRunner();

  it('returns stdout, stderr and exit code 0, and passes stdin', async () => {
    expect(await runner.run('sh', ['-c', 'echo out; echo err >&2'])).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 0 });
    expect((await runner.run('cat', [], { input: 'a\nb\n' })).stdout).toBe('a\nb\n');
  });

  it('runs without a shell: arguments are not interpreted', async () => {
    expect((await runner.run('echo', ['$HOME', '`id`', ';', '|'])).stdout).toBe('$HOME `id` ; |\n');
  });

  it('without input, stdin is closed (a reader does not hang)', async () => {
    expect((await runner.run('cat', [], { timeoutMs: 5000 })).stdout).toBe('');
  });

  it('rejects with CommandError carrying argv, exit code, stderr and cause', async () => {
    const e = await runner.run('sh', ['-c', 'echo partial; echo boom >&2; exit 3']).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CommandError);
    const ce = e as CommandError;
    expect(ce.argv).toEqual(['sh', '-c', 'echo partial; echo boom >&2; exit 3']);
    expect(ce.exitCode).toBe(3);
    expect(ce.stderr).toBe('boom\n');
    expect(ce.stdout).toBe('partial\n');
    expect(ce.cause).toBeDefined();
    expect(ce.message).toMatch(/exit code 3: boom/);
  });

  it('allowFail returns the failure instead', async () => {
    expect(await runner.run('sh', ['-c', 'exit 2'], { allowFail: true })).toEqual({ stdout: '', stderr: '', exitCode: 2 });
    const missing = await runner.run('/nonexistent/netkeeper-test-cmd', [], { allowFail: true });
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(/ENOENT/);
  });

  it('a missing program and a timeout are CommandErrors', async () => {
    const e = await runner.run('/nonexistent/netkeeper-test-cmd', []).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CommandError);
    expect((e as CommandError).exitCode).toBe(127);
    // timedOut is set only when the runner killed it at timeoutMs (sleep would run 5 s): no wall-clock bound needed
    const t = await runner.run('sleep', ['5'], { timeoutMs: 200 }).catch((x: unknown) => x);
    expect(t).toBeInstanceOf(CommandError);
    expect((t as CommandError).timedOut).toBe(true);
    expect((t as CommandError).message).toMatch(/timed out/);
    expect((await runner.run('sleep', ['5'], { timeoutMs: 200, allowFail: true })).exitCode).toBe(124);
  });

  it('prefix wraps every command; onCommand sees the full argv and a duration', async () => {
    const seen: [string[], number][] = [];
    const r = createRunner({ prefix: ['env', 'NK_PREFIX_TEST=yes'], onCommand: (argv, ms) => seen.push([argv, ms]) });
    expect((await r.run('sh', ['-c', 'echo $NK_PREFIX_TEST'])).stdout).toBe('yes\n');
    await r.run('false', [], { allowFail: true });
    expect(seen.map((s) => s[0])).toEqual([
      ['env', 'NK_PREFIX_TEST=yes', 'sh', '-c', 'echo $NK_PREFIX_TEST'],
      ['env', 'NK_PREFIX_TEST=yes', 'false'],
    ]);
    expect(seen.every(([, ms]) => ms >= 0)).toBe(true);
  });
});

describe('countingRunner', () => {
  it('counts and records the commands it starts', async () => {
    const c = countingRunner(createRunner());
    await c.run('true', []);
    await c.run('echo', ['x']);
    expect(c.count()).toBe(2);
    expect(c.calls).toEqual([['true'], ['echo', 'x']]);
    c.reset();
    expect(c.count()).toBe(0);
  });
});

describe('formatArgv', () => {
  it('quotes what a shell would interpret', () => {
    expect(formatArgv(['ip', '-j', 'link'])).toBe('ip -j link');
    expect(formatArgv(['sh', '-c', "echo 'a b'"])).toBe(`sh -c 'echo '\\''a b'\\'''`);
  });
});
