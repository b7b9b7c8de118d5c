// `netkeeper completion bash|zsh`: generated from the same definitions as the parser.
// The bash script is run for real (COMP_WORDS in, COMPREPLY out); the zsh one is
// syntax-checked when zsh is installed.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { completionScript } from '../../../src/cli/completion.js';
import { cli } from './run-cli.js';

const BASH = completionScript('bash');

/** What bash completion offers for the words typed so far (the last one is being completed). */
function complete(...words: string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const script = `${BASH}\nCOMP_WORDS=(netkeeper ${quoted}); COMP_CWORD=${words.length}; _netkeeper; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '-c', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean);
}

describe('bash completion', () => {
  it('is what `netkeeper completion bash` prints', () => {
    const r = cli('completion', 'bash');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(BASH);
  });

  it("completes commands, each command's own options, and option values", () => {
    expect(complete('')).toEqual([
      'validate',
      'plan',
      'apply',
      'reconcile',
      'check',
      'status',
      'destroy',
      'confirm',
      'explain',
      'exposure',
      'import',
      'completion',
      'help',
      '--help',
      '--version',
    ]);
    expect(complete('re')).toEqual(['reconcile']);
    expect(complete('plan', '--d')).toEqual(['--dir', '--detail']);
    expect(complete('plan', '--o')).toEqual(['--out']);
    expect(complete('plan', '--once')).toEqual([]); // not a plan option
    expect(complete('reconcile', '--o')).toEqual(['--once']);
    expect(complete('destroy', '-')).toContain('--yes');
    expect(complete('plan', '--log-level', 'd')).toEqual(['debug']);
    expect(complete('status', 'c')).toEqual(['containers']);
    expect(complete('completion', '')).toEqual(['bash', 'zsh']);
    expect(complete('help', 'st')).toEqual(['status']);
  });

  it('completes directories for --dir', () => {
    const dirs = complete('plan', '--dir', '/et');
    expect(dirs).toEqual(['/etc']);
  });
});

describe('zsh completion', () => {
  it('is a #compdef file that zsh parses', (ctx) => {
    const z = cli('completion', 'zsh');
    expect(z.code).toBe(0);
    expect(z.stdout.startsWith('#compdef netkeeper\n')).toBe(true);
    expect(z.stdout).toContain("'--dir[the networks.d directory]:DIR:_files -/'");
    expect(z.stdout).toContain("'1::view:(networks containers ports)'");
    const probe = spawnSync('zsh', ['--version']);
    if (probe.error) {
      console.log('skipped the syntax check: zsh is not installed');
      ctx.skip();
    }
    const r = spawnSync('zsh', ['-n'], { input: z.stdout, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
