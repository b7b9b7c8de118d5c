// The command line, declared once: every command with its own options and
// arguments. The parser (commander), `--help`, `netkeeper help CMD`, the shell
// completions (completion.ts) and the man page (manpage.ts, docs/netkeeper.1)
// are all read from this tree, so they cannot disagree.
//
// Each command declares only the options that mean something to it: `plan --once`
// or `validate --yes` is an error, not silently ignored.

import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { EXIT_CODES } from '../commands/common.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
export const STATUS_VIEWS = ['networks', 'containers', 'ports'];
export const SHELLS = ['bash', 'zsh'];

/** What the value of an option or argument is, for the shell completions. */
export type ValueKind = 'dir' | 'file' | 'choice' | 'other';

/** Options whose value is a path (the rest is free text or a choice). */
const PATH_OPTIONS: Record<string, ValueKind> = { '--dir': 'dir', '--out': 'file' };
const PATH_ARGUMENTS: Record<string, ValueKind> = { file: 'file' };

export function optionValueKind(o: Option): ValueKind | undefined {
  if (!o.required && !o.optional) return undefined; // a flag
  if (o.argChoices) return 'choice';
  return PATH_OPTIONS[o.long ?? ''] ?? 'other';
}

export function argumentValueKind(a: Argument): ValueKind {
  if (a.argChoices) return 'choice';
  return PATH_ARGUMENTS[a.name()] ?? 'other';
}

function seconds(flag: string, min: 'positive' | 'zero'): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || (min === 'positive' && n === 0)) {
      throw new InvalidArgumentError(`${flag} takes a ${min === 'positive' ? 'positive ' : ''}number of seconds.`);
    }
    return n;
  };
}

// one factory per option, so that each command declares its own copy
const o = {
  dir: (what = 'the networks.d directory') => new Option('--dir <DIR>', what).default('networks.d'),
  host: () => new Option('--host <NAME>', "this machine's Host document (default: the machine's hostname)"),
  allowEmpty: () => new Option('--allow-empty', 'let an empty directory remove everything netkeeper owns'),
  json: (what: string) => new Option('--json', what),
  store: () => new Option('--store <URL>', 'overlay membership through etcd: etcd://host:port[,host:port...][/prefix] (wins over Settings.store)'),
  detail: (what: string) => new Option('--detail', what),
  lockTimeout: () =>
    new Option('--lock-timeout <S>', "wait at most S seconds for another run's lock, then exit 4").default(60).argParser(seconds('--lock-timeout', 'zero')),
  logLevel: () => new Option('--log-level <LEVEL>', 'log level of the JSON log on stderr').choices(LOG_LEVELS).default('info'),
};

function exitHelp(codes: number[]): string {
  const lines = EXIT_CODES.filter((e) => codes.includes(e.code)).map((e) => `  ${e.code}  ${e.short}`);
  return `\nExit status:\n${lines.join('\n')}\n`;
}

/** Commands that read or change the kernel: root only. */
export const KERNEL_COMMANDS = new Set(['plan', 'apply', 'reconcile', 'status', 'destroy']);

export interface CommandSpec {
  name: string;
  /** exit codes this command can return (for its help and the man page) */
  exits: number[];
}

/**
 * The program. `run` is called with the command's name, its parsed options and
 * its arguments; it is not called for --help, --version or a usage error.
 */
export function buildProgram(version: string, run: (name: string, opts: Record<string, unknown>, args: string[], cmd: Command) => void): Command {
  const program = new Command('netkeeper')
    .description("Keeps a Linux host's container networking equal to a directory of YAML files.")
    .version(`netkeeper ${version}`, '--version', 'print the version')
    .helpOption('-h, --help', 'print help (netkeeper help COMMAND: that command)')
    .helpCommand('help [command]', "print a command's help")
    .showSuggestionAfterError(true)
    .addHelpText('after', `${exitHelp([0, 1, 2, 3, 4])}\nnetkeeper COMMAND --help: that command's options. man netkeeper: the whole manual.\n`);

  const add = (name: string, summary: string, exits: number[]) => {
    const c = program
      .command(name)
      .summary(summary)
      .helpOption('-h, --help', 'print this help')
      .addHelpText('after', exitHelp(exits))
      .action((...a: unknown[]) => {
        const cmd = a[a.length - 1] as Command;
        run(name, cmd.opts(), cmd.args, cmd);
      });
    return c;
  };

  add('validate', 'check the files only (no kernel access, no root needed)', [0, 1])
    .description('Checks the files in DIR: syntax, schema, references, addresses. Reads no kernel state and needs no root.')
    .addOption(o.dir())
    .addOption(o.host())
    .addOption(o.json('print the result as JSON'));

  add('plan', 'show what reconcile would change; changes nothing', [0, 1, 2, 3])
    .description(
      'Compares the files with the kernel and prints what reconcile would change, grouped by what the files declare. Changes nothing and takes no lock.',
    )
    .addOption(o.dir())
    .addOption(o.host())
    .addOption(o.allowEmpty())
    .addOption(o.json('print the plan as JSON'))
    .addOption(o.detail('kernel-level detail: keys, interface names, iptables rules, /etc/netns diffs'))
    .addOption(new Option('--out <FILE>', 'also save the plan to FILE, for netkeeper apply FILE'));

  add('apply', 'apply a plan saved with plan --out, exactly as it was shown', [0, 1, 3, 4])
    .description(
      'Applies a plan saved with `netkeeper plan --out FILE`, exactly as it was shown; refuses (exit 1, nothing changed) when the kernel or the files changed since it was made.',
    )
    .addArgument(new Argument('<file>', 'the saved plan'))
    .addOption(o.lockTimeout())
    .addOption(o.json('print the result as JSON'))
    .addOption(o.detail('show the plan with kernel-level detail'));

  add('reconcile', 'apply the files: once (--once) or as a watcher', [0, 1, 3, 4])
    .description(
      'With --once: makes the kernel equal to the files, once, and exits. Without: watches DIR and applies on every change, every --interval seconds (to heal drift) and on SIGHUP; SIGTERM/SIGINT finish the running pass and exit 0, leaving the network as it is.',
    )
    .addOption(o.dir())
    .addOption(o.host())
    .addOption(o.allowEmpty())
    .addOption(new Option('--once', 'apply once and exit'))
    .addOption(new Option('--interval <S>', 'watcher: a pass every S seconds besides file changes').default(30).argParser(seconds('--interval', 'positive')))
    .addOption(
      new Option('--audit <S>', 'watcher: every namespace is read in full at least every S seconds (a slice on each resync); kernel events trigger the rest')
        .default(300)
        .argParser(seconds('--audit', 'positive')),
    )
    .addOption(o.store())
    .addOption(o.lockTimeout())
    .addOption(o.json('with --once: print the result as JSON'))
    .addOption(o.detail('with --once: show the plan with kernel-level detail'));

  add('status', 'Docker-like views of networks, containers and ports; drift against the files', [0, 1])
    .description(
      'Shows what netkeeper owns, like docker network ls / docker ps / docker network inspect: networks and containers (no word), `status networks`, `status containers`, `status ports`, or one network, container or Link by NAME. With files (--dir, or ./networks.d when it exists) each object is marked against them: in sync, drifted: what, missing, not declared. --detail lists the kernel objects instead and takes no view or name.',
    )
    .addArgument(new Argument('[view]', 'networks, containers, ports, or the name of a network or container'))
    .addOption(o.dir('the networks.d directory: which namespaces to read, and what to compare with'))
    .addOption(o.host())
    .addOption(o.store())
    .addOption(o.json('print it as JSON'))
    .addOption(o.detail('the kernel objects: interfaces, addresses, routes, chains'));

  add('destroy', 'remove everything netkeeper owns (asks first)', [0, 1, 3, 4])
    .description(
      "Removes everything netkeeper owns and gives back the host settings it changed. On a terminal it shows what it will remove and asks; without one it needs --yes (Terraform's -auto-approve).",
    )
    .addOption(o.dir())
    .addOption(o.host())
    .addOption(new Option('-y, --yes', 'do not ask'))
    .addOption(o.lockTimeout());

  add('completion', 'print a shell completion script (bash or zsh)', [0, 1])
    .description(
      'Prints a completion script. bash: netkeeper completion bash > /etc/bash_completion.d/netkeeper. zsh: netkeeper completion zsh > /usr/local/share/zsh/site-functions/_netkeeper.',
    )
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(SHELLS));

  // every command's own options first, then the ones all commands share
  for (const c of program.commands) if (c.name() !== 'help' && c.name() !== 'completion') c.addOption(o.logLevel());
  return program;
}

/** The commands as declared, in order (without `help`). */
export function commandsOf(program: Command): Command[] {
  return program.commands.filter((c) => c.name() !== 'help');
}
