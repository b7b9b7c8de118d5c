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
  adopt: () =>
    new Option(
      '--adopt [MODE]',
      'take ownership of live objects the files describe that netkeeper did not make, without re-creating them; MODE replace: also make anew what differs in an essential attribute (default match: refuse it)',
    ),
  store: () => new Option('--store <URL>', 'overlay membership through etcd: etcd://host:port[,host:port...][/prefix] (wins over Settings.store)'),
  detail: (what: string) => new Option('--detail', what),
  lockTimeout: () =>
    new Option('--lock-timeout <S>', "wait at most S seconds for another run's lock, then exit 4").default(60).argParser(seconds('--lock-timeout', 'zero')),
  noRollback: () =>
    new Option('--no-rollback', 'when a step fails, leave what was applied (the rest stays pending, exit 1) instead of rolling the pass back (exit 6)'),
  logLevel: () => new Option('--log-level <LEVEL>', 'log level of the JSON log on stderr').choices(LOG_LEVELS).default('info'),
};

function exitHelp(codes: number[]): string {
  const lines = EXIT_CODES.filter((e) => codes.includes(e.code)).map((e) => `  ${e.code}  ${e.short}`);
  return `\nExit status:\n${lines.join('\n')}\n`;
}

/** Commands that read or change the kernel: root only. */
export const KERNEL_COMMANDS = new Set(['plan', 'apply', 'reconcile', 'check', 'status', 'destroy', 'explain', 'exposure', 'import']);

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
    .addHelpText('after', `${exitHelp([0, 1, 2, 3, 4, 5, 6])}\nnetkeeper COMMAND --help: that command's options. man netkeeper: the whole manual.\n`);

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
    .addOption(o.adopt())
    .addOption(o.json('print the plan as JSON'))
    .addOption(o.detail('kernel-level detail: keys, interface names, iptables rules, /etc/netns diffs'))
    .addOption(new Option('--out <FILE>', 'also save the plan to FILE, for netkeeper apply FILE'));

  add('apply', 'apply a plan saved with plan --out, exactly as it was shown', [0, 1, 3, 4, 5, 6])
    .description(
      'Applies a plan saved with `netkeeper plan --out FILE`, exactly as it was shown; refuses (exit 1, nothing changed) when the kernel or the files changed since it was made.',
    )
    .addArgument(new Argument('<file>', 'the saved plan'))
    .addOption(o.noRollback())
    .addOption(o.lockTimeout())
    .addOption(o.json('print the result as JSON'))
    .addOption(o.detail('show the plan with kernel-level detail'));

  add('reconcile', 'apply the files: once (--once) or as a watcher', [0, 1, 3, 4, 5, 6])
    .description(
      'With --once: makes the kernel equal to the files, once, and exits. Without: watches DIR and applies on every change, every --interval seconds (to heal drift) and on SIGHUP; SIGTERM/SIGINT finish the running pass and exit 0, leaving the network as it is.',
    )
    .addOption(o.dir())
    .addOption(o.host())
    .addOption(o.allowEmpty())
    .addOption(o.adopt())
    .addOption(new Option('--once', 'apply once and exit'))
    .addOption(new Option('--interval <S>', 'watcher: a pass every S seconds besides file changes').default(30).argParser(seconds('--interval', 'positive')))
    .addOption(
      new Option('--audit <S>', 'watcher: every namespace is read in full at least every S seconds (a slice on each resync); kernel events trigger the rest')
        .default(300)
        .argParser(seconds('--audit', 'positive')),
    )
    .addOption(
      new Option('--confirm <S>', 'with --once: apply, then revert (exit 6) unless `netkeeper confirm` (or Enter) comes within S seconds').argParser(
        seconds('--confirm', 'positive'),
      ),
    )
    .addOption(o.noRollback())
    .addOption(o.store())
    .addOption(o.lockTimeout())
    .addOption(o.json('with --once: print the result as JSON'))
    .addOption(o.detail('with --once: show the plan with kernel-level detail'));

  add('check', 'probe the expectations (kind Expect) now, without applying', [0, 1, 4, 5])
    .description(
      'Probes every Expect document of DIR for real, from inside the namespaces (a TCP connect, a UDP exchange or a ping, with a listener of its own where nothing listens), against the kernel as it is: applies nothing. reconcile runs the same probes after every applied pass.',
    )
    .addOption(o.dir())
    .addOption(o.host())
    .addOption(o.lockTimeout())
    .addOption(o.json('print the results as JSON'));

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

  add('destroy', 'remove everything netkeeper owns (asks first)', [0, 1, 3, 4, 6])
    .description(
      "Removes everything netkeeper owns and gives back the host settings it changed. On a terminal it shows what it will remove and asks; without one it needs --yes (Terraform's -auto-approve).",
    )
    .addOption(o.dir())
    .addOption(o.host())
    .addOption(new Option('-y, --yes', 'do not ask'))
    .addOption(o.noRollback())
    .addOption(o.lockTimeout());

  add('confirm', 'keep the change a reconcile --once --confirm is waiting to have confirmed', [0, 1]).description(
    'Tells a `reconcile --once --confirm S` that is waiting (from another shell) to keep what it applied. Without it the change is reverted when the S seconds are over — also when the waiting run was killed (its revert timer, or the next run, reverts).',
  );

  add('explain', "a packet's path and verdict over the live kernel state", [0, 1])
    .description(
      'Evaluates a packet from FROM to TO over the kernel as it is now (routes of every namespace, veth/bridge/macvlan hops, the iptables of the host and the namespaces in netfilter order, DNAT and masquerade, the reply through conntrack) and prints each hop with the route or rule that decided it, the file:line of the declaration when netkeeper made it, and a verdict: reachable, unreachable or unknown (a match it cannot evaluate, or a packet that leaves this host). FROM and TO: a container, host, or an IPv4 address (an address no namespace has is another machine, arriving on the host device that routes to it). TO takes :PORT and /tcp, /udp or /icmp (default: icmp without a port, tcp with one).',
    )
    .addArgument(new Argument('<from>', 'a container, host, or an address'))
    .addArgument(new Argument('<to>', 'a container, host, or an address, with :PORT and /PROTO'))
    .addOption(o.dir('the networks.d directory: container names and the declarations behind rules (the verdict comes from the kernel alone)'))
    .addOption(o.host())
    .addOption(o.json('print {formatVersion, verdict, reason, query, packet, hops} as JSON'));

  add('exposure', 'who can reach each published port and routed container address', [0, 1])
    .description(
      "Audits exposure with the evaluator of explain: for each port netkeeper publishes, who reaches it (loopback only, this host, containers on which networks — hairpin included —, other machines and through which host addresses), and each container address that other machines reach without a published port (routed networks, macvlan). Warns when that is probably wider than meant: a 0.0.0.0 port on a host with a public-looking address, a routed network reachable through the host's way to the world.",
    )
    .addOption(o.dir('the networks.d directory: container and network names'))
    .addOption(o.host())
    .addOption(o.json('print {formatVersion, rows, warnings} as JSON'));

  add('import', 'write a networks.d describing the live host (reads only)', [0, 1])
    .description(
      'Reads the live host — bridges, named namespaces (and with --from docker the Docker containers), veth cables, VXLAN devices, iptables-save — and writes networks.d documents describing it, one file per kind (networks.yaml, containers.yaml, links.yaml, hosts.yaml), with comments where it guessed. What it cannot express is listed on stderr and in the files. Changes nothing on the host. Without --out the files are printed as one YAML stream, a `# file: NAME` comment before each.',
    )
    .addOption(new Option('--out <DIR>', 'write the files into DIR (created when missing; existing files are never overwritten)'))
    .addOption(
      new Option(
        '--from <SOURCE>',
        'kernel: the kernel only; docker: also ask the Docker daemon (DOCKER_HOST or /var/run/docker.sock) for its networks and containers',
      )
        .choices(['kernel', 'docker'])
        .default('kernel'),
    );

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
