// The operations examples must keep matching the command line: every netkeeper
// invocation in examples/operations parses, and the unit keeps the settings
// docs/operations.md relies on.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const root = new URL('../../../', import.meta.url);
const read = (p: string) => readFile(new URL(p, root), 'utf8');

/** netkeeper argv in a line: everything after ".../netkeeper", up to a pipe or redirection */
function netkeeperArgs(line: string): string[] | undefined {
  const m = /\/netkeeper\s+((?:reconcile|plan|validate|status|destroy)\b[^|>]*)/.exec(line);
  return m ? m[1].trim().split(/\s+/) : undefined;
}

const usage = () => {
  const cli = new URL('dist/cli.js', root);
  if (!existsSync(cli)) throw new Error('dist/cli.js is missing: run npm run build first');
  return execFileSync(process.execPath, [cli.pathname, '--help'], { encoding: 'utf8' });
};

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

  it('every netkeeper command in the examples uses options the CLI knows', async () => {
    const text = usage();
    const lines = [
      ...(await read('examples/operations/netkeeper.service')).split('\n'),
      ...(await read('examples/operations/netkeeper.cron')).split('\n'),
    ];
    const invocations = lines.map(netkeeperArgs).filter((a): a is string[] => a !== undefined);
    expect(invocations.length).toBeGreaterThanOrEqual(2);
    for (const args of invocations) {
      for (const a of args.filter((x) => x.startsWith('--'))) expect(text, `${a} in ${args.join(' ')}`).toContain(a);
      expect(['reconcile', 'plan', 'validate', 'status', 'destroy']).toContain(args[0]);
    }
  });
});
