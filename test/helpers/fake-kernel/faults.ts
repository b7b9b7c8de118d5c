// Fault injection: make one batch line fail (by namespace, tool, line number or
// text), make a command exit non-zero, or kill the run part-way through a batch
// (the runner rejects, as if netkeeper had been killed: the crash-journal tests).

export interface LineFault {
  /** namespace name ('host' for the host's; a /run/netns name otherwise); any when absent */
  ns?: string;
  tool?: 'ip' | 'bridge';
  /** 1-based line number within one batch */
  line?: number;
  /** the line's text contains this string / matches this pattern */
  match?: string | RegExp;
  /** the kernel's message (default: a generic netlink error) */
  error?: string;
  /** how many times it fires (default 1; Infinity: always) */
  times?: number;
}

export interface CommandFault {
  /** the command's argv (nsenter prefix included) joined by spaces contains / matches this */
  match: string | RegExp;
  exitCode?: number;
  stderr?: string;
  stdout?: string;
  times?: number;
}

export interface KillFault {
  ns?: string;
  tool?: 'ip' | 'bridge';
  /** apply this many lines of the batch, then die */
  afterLines: number;
  match?: string | RegExp;
}

/** Thrown by the fake runner when a KillFault fires: the run is dead. */
export class FakeKilled extends Error {
  constructor(where: string) {
    super(`fake kernel: killed ${where}`);
    this.name = 'FakeKilled';
  }
}

const hit = (m: string | RegExp | undefined, text: string) => m === undefined || (typeof m === 'string' ? text.includes(m) : m.test(text));

export class Faults {
  lines: LineFault[] = [];
  commands: CommandFault[] = [];
  kills: KillFault[] = [];

  failLine(f: LineFault): this {
    this.lines.push({ times: 1, ...f });
    return this;
  }

  failCommand(f: CommandFault): this {
    this.commands.push({ times: 1, ...f });
    return this;
  }

  killIn(f: KillFault): this {
    this.kills.push(f);
    return this;
  }

  clear(): void {
    this.lines = [];
    this.commands = [];
    this.kills = [];
  }

  /** The error a line must fail with, if a fault fires for it. */
  lineError(ns: string, tool: 'ip' | 'bridge', n: number, text: string): string | undefined {
    const f = this.lines.find(
      (x) =>
        (x.times ?? 1) > 0 &&
        (x.ns === undefined || x.ns === ns) &&
        (x.tool === undefined || x.tool === tool) &&
        (x.line === undefined || x.line === n) &&
        hit(x.match, text),
    );
    if (!f) return undefined;
    f.times = (f.times ?? 1) - 1;
    return f.error ?? 'RTNETLINK answers: No buffer space available';
  }

  command(argv: string[]): CommandFault | undefined {
    const text = argv.join(' ');
    const f = this.commands.find((x) => (x.times ?? 1) > 0 && hit(x.match, text));
    if (f) f.times = (f.times ?? 1) - 1;
    return f;
  }

  /** Lines of this batch to apply before dying, or undefined. */
  kill(ns: string, tool: 'ip' | 'bridge', input: string): number | undefined {
    const i = this.kills.findIndex((x) => (x.ns === undefined || x.ns === ns) && (x.tool === undefined || x.tool === tool) && hit(x.match, input));
    if (i < 0) return undefined;
    const [f] = this.kills.splice(i, 1);
    return f.afterLines;
  }
}
