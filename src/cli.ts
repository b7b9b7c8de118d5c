#!/usr/bin/env node
// argv → command. The only place that sets the process exit code.
import { parseArgs } from 'node:util';
import { createRunner } from './shell/runner.js';
import { createLogger } from './shell/log.js';
import type { CommonOptions, Context } from './commands/common.js';
import { validateCommand } from './commands/validate.js';
import { planCommand } from './commands/plan.js';
import { reconcileOnce, destroyCommand } from './commands/reconcile.js';
import { statusCommand } from './commands/status.js';

const USAGE = `usage:
  netkeeper validate  [--dir DIR]                 exit 0 valid, 1 invalid
  netkeeper plan      [--dir DIR] [--json]        exit 0 nothing to do, 2 changes pending
  netkeeper reconcile --once [--dir DIR]          apply once, exit 0 in sync, 1 failed
  netkeeper reconcile [--dir DIR] [--interval S]  watch DIR, apply on change and every S seconds
  netkeeper status    [--json]                    what netkeeper owns, as the kernel has it now
  netkeeper destroy                               remove everything netkeeper owns
common options: --host NAME, --allow-empty, --log-level LEVEL (default info),
  --lock-timeout S (reconcile, destroy: wait at most S seconds for another run's lock; default 60)
`;

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
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n${USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 1;
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
  const opts: CommonOptions = {
    dir: values.dir!,
    host: values.host,
    allowEmpty: values['allow-empty']!,
    json: values.json!,
    once: values.once!,
    interval,
    lockTimeout,
    logLevel: values['log-level']!,
  };
  const log = createLogger(opts.logLevel);
  const ctx: Context = {
    opts,
    runner: createRunner({ onCommand: (a, ms) => log.trace({ argv: a, ms }, 'exec') }),
    log,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
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
      process.stderr.write(`error: unknown command ${command}\n${USAGE}`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
