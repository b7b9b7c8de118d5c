// docs/netkeeper.1 is generated from the command definitions: it must be current,
// render without groff warnings, and document every command, option and exit code.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { manPage } from '../../../src/cli/manpage.js';
import { buildProgram, commandsOf } from '../../../src/cli/program.js';
import { EXIT_CODES } from '../../../src/commands/common.js';
import { ROOT } from './run-cli.js';

const version = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version;
const committed = readFileSync(`${ROOT}docs/netkeeper.1`, 'utf8');

describe('man page', () => {
  it('docs/netkeeper.1 is what `npm run man` writes from the command definitions', () => {
    expect(committed, 'docs/netkeeper.1 is stale: run `npm run man`').toBe(manPage(version));
  });

  it('names every command, each of its options and every exit code', () => {
    const program = buildProgram(version, () => undefined);
    for (const c of commandsOf(program)) {
      expect(committed).toContain(`.SS "netkeeper ${c.name()}`);
      for (const o of c.options) expect(committed, `${c.name()} ${o.long}`).toContain(`.TP\n\\fB${o.flags.split(/[ <]/)[0].replace(/-/g, '\\-')}`);
    }
    for (const e of EXIT_CODES) expect(committed).toContain(`.TP\n\\fB${e.code}\\fR\n`);
  });

  it('renders without warnings (groff -ww), when groff is installed', (ctx) => {
    const probe = spawnSync('groff', ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      console.log('skipped: groff is not installed');
      ctx.skip();
    }
    const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z'], { input: committed, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
