// Usage text: the global summary, and each command's own (`netkeeper plan --help`).

const COMMON = `common options:
  --dir DIR          the networks.d directory (default ./networks.d)
  --host NAME        this machine's Host document (default: the machine's hostname)
  --allow-empty      let an empty directory remove everything netkeeper owns
  --log-level LEVEL  fatal, error, warn, info (default), debug, trace or silent
  --lock-timeout S   wait at most S seconds for another run's lock (default 60)
  -h, --help         this text;  --version  the version
`;

export const COMMANDS: Record<string, string> = {
  validate: `usage: netkeeper validate [--dir DIR] [--host NAME] [--json]
  Checks the files only (no kernel access, no root needed). Exit 0 valid, 1 invalid.
`,
  plan: `usage: netkeeper plan [--dir DIR] [--host NAME] [--json] [--detail] [--out FILE]
  Shows what reconcile would change, one block per declared object; changes nothing.
  --detail: the kernel objects under each (interfaces, iptables rules, file diffs).
  --out FILE: also save the plan, to apply exactly it with netkeeper apply FILE.
  Exit 0 nothing to do, 2 changes pending, 1 error.
`,
  apply: `usage: netkeeper apply FILE
  Applies a plan saved by netkeeper plan --out FILE, exactly it. Refuses (exit 1,
  nothing changed) when the files or the kernel changed since the plan was made.
`,
  reconcile: `usage: netkeeper reconcile --once [--dir DIR] [--host NAME] [--detail] [--json]
       netkeeper reconcile [--dir DIR] [--host NAME] [--interval S]
  --once: show the plan, apply it with progress, show the result; exit 0 in sync, 1 failed.
  --json: only the result, as JSON (docs/json.md).
  Without --once: watch DIR, apply on change and every S seconds (default 30); SIGHUP runs a pass.
`,
  status: `usage: netkeeper status [--json] [--dir DIR]
  What netkeeper owns, as the kernel has it now.
`,
  destroy: `usage: netkeeper destroy [--yes]
  Removes everything netkeeper owns and gives back the host settings it changed.
  On a terminal it shows what it will remove and asks first; without a terminal
  it needs --yes (-y).
`,
};

export const USAGE = `usage:
  netkeeper validate  [--dir DIR]                 exit 0 valid, 1 invalid
  netkeeper plan      [--dir DIR] [--json]        exit 0 nothing to do, 2 changes pending
  netkeeper plan      --out FILE                  save the plan; netkeeper apply FILE applies exactly it
  netkeeper apply     FILE                        apply a saved plan (refused if anything changed since)
  netkeeper reconcile --once [--dir DIR]          apply once, exit 0 in sync, 1 failed
  netkeeper reconcile [--dir DIR] [--interval S]  watch DIR, apply on change and every S seconds
  netkeeper status    [--json]                    what netkeeper owns, as the kernel has it now
  netkeeper destroy   [--yes]                     remove everything netkeeper owns (asks first)
  netkeeper COMMAND --help                        that command's options
${COMMON}`;

export function commandUsage(command: string): string {
  const own = COMMANDS[command];
  return own ? `${own}${COMMON}` : USAGE;
}
