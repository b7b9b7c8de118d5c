// Runs the built command line (dist/cli.js) as a user would, without root and
// without the kernel: for what is decided before any command runs (help, usage
// errors, --version, completion).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = `${ROOT}dist/cli.js`;

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(...args: string[]): Run {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run npm run build first');
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
