#!/usr/bin/env node
// argv → command. The only place that sets the process exit code.
import { parseArgs } from 'node:util';
import { createRunner } from './shell/runner.js';
import { createLogger } from './shell/log.js';
import type { CommonOptions, Context } from './commands/common.js';
import { validateCommand } from './commands/validate.js';
import { planCommand } from './commands/plan.js';
import { reconcileOnce } from './commands/reconcile.js';
import { destroyCommand } from './commands/destroy.js';
import { statusCommand } from './commands/status.js';
import { commandUsage, USAGE } from './commands/usage.js';
import { checkTools, CORE_TOOLS, missingToolError } from './shell/tools.js';
import { readFileSync } from 'node:fs';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
/** commands that read or change the kernel: root only (validate reads files only) */
const KERNEL_COMMANDS = new Set(['plan', 'reconcile', 'status', 'destroy']);
const COMMAND_NAMES = { validate: 1, plan: 1, reconcile: 1, status: 1, destroy: 1 };

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** parseArgs' messages, as one line saying what to do. */
function argError(e: unknown): string {
  const err = e as Error & { code?: string };
  const m = /^Unknown option '([^']+)'/.exec(err.message);
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && m) return `unknown option ${m[1]} (netkeeper --help lists the options)`;
  return `${err.message.split('\n')[0].replace(/\.$/, '')} (netkeeper --help lists the options)`;
}

/** One line from the terminal (the question goes to stderr: stdout may be piped). */
async function ask(question: string): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    // end of input (Ctrl-D) is a "no"
    return await Promise.race([rl.question(question), new Promise<string>((res) => rl.once('close', () => res('')))]);
  } finally {
    rl.close();
  }
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dir: { type: 'string', default: 'networks.d' },
        host: { type: 'string' },
        'allow-empty': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        once: { type: 'boolean', default: false },
        interval: { type: 'string', default: '30' },
        'lock-timeout': { type: 'string', default: '60' },
        'log-level': { type: 'string', default: 'info' },
        yes: { type: 'boolean', short: 'y', default: false },
        detail: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`error: ${argError(e)}\n`);
    return 1;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.version) {
    process.stdout.write(`netkeeper ${version()}\n`);
    return 0;
  }
  if (values.help) {
    process.stdout.write(command ? commandUsage(command) : USAGE);
    return 0;
  }
  if (!command) {
    process.stderr.write(`error: no command given\n${USAGE}`);
    return 1;
  }
  if (!(command in COMMAND_NAMES)) {
    process.stderr.write(`error: unknown command ${command} (one of: ${Object.keys(COMMAND_NAMES).join(', ')}; netkeeper --help)\n`);
    return 1;
  }
  if (!LOG_LEVELS.includes(values['log-level']!)) {
    process.stderr.write(`error: --log-level must be one of ${LOG_LEVELS.join(', ')} (got ${values['log-level']})\n`);
    return 1;
  }
  const interval = Number(values.interval);
  if (!Number.isFinite(interval) || interval <= 0) {
    process.stderr.write(`error: --interval must be a positive number of seconds\n`);
    return 1;
  }
  const lockTimeout = Number(values['lock-timeout']);
  if (!Number.isFinite(lockTimeout) || lockTimeout < 0) {
    process.stderr.write(`error: --lock-timeout must be a number of seconds\n`);
    return 1;
  }
  if (KERNEL_COMMANDS.has(command)) {
    if (process.geteuid?.() !== 0) {
      process.stderr.write(`error: netkeeper ${command} must run as root (it reads and changes the kernel's network state): run it with sudo\n`);
      return 1;
    }
    const missing = checkTools(CORE_TOOLS);
    if (missing) {
      process.stderr.write(`error: ${missing}\n`);
      return 1;
    }
  }
  const opts: CommonOptions = {
    dir: values.dir!,
    host: values.host,
    allowEmpty: values['allow-empty']!,
    json: values.json!,
    once: values.once!,
    interval,
    lockTimeout,
    logLevel: values['log-level']!,
    yes: values.yes!,
    detail: values.detail!,
    ...(values.out !== undefined ? { out: values.out } : {}),
    args: positionals.slice(1),
  };
  const log = createLogger(opts.logLevel);
  const ctx: Context = {
    opts,
    runner: createRunner({ onCommand: (a, ms) => log.trace({ argv: a, ms }, 'exec') }),
    log,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    ask: process.stdin.isTTY ? ask : undefined,
  };
  switch (command) {
    case 'validate':
      return validateCommand(ctx);
    case 'plan':
      return planCommand(ctx);
    case 'reconcile':
      if (opts.once) return reconcileOnce(ctx);
      return (await import('./commands/watch.js')).watchCommand(ctx);
    case 'status':
      return statusCommand(ctx);
    case 'destroy':
      return destroyCommand(ctx);
    default:
      return 1; // unreachable: checked above
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // an expected problem that surfaced as an exception: one line, no stack
    const tool = missingToolError(e);
    if (tool) {
      process.stderr.write(`error: ${tool}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
