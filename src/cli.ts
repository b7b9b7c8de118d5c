#!/usr/bin/env node
// argv → command. The only place that sets the process exit code.
import { parseAdoptFlag } from './plan/adopt.js';
import type { AdoptOptions } from './plan/adopt.js';
import { CommanderError, type Command } from 'commander';
// The commands and what they need (pino, yaml, ...) are imported only when one
// runs: --help, --version and usage errors answer at once.
import { EXIT, type CommonOptions, type Context } from './commands/common.js';
import { buildProgram, KERNEL_COMMANDS } from './cli/program.js';
import { readFileSync } from 'node:fs';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

interface Invocation {
  name: string;
  opts: Record<string, unknown>;
  args: string[];
  cmd: Command;
}

/** commander's message as one line: `error: unknown command 'plna'\n(Did you mean plan?)` → `… 'plna'; did you mean plan?` */
function oneLine(text: string): string {
  const [first, ...rest] = text.trim().split('\n');
  const hint = /\(Did you mean (.+)\?\)/.exec(rest.join(' '));
  return `${first.replace(/\.$/, '')}${hint ? `; did you mean ${hint[1]}?` : ''}`;
}

/** Parse argv: the command to run, or the exit code when there is nothing to run (help, version, a usage error). */
function parse(argv: string[]): Invocation | number {
  let invocation: Invocation | undefined;
  const program = buildProgram(version(), (name, opts, args, cmd) => {
    invocation = { name, opts, args, cmd };
  });
  // commander's messages: one `error:` line, with where to look
  for (const c of [program, ...program.commands]) {
    const where = c === program ? 'netkeeper --help' : `netkeeper ${c.name()} --help`;
    c.exitOverride().configureOutput({
      writeOut: (t) => process.stdout.write(t),
      writeErr: (t) => process.stderr.write(t),
      outputError: (t, write) => write(`${oneLine(t)} (${where})\n`),
    });
  }
  if (argv.length === 0) {
    process.stderr.write('error: no command given\n');
    program.outputHelp({ error: true });
    return EXIT.failed;
  }
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.failed;
    throw e;
  }
  return invocation ?? EXIT.ok;
}

/** Options that mean something only together (each command's own options are checked by the parser). */
function combinationError(i: Invocation): string | undefined {
  if (i.name === 'reconcile' && i.opts.once && i.cmd.getOptionValueSource('interval') === 'cli')
    return '--interval is for the watcher; reconcile --once runs one pass';
  if (i.name === 'reconcile' && i.opts.once && i.cmd.getOptionValueSource('audit') === 'cli')
    return '--audit is for the watcher; reconcile --once reads everything';
  if (i.name === 'reconcile' && !i.opts.once && i.opts.confirm !== undefined) return '--confirm goes with reconcile --once';
  if (i.name === 'reconcile' && i.opts.confirm !== undefined && i.opts.rollback === false)
    return '--confirm needs the rollback record; it does not go with --no-rollback';
  if (i.name === 'reconcile' && !i.opts.once && i.opts.json) return '--json goes with reconcile --once (the watcher logs JSON lines on stderr)';
  const adopt = parseAdoptFlag(i.opts.adopt as string | boolean | undefined);
  if (adopt && 'error' in adopt) return adopt.error;
  return undefined;
}

/** `--adopt[=MODES]` as CommonOptions (checked by combinationError already). */
function adoptOption(v: unknown): { adopt?: AdoptOptions } {
  const a = parseAdoptFlag(v as string | boolean | undefined);
  return a && !('error' in a) ? { adopt: a } : {};
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

/** Commands that read every namespace (observe) soon after they start. */
const OBSERVING = new Set(['plan', 'apply', 'reconcile', 'status', 'destroy', 'check']);

async function main(argv: string[]): Promise<number> {
  const parsed = parse(argv);
  if (typeof parsed === 'number') return parsed;
  const { name: command, opts: v, args } = parsed;
  const bad = combinationError(parsed);
  if (bad) {
    process.stderr.write(`error: ${bad} (netkeeper ${command} --help)\n`);
    return EXIT.failed;
  }
  if (command === 'completion') {
    process.stdout.write((await import('./cli/completion.js')).completionScript(args[0]!));
    return EXIT.ok;
  }
  if (KERNEL_COMMANDS.has(command)) {
    if (process.geteuid?.() !== 0) {
      process.stderr.write(`error: netkeeper ${command} must run as root (it reads and changes the kernel's network state): run it with sudo\n`);
      return EXIT.failed;
    }
    const { checkTools, CORE_TOOLS } = await import('./shell/tools.js');
    const missing = checkTools(CORE_TOOLS);
    if (missing) {
      process.stderr.write(`error: ${missing}\n`);
      return EXIT.failed;
    }
  }
  const opts: CommonOptions = {
    dir: (v.dir as string | undefined) ?? 'networks.d',
    host: v.host as string | undefined,
    store: v.store as string | undefined,
    allowEmpty: v.allowEmpty === true,
    json: v.json === true,
    once: v.once === true,
    interval: (v.interval as number | undefined) ?? 30,
    ...(v.audit !== undefined ? { audit: v.audit as number } : {}),
    lockTimeout: (v.lockTimeout as number | undefined) ?? 60,
    logLevel: (v.logLevel as string | undefined) ?? 'info',
    yes: v.yes === true,
    detail: v.detail === true,
    rollback: v.rollback !== false,
    ...(v.confirm !== undefined ? { confirm: v.confirm as number } : {}),
    ...(v.out !== undefined ? { out: v.out as string } : {}),
    ...adoptOption(v.adopt),
    ...(v.from !== undefined ? { from: v.from as 'kernel' | 'docker' } : {}),
    args,
  };
  // a short-lived command keeps the parsed files under the run dir for the next one; the watcher keeps them in memory
  if (KERNEL_COMMANDS.has(command) && !(command === 'reconcile' && !opts.once)) (await import('./shell/load.js')).keepConfigCacheOnDisk();
  const [{ createLogger }, { createRunner }] = await Promise.all([import('./shell/log.js'), import('./shell/runner.js')]);
  const log = createLogger(opts.logLevel);
  const runner = createRunner({ onCommand: (a, ms) => log.trace({ argv: a, ms }, 'exec') });
  // the namespace readers start while the command's modules load (they read nothing until a pass asks)
  if (OBSERVING.has(command))
    void import('./shell/observe/nl-reader.js').then(
      (m) => m.startReaders(runner),
      () => undefined,
    );
  const ctx: Context = {
    opts,
    runner,
    log,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    ask: process.stdin.isTTY ? ask : undefined,
  };
  switch (command) {
    case 'validate':
      return (await import('./commands/validate.js')).validateCommand(ctx);
    case 'plan':
      return (await import('./commands/plan.js')).planCommand(ctx);
    case 'apply':
      return (await import('./commands/apply.js')).applyCommand(ctx);
    case 'reconcile':
      if (opts.once) return (await import('./commands/reconcile.js')).reconcileOnce(ctx);
      return (await import('./commands/watch.js')).watchCommand(ctx);
    case 'status':
      return (await import('./commands/status.js')).statusCommand(ctx);
    case 'destroy':
      return (await import('./commands/destroy.js')).destroyCommand(ctx);
    case 'check':
      return (await import('./commands/check.js')).checkCommand(ctx);
    case 'explain':
      return (await import('./commands/explain.js')).explainCommand(ctx);
    case 'exposure':
      return (await import('./commands/exposure.js')).exposureCommand(ctx);
    case 'confirm':
      return (await import('./commands/confirm.js')).confirmCommand(ctx);
    case 'import':
      return (await import('./commands/import.js')).importCommand(ctx);
    default:
      return EXIT.failed; // unreachable: the parser knows every command
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (e: unknown) => {
    // an expected problem that surfaced as an exception: one line, no stack
    const tool = (await import('./shell/tools.js')).missingToolError(e);
    if (tool) {
      process.stderr.write(`error: ${tool}\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
