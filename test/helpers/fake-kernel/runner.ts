// The fake kernel as a Runner: the commands netkeeper starts, answered from and
// applied to the fake state. `sh -s` runs the worker scripts of
// src/shell/ns-batches.ts (nsenter + ip/bridge batch per namespace, here-documents).
// A command it does not know fails with exit 127, so a new command in src shows up
// as a failing test rather than as a silent success.

import { CommandError, type RunOptions, type RunResult, type Runner } from '../../../src/shell/runner.js';
import { KernelState } from './kernel.js';
import type { FakeNs } from './state.js';
import { LineError, ParseAbort, runIpLine, type BatchContext } from './ip-batch.js';
import { runBridgeLine } from './bridge-batch.js';
import { iptablesRestore, iptablesSave } from './iptables.js';
import { route6Default } from './ip-show.js';
import { FakeFs } from './fs.js';
import { Faults, FakeKilled } from './faults.js';
import { sysctlSet } from './sysctl.js';

export interface FakeRunnerOptions {
  /** start from this state (default: a fresh host namespace with lo) */
  kernel?: KernelState;
}

const ok = (stdout = ''): RunResult => ({ stdout, stderr: '', exitCode: 0 });
const failed = (stderr: string, exitCode = 1, stdout = ''): RunResult => ({ stdout, stderr, exitCode });

/** `'a'\''b'` → a'b (the quoting of ns-batches.ts and shellQuote). */
function unquote(word: string): string {
  return word.replace(/'((?:[^']|'\\'')*)'/g, (_, s: string) => s.replace(/'\\''/g, "'"));
}

export class FakeKernel implements Runner {
  readonly state: KernelState;
  readonly fs: FakeFs;
  readonly faults = new Faults();
  /** argv of every command started, in order */
  readonly calls: string[][] = [];
  /** UDP conntrack entries `conntrack -D` reports deleted next (default none) */
  conntrackEntries = 0;

  constructor(opts: FakeRunnerOptions = {}) {
    this.state = opts.kernel ?? new KernelState();
    this.fs = new FakeFs(this.state);
  }

  /** Run lines in a namespace ('host' or a /run/netns name) as `ip -force -batch -` would; throws on a failed line (test setup). */
  ip(ns: string, ...lines: string[]): void {
    const r = this.batch('ip', this.nsByName(ns), lines.join('\n') + '\n', { json: false, force: false });
    if (r.exitCode !== 0) throw new Error(`fake ip in ${ns}: ${r.stderr}`);
  }

  bridge(ns: string, ...lines: string[]): void {
    const r = this.batch('bridge', this.nsByName(ns), lines.join('\n') + '\n', { json: false, force: false });
    if (r.exitCode !== 0) throw new Error(`fake bridge in ${ns}: ${r.stderr}`);
  }

  nsByName(name: string): FakeNs {
    if (name === 'host') return this.state.host;
    const t = this.state.resolve(name.startsWith('/') ? name : `/run/netns/${name}`);
    if (!t || !('ns' in t)) throw new Error(`fake kernel: no namespace ${name}`);
    return t.ns;
  }

  async run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const argv = [cmd, ...args];
    this.calls.push(argv);
    const fault = this.faults.command(argv);
    const r = fault
      ? { stdout: fault.stdout ?? '', stderr: fault.stderr ?? '', exitCode: fault.exitCode ?? 1 }
      : this.exec(this.state.host, argv, opts.input ?? '');
    if (r.exitCode !== 0 && !opts.allowFail) throw new CommandError({ argv, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });
    return r;
  }

  private exec(ns: FakeNs, argv: string[], input: string): RunResult {
    const [cmd, ...args] = argv;
    switch (cmd) {
      case 'sh':
        return this.shell(input);
      case 'nsenter': {
        const m = /^--net=(.*)$/.exec(args[0] ?? '');
        if (!m) return failed(`nsenter: fake kernel models only --net=PATH\n`);
        const t = this.state.resolve(m[1]);
        if (!t) return failed(`nsenter: cannot open ${m[1]}: No such file or directory\n`);
        if (!('ns' in t)) return failed(`nsenter: reassociate to namespace 'ns/net' failed: Invalid argument\n`);
        return this.exec(t.ns, args.slice(1), input);
      }
      case 'ip':
      case 'bridge':
        return this.tool(cmd, ns, args, input);
      case 'iptables-save':
      case 'ip6tables-save':
        return ok(iptablesSave(ns.iptables[cmd === 'iptables-save' ? 'ipv4' : 'ipv6'], cmd));
      case 'iptables-restore':
      case 'ip6tables-restore': {
        const r = iptablesRestore(ns.iptables[cmd === 'iptables-restore' ? 'ipv4' : 'ipv6'], input, cmd, !args.includes('--noflush'));
        return { stdout: '', ...r };
      }
      case 'conntrack': {
        const n = this.conntrackEntries;
        this.conntrackEntries = 0;
        return failed(`conntrack v1.4.7 (conntrack-tools): ${n} flow entries have been deleted.\n`, n > 0 ? 0 : 1);
      }
      case 'modprobe':
        if (args[0] === 'br_netfilter') this.state.brNetfilter = true;
        return ok();
      case 'test':
        return args[0] === '-e' && this.fs.exists(args[1]) ? ok() : failed('', 1);
      case 'sysctl': {
        const assign = args.find((a) => a.includes('='));
        if (!args.includes('-w') || !assign) return failed('sysctl: fake kernel models only -w NAME=VALUE\n', 255);
        const [name, value] = [assign.slice(0, assign.indexOf('=')), assign.slice(assign.indexOf('=') + 1)];
        const rel = name.includes('/') ? name : name.replace(/\./g, '/');
        if (!sysctlSet(this.state, ns, rel, value)) return failed(`sysctl: cannot stat /proc/sys/${rel}: No such file or directory\n`, 255);
        return ok();
      }
      case 'mount': {
        if (args[0] !== '--bind') return failed('mount: fake kernel models only --bind\n', 32);
        const t = this.state.resolve(args[1]);
        if (!t || !('ns' in t)) return failed(`mount: ${args[2]}: special device ${args[1]} does not exist.\n`, 32);
        this.state.mounts.set(args[2], t.ns);
        return ok();
      }
      default:
        return failed(`${cmd}: not modelled by the fake kernel\n`, 127);
    }
  }

  private tool(cmd: 'ip' | 'bridge', ns: FakeNs, args: string[], input: string): RunResult {
    const flags = new Set(args.filter((a) => a.startsWith('-')));
    const json = flags.has('-j');
    const bi = args.indexOf('-batch');
    if (bi >= 0) return this.batch(cmd, ns, input, { json, force: flags.has('-force') });
    const words = args.filter((a) => !a.startsWith('-'));
    if (cmd === 'ip' && flags.has('-6') && words.join(' ') === 'route show default') return ok(JSON.stringify(route6Default(ns)) + '\n');
    return this.batch(cmd, ns, words.join(' ') + '\n', { json, force: false });
  }

  /** One batch process: lines applied in order; faults and kills checked per line. */
  batch(tool: 'ip' | 'bridge', ns: FakeNs, input: string, o: { json: boolean; force: boolean }): RunResult {
    const name = this.state.nameOf(ns);
    const lines = input.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const killAfter = this.faults.kill(name, tool, input);
    const ctx: BatchContext = { kernel: this.state, ns, json: o.json };
    let stdout = '';
    let stderr = '';
    let failedAny = false;
    for (let i = 0; i < lines.length; i++) {
      if (killAfter !== undefined && i >= killAfter) throw new FakeKilled(`after line ${i} of the ${tool} batch in ${name}`);
      const line = lines[i].trim();
      if (line === '' || line.startsWith('#')) continue;
      const injected = this.faults.lineError(name, tool, i + 1, line);
      try {
        if (injected !== undefined) throw new LineError(injected);
        stdout += tool === 'ip' ? runIpLine(ctx, line) : runBridgeLine(ctx, line);
      } catch (e) {
        if (e instanceof ParseAbort) return failed(stderr + e.message + '\n', 255, stdout);
        if (!(e instanceof LineError)) throw e;
        stderr += `${e.message}\nCommand failed -:${i + 1}\n`;
        failedAny = true;
        if (!o.force) break;
      }
    }
    return { stdout, stderr, exitCode: failedAny ? 1 : 0 };
  }

  /** The worker scripts of src/shell/ns-batches.ts: echo marks, nsenter … -batch - <<'DELIM' … DELIM, rc lines. */
  private shell(script: string): RunResult {
    const lines = script.split('\n');
    let stdout = '';
    let stderr = '';
    let rc = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line === '') continue;
      const mark = /^echo '(@@nk-batch \d+)'; echo '@@nk-batch \d+' >&2$/.exec(line);
      if (mark) {
        stdout += `${mark[1]}\n`;
        stderr += `${mark[1]}\n`;
        continue;
      }
      const rcLine = /^rc=\$\?; echo '(@@nk-batch-rc \d+)' \$rc$/.exec(line);
      if (rcLine) {
        stdout += `${rcLine[1]} ${rc}\n`;
        continue;
      }
      const run = /^nsenter (--net=\S+) (ip|bridge) (.*) -batch - <<'(\S+)'$/.exec(line);
      if (!run) return failed(stderr + `sh: fake kernel cannot run: ${line}\n`, 2, stdout);
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== run[4]; i++) body.push(lines[i]);
      const flags = run[3].split(' ').filter(Boolean).map(unquote);
      const r = this.exec(this.state.host, ['nsenter', unquote(run[1]), run[2], ...flags, '-batch', '-'], body.join('\n') + '\n');
      stdout += r.stdout;
      stderr += r.stderr;
      rc = r.exitCode;
    }
    return { stdout, stderr, exitCode: 0 };
  }
}
