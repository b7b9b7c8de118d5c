// The programs netkeeper runs, and what to tell a user whose machine lacks one.
// Tools are looked up on PATH, then /usr/sbin and /sbin (runner.ts: cron's PATH
// is /usr/bin:/bin). A missing tool is an expected problem: one `error:` line
// naming the package to install, never a stack trace.

import { basename } from 'node:path';
import { CommandError, findTool, SBIN_DIRS } from './runner.js';

/** Debian/Ubuntu package of each tool netkeeper may run. */
const PACKAGES: Record<string, string> = {
  ip: 'iproute2',
  bridge: 'iproute2',
  nsenter: 'util-linux',
  mount: 'mount',
  'iptables-save': 'iptables',
  'iptables-restore': 'iptables',
  'ip6tables-save': 'iptables',
  'ip6tables-restore': 'iptables',
  conntrack: 'conntrack',
  sysctl: 'procps',
  modprobe: 'kmod',
};

/** Tools every pass (and status) runs, whatever the files say. */
export const CORE_TOOLS = ['ip', 'bridge', 'nsenter'] as const;

export function missingToolMessage(tool: string): string {
  const pkg = PACKAGES[tool];
  return (
    `${tool} not found (looked on PATH, then ${SBIN_DIRS.join(' and ')}): ` +
    (pkg ? `install ${pkg} (Debian/Ubuntu: apt-get install ${pkg})` : `install it`) +
    `, or put its directory on PATH`
  );
}

/** The first of `tools` that is not installed, as an error message; undefined when all are. */
export function checkTools(tools: readonly string[], path: string | undefined = process.env.PATH): string | undefined {
  const missing = tools.find((t) => findTool(t, path) === undefined);
  return missing === undefined ? undefined : missingToolMessage(missing);
}

/**
 * When `e` is a command that could not start because its program is missing
 * (directly, or the program nsenter was to run), the message for the user.
 */
export function missingToolError(e: unknown): string | undefined {
  if (!(e instanceof CommandError) || e.exitCode !== 127) return undefined;
  const inner = /failed to execute (\S+?):? No such file or directory/.exec(e.stderr);
  if (inner) return missingToolMessage(basename(inner[1]));
  if (/ENOENT/.test(e.message) || /ENOENT/.test(e.stderr)) return missingToolMessage(basename(e.argv[0]));
  return undefined;
}
