// The command line as a user meets it: each command's own help, `help CMD`,
// --version, options refused where they mean nothing, one `error:` line per
// usage error (never a parser's stack or message), and the exit codes listed.
import { describe, expect, it } from 'vitest';
import { cli } from './run-cli.js';
import { buildProgram, commandsOf } from '../../../src/cli/program.js';
import { EXIT, EXIT_CODES } from '../../../src/commands/common.js';

const COMMANDS = ['validate', 'plan', 'apply', 'reconcile', 'check', 'status', 'destroy', 'confirm', 'explain', 'exposure', 'import', 'completion'];

/** exactly one line on stderr, an `error:` line, exit 1, nothing on stdout */
function usageError(r: ReturnType<typeof cli>): string {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error|ERR_PARSE_ARGS|TypeError/);
  return lines[0];
}

describe('help', () => {
  it('every command has its own help, the same through --help, -h and `help CMD`', () => {
    expect(commandsOf(buildProgram('0', () => undefined)).map((c) => c.name())).toEqual(COMMANDS);
    for (const c of COMMANDS) {
      const h = cli(c, '--help');
      expect(h.code, c).toBe(0);
      expect(h.stdout).toMatch(new RegExp(`^Usage: netkeeper ${c} `));
      expect(cli('help', c).stdout).toBe(h.stdout);
      expect(cli(c, '-h').stdout).toBe(h.stdout);
    }
  });

  it('a command lists only its own options', () => {
    const plan = cli('plan', '--help').stdout;
    for (const o of ['--dir', '--host', '--json', '--detail', '--out', '--allow-empty', '--log-level']) expect(plan).toContain(o);
    for (const o of ['--once', '--yes', '--interval', '--lock-timeout']) expect(plan).not.toContain(o);
    const reconcile = cli('reconcile', '--help').stdout;
    for (const o of ['--once', '--interval', '--lock-timeout', '--json', '--allow-empty']) expect(reconcile).toContain(o);
    expect(cli('destroy', '--help').stdout).toMatch(/-y, --yes/);
  });

  it('the global help lists the commands and every exit code', () => {
    const h = cli('--help');
    expect(h.code).toBe(0);
    for (const c of COMMANDS) expect(h.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    for (const e of EXIT_CODES) expect(h.stdout).toContain(`  ${e.code}  ${e.short}`);
    expect(cli('help').stdout).toBe(h.stdout);
  });

  it('plan --help names exit code 2; destroy --help the lock-busy code', () => {
    expect(cli('plan', '--help').stdout).toMatch(/^ {2}2 {2}plan: changes pending$/m);
    expect(cli('destroy', '--help').stdout).toMatch(/^ {2}4 {2}lock busy/m);
  });
});

describe('--version', () => {
  it('prints the version alone, on stdout, exit 0', () => {
    const v = cli('--version');
    expect(v).toEqual({ code: 0, stdout: expect.stringMatching(/^netkeeper \d+\.\d+\.\d+\n$/), stderr: '' });
  });
});

describe('usage errors: one error line, exit 1, before anything runs', () => {
  it.each([
    [['plan', '--once'], "unknown option '--once'"],
    [['validate', '--yes'], "unknown option '--yes'"],
    [['status', '--once'], "unknown option '--once'"],
    [['status', '--interval', '3'], "unknown option '--interval'"],
    [['plan', '--lock-timeout', '3'], "unknown option '--lock-timeout'"],
    [['completion', 'bash', '--dir', 'x'], "unknown option '--dir'"],
    [['plan', 'web'], 'too many arguments'],
    [['status', 'web', 'db'], 'too many arguments'],
    [['apply'], "missing required argument 'file'"],
    [['plan', '--frobnicate'], "unknown option '--frobnicate'"],
    [['plan', '--detial'], 'did you mean --detail?'],
    [['plna'], "unknown command 'plna'; did you mean plan?"],
    [['plan', '--log-level', 'loud'], '--log-level'],
    [['reconcile', '--interval', '0'], '--interval takes a positive number of seconds'],
    [['reconcile', '--interval', 'x'], '--interval takes a positive number of seconds'],
    [['reconcile', '--lock-timeout', '-1'], '--lock-timeout takes a number of seconds'],
    [['reconcile', '--once', '--interval', '5'], '--interval is for the watcher'],
    [['reconcile', '--once', '--audit', '5'], '--audit is for the watcher'],
    [['reconcile', '--audit', '0'], '--audit takes a positive number of seconds'],
    [['reconcile', '--json'], '--json goes with reconcile --once'],
    [['completion', 'fish'], "'fish' is invalid"],
    [['plan', '--dir'], "option '--dir <DIR>' argument missing"],
  ])('%j', (args, message) => {
    const line = usageError(cli(...args));
    expect(line).toContain(message);
    // and where to look
    expect(line).toMatch(/\(netkeeper( \w+)? --help\)$/);
  });

  it('no command: an error line and the commands, exit 1', () => {
    const r = cli();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: no command given\n/);
    expect(r.stderr).toContain('reconcile');
  });

  it('options are parsed before the root check: a usage error says so even without root', () => {
    // (the test may run as root; the order is what counts: the parser refuses first)
    expect(usageError(cli('destroy', '--yes', '--once'))).toContain("unknown option '--once'");
  });
});

describe('exit codes', () => {
  it('are distinct and described once', () => {
    expect(EXIT).toEqual({ ok: 0, failed: 1, changes: 2, conflict: 3, lockBusy: 4, expectFailed: 5, rolledBack: 6 });
    expect(EXIT_CODES.map((e) => e.code)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
