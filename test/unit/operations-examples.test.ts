// The operations examples must keep matching the command line: every netkeeper
// invocation in examples/operations parses, and the unit keeps the settings
// docs/operations.md relies on.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';

const root = new URL('../../', import.meta.url);
const read = (p: string) => readFile(new URL(p, root), 'utf8');

/** netkeeper argv in a line: everything after "netkeeper" (bare, or a path ending in it), up to a pipe or redirection */
function netkeeperArgs(line: string): string[] | undefined {
  const m = /(?:^|[\s/=])netkeeper\s+((?:reconcile|plan|validate|status|destroy)\b[^|>]*)/.exec(line);
  // `2>&1` leaves its `2` behind
  return m ? m[1].trim().replace(/\s\d$/, '').split(/\s+/) : undefined;
}

/** Parse argv with the real command definitions: the error message, or undefined when it parses. */
function parseError(args: string[]): string | undefined {
  let error: string | undefined;
  const program = buildProgram('0', () => undefined);
  for (const c of [program, ...program.commands] as Command[]) {
    c.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: (t) => (error = t.trim()) });
  }
  try {
    program.parse(args, { from: 'user' });
  } catch {
    return error ?? 'parse failed';
  }
  return undefined;
}

describe('examples/operations', () => {
  it('netkeeper.service runs the watcher and stops it the way the docs say', async () => {
    const unit = await read('examples/operations/netkeeper.service');
    const exec = unit.split('\n').find((l) => l.startsWith('ExecStart='))!;
    expect(netkeeperArgs(exec)).toEqual(['reconcile', '--dir', '/etc/netkeeper/networks.d', '--interval', '30']);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
    expect(unit).toMatch(/^KillMode=mixed$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).not.toMatch(/^RuntimeDirectory=/m);
  });

  it('every netkeeper command in the examples parses with the options its command declares', async () => {
    expect(parseError(['plan', '--once'])).toContain("unknown option '--once'");
    const lines = [...(await read('examples/operations/netkeeper.service')).split('\n'), ...(await read('examples/operations/netkeeper.cron')).split('\n')];
    // commands, and commented-out cron lines (`#* * * * * root netkeeper …`); not the prose comments
    const invocations = lines
      .filter((l) => !l.startsWith('# '))
      .map(netkeeperArgs)
      .filter((a): a is string[] => a !== undefined);
    expect(invocations.length).toBeGreaterThanOrEqual(2);
    for (const args of invocations) {
      expect(parseError(args), args.join(' ')).toBeUndefined();
      expect(['reconcile', 'plan', 'validate', 'status', 'destroy']).toContain(args[0]);
    }
  });
});
