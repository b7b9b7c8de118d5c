import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CommandError, createRunner, findTool, toolPath } from '../../../src/shell/runner.js';
import { checkTools, missingToolError } from '../../../src/shell/tools.js';

describe('tools are looked up on PATH, then /usr/sbin and /sbin (cron: PATH=/usr/bin:/bin)', () => {
  test('toolPath appends what is missing, in that order, and keeps PATH first', () => {
    expect(toolPath('/usr/bin:/bin')).toBe('/usr/bin:/bin:/usr/sbin:/sbin');
    expect(toolPath('/sbin:/usr/bin')).toBe('/sbin:/usr/bin:/usr/sbin');
    expect(toolPath(undefined)).toBe('/usr/sbin:/sbin');
  });

  test('findTool finds an executable in PATH first, else in /usr/sbin', () => {
    const d = mkdtempSync(join(tmpdir(), 'nk-tools-'));
    writeFileSync(join(d, 'nk-fake-tool'), '#!/bin/sh\n');
    chmodSync(join(d, 'nk-fake-tool'), 0o755);
    expect(findTool('nk-fake-tool', d)).toBe(join(d, 'nk-fake-tool'));
    expect(findTool('nk-fake-tool', '/usr/bin:/bin')).toBeUndefined();
    // iptables-save lives in /usr/sbin on Debian: found with cron's PATH
    if (findTool('iptables-save', '/usr/sbin')) expect(findTool('iptables-save', '/usr/bin:/bin')).toBeDefined();
  });

  test("the runner starts a tool that is only in /usr/sbin with cron's PATH", async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/usr/bin:/bin';
    try {
      // `sh -c` sees the extended PATH too (nsenter and sh start tools by name)
      const r = await createRunner().run('sh', ['-c', 'echo $PATH']);
      expect(r.stdout.trim()).toBe('/usr/bin:/bin:/usr/sbin:/sbin');
    } finally {
      process.env.PATH = saved;
    }
  });

  test('a missing tool is a message naming the package', async () => {
    expect(checkTools(['sh'])).toBeUndefined();
    expect(checkTools(['sh', 'nk-no-such-tool'], '/usr/bin')).toMatch(/^nk-no-such-tool not found/);
    const e = await createRunner()
      .run('iptables-save-nk-missing', [])
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CommandError);
    expect(missingToolError(e)).toMatch(/^iptables-save-nk-missing not found \(looked on PATH, then \/usr\/sbin and \/sbin\)/);
    const viaNsenter = new CommandError({
      argv: ['nsenter', '--net=/run/netns/x', 'conntrack'],
      exitCode: 127,
      stderr: 'nsenter: failed to execute conntrack: No such file or directory',
    });
    expect(missingToolError(viaNsenter)).toContain('apt-get install conntrack');
    expect(missingToolError(new CommandError({ argv: ['ip'], exitCode: 1, stderr: 'RTNETLINK answers: File exists' }))).toBeUndefined();
    expect(missingToolError(new Error('x'))).toBeUndefined();
  });
});
