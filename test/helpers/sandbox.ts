// Kernel-test sandbox: a private network + mount (+ UTS) namespace held open by one
// process, with its own tmpfs on /run/netns and /etc/netns. Everything a kernel test
// does (ip, iptables, netns, traffic) runs inside it through `nsenter -t PID -n -m`,
// never in this machine's own namespaces. Destroying the sandbox kills its holder
// (and the servers/hosts started through it) by pid; the namespaces then vanish.
//
// A "machine" is such a holder. `sb.addHost(name)` starts another one nested inside
// the sandbox (own network, mount and UTS namespaces, own /run/netns and /etc/netns,
// hostname = name) for multi-host tests; `sb.connect` / `sb.lan` wire machines up.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CommandError, createRunner, type Runner } from '../../src/shell/runner.js';
import { runnerFs, type ObserveFs } from '../../src/shell/host-fs.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_PATH = `${REPO_ROOT}dist/cli.js`;
const NODE = process.execPath;

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface ExecOptions {
  input?: string;
  timeoutMs?: number;
  /** throw a CommandError when the exit code is not 0 (default: never throw) */
  check?: boolean;
  /** working directory inside the sandbox (default: this process's cwd) */
  cwd?: string;
  /** extra environment variables */
  env?: Record<string, string>;
}

/** A long-running process inside a machine (server, watcher); killed with the sandbox. */
export interface Background {
  pid: number;
  /** stdout and stderr so far */
  output(): string;
  /** resolves when the process has exited */
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

export interface ConnectResult {
  ok: boolean;
  /** label of the server that answered */
  server?: string;
  /** the client's address as the server saw it (after any NAT) */
  peer?: string;
  error?: string;
}

export interface TrafficOptions {
  timeoutMs?: number;
}

export interface Machine {
  readonly name: string;
  /** pid of the holder process (global pid: there is no pid namespace) */
  readonly pid: number;
  /** a Runner whose every command runs inside this machine */
  readonly runner: Runner;
  /** file reads inside this machine's mount namespace (for observe()) */
  readonly fs: ObserveFs;
  /** run a command in the machine's root namespace; never throws unless opts.check */
  exec(cmd: string, args?: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** `sh -c script` inside the machine */
  sh(script: string, opts?: ExecOptions): Promise<ExecResult>;
  /** `node <repo>/dist/cli.js ...args` inside the machine */
  netkeeper(args: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** start a long-running command inside the machine (killed on destroy) */
  spawn(cmd: string, args?: string[], opts?: { env?: Record<string, string>; cwd?: string; readyLine?: string }): Promise<Background>;
  /** ns: a netns name of this machine, or 'host'/undefined for its root namespace */
  ping(ns: string | undefined, ip: string, opts?: TrafficOptions): Promise<boolean>;
  tcpServer(ns: string | undefined, port: number, opts?: { label?: string; host?: string }): Promise<Background>;
  tcpConnect(ns: string | undefined, ip: string, port: number, opts?: TrafficOptions): Promise<ConnectResult>;
  udpServer(ns: string | undefined, port: number, opts?: { label?: string; host?: string }): Promise<Background>;
  udpConnect(ns: string | undefined, ip: string, port: number, opts?: TrafficOptions): Promise<ConnectResult>;
}

export interface Sandbox extends Machine {
  /** a nested machine with its own network/mount/UTS namespaces; hostname = name */
  addHost(name: string): Promise<Machine>;
  /** a veth between two machines (root namespaces), addresses (CIDR) set, both ends up */
  connect(a: Machine, b: Machine, opts: { aIf: string; bIf: string; aIp?: string; bIp?: string; mtu?: number }): Promise<void>;
  /** a bridge `name` in the sandbox's root namespace with one veth to each member */
  lan(name: string, members: { machine: Machine; ifname?: string; ip?: string }[]): Promise<void>;
  destroy(): Promise<void>;
}

export interface SandboxOptions {
  /** extra directories to cover with a private tmpfs inside, in every machine
   *  (default ['/run/lock', '/run/netkeeper']: each machine has its own netkeeper lock) */
  tmpfs?: string[];
}

const HOLDER_SCRIPT = (tmpfs: string[], hostname?: string) =>
  [
    'set -e',
    'mkdir -p /run/netns /etc/netns',
    'mount -t tmpfs -o mode=755 tmpfs /run/netns',
    'mount -t tmpfs -o mode=755 tmpfs /etc/netns',
    ...tmpfs.map((d) => `mkdir -p '${d}' && mount -t tmpfs tmpfs '${d}'`),
    // a sysfs of this network namespace (so /sys/class/net shows its own links)
    'mount -t sysfs sysfs /sys 2>/dev/null || true',
    ...(hostname ? [`hostname '${hostname}'`] : []),
    'ip link set lo up',
    'echo "ready $$"',
    // lives until killed, or until the test process dies (stdin closes)
    'exec cat >/dev/null',
  ].join('\n');

function startHolder(argv: string[], what: string): Promise<{ pid: number; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const fail = (why: string) =>
      reject(
        new Error(
          `cannot create the kernel-test sandbox (${what}): ${why}\n` +
            `command: ${argv.join(' ')}\nstderr: ${err.trim()}\n` +
            `Kernel tests need root, util-linux unshare/nsenter and iproute2.`,
        ),
      );
    child.on('error', (e) => fail(e.message));
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve({ pid: Number(m[1]), child });
    });
    child.on('exit', (code, sig) => fail(`holder exited (${code ?? sig}) before it was ready`));
  });
}

function waitExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((res) => child.once('exit', (code) => res(code)));
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

const TCP_SERVER = `
const net = require('net');
const [port, label, host] = process.argv.slice(1);
const norm = (a) => (a || '').replace(/^::ffff:/, '');
const s = net.createServer((c) => c.end(JSON.stringify({ server: label, peer: norm(c.remoteAddress) }) + '\\n'));
const listen = (h, fallback) => {
  s.once('error', (e) => { if (fallback) listen(fallback); else { console.error(e.message); process.exit(1); } });
  s.listen({ port: Number(port), host: h, ipv6Only: false }, () => console.log('listening'));
};
listen(host || '::', host ? undefined : '0.0.0.0');
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
`;

const TCP_CLIENT = `
const net = require('net');
const [ip, port, timeout] = process.argv.slice(1);
let data = '';
const c = net.connect({ host: ip, port: Number(port) });
const t = setTimeout(() => { console.log(JSON.stringify({ ok: false, error: 'timeout' })); process.exit(2); }, Number(timeout));
c.on('data', (d) => (data += d));
c.on('end', () => { clearTimeout(t); try { console.log(JSON.stringify({ ok: true, ...JSON.parse(data) })); process.exit(0); } catch { console.log(JSON.stringify({ ok: false, error: 'bad reply: ' + data })); process.exit(3); } });
c.on('error', (e) => { clearTimeout(t); console.log(JSON.stringify({ ok: false, error: e.code || e.message })); process.exit(1); });
`;

const UDP_SERVER = `
const dgram = require('dgram');
const [port, label, host] = process.argv.slice(1);
const norm = (a) => (a || '').replace(/^::ffff:/, '');
const start = (type, h, fallback) => {
  const s = dgram.createSocket({ type, ipv6Only: false });
  s.on('message', (m, r) => s.send(JSON.stringify({ server: label, peer: norm(r.address) }), r.port, r.address));
  s.once('error', (e) => { if (fallback) fallback(); else { console.error(e.message); process.exit(1); } });
  s.bind(Number(port), h, () => console.log('listening'));
};
if (host) start(host.includes(':') ? 'udp6' : 'udp4', host);
else start('udp6', '::', () => start('udp4', '0.0.0.0'));
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
`;

const UDP_CLIENT = `
const dgram = require('dgram');
const [ip, port, timeout] = process.argv.slice(1);
const s = dgram.createSocket(ip.includes(':') ? 'udp6' : 'udp4');
const t = setTimeout(() => { console.log(JSON.stringify({ ok: false, error: 'timeout' })); process.exit(2); }, Number(timeout));
s.on('message', (m) => { clearTimeout(t); console.log(JSON.stringify({ ok: true, ...JSON.parse(String(m)) })); process.exit(0); });
s.on('error', (e) => { clearTimeout(t); console.log(JSON.stringify({ ok: false, error: e.code || e.message })); process.exit(1); });
s.send('ping', Number(port), ip);
`;

class MachineImpl implements Machine {
  readonly runner: Runner;
  readonly fs: ObserveFs;
  /** background processes (servers, nested holders) to kill on destroy */
  protected readonly children: { pid: number; child: ChildProcess }[] = [];

  constructor(
    readonly name: string,
    readonly pid: number,
    protected readonly holder: ChildProcess,
  ) {
    this.runner = createRunner({ prefix: this.prefix() });
    this.fs = runnerFs(this.runner);
  }

  prefix(cwd?: string): string[] {
    return ['nsenter', '-t', String(this.pid), '-n', '-m', '-u', `--wd=${cwd ?? process.cwd()}`, '--'];
  }

  async exec(cmd: string, args: string[] = [], opts: ExecOptions = {}): Promise<ExecResult> {
    const argv = [...this.prefix(opts.cwd), ...(opts.env ? ['env', ...Object.entries(opts.env).map(([k, v]) => `${k}=${v}`)] : []), cmd, ...args];
    const r = await createRunner().run(argv[0], argv.slice(1), {
      input: opts.input,
      timeoutMs: opts.timeoutMs,
      allowFail: true,
    });
    if (opts.check && r.exitCode !== 0) throw new CommandError({ argv, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr });
    return r;
  }

  sh(script: string, opts?: ExecOptions): Promise<ExecResult> {
    return this.exec('sh', ['-c', script], opts);
  }

  netkeeper(args: string[], opts?: ExecOptions): Promise<ExecResult> {
    return this.exec(NODE, [CLI_PATH, ...args], opts);
  }

  private inNs(ns: string | undefined, cmd: string, args: string[]): [string, string[]] {
    if (!ns || ns === 'host') return [cmd, args];
    return ['ip', ['netns', 'exec', ns, cmd, ...args]];
  }

  async spawn(cmd: string, args: string[] = [], opts: { env?: Record<string, string>; cwd?: string; readyLine?: string } = {}): Promise<Background> {
    const argv = [...this.prefix(opts.cwd), cmd, ...args];
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...(opts.env ?? {}) },
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = waitExit(child);
    if (child.pid === undefined) throw new Error(`cannot start ${argv.join(' ')}`);
    const entry = { pid: child.pid, child };
    this.children.push(entry);
    const bg: Background = {
      pid: child.pid,
      output: () => out,
      exited,
      kill: async () => {
        killPid(entry.pid);
        await exited;
      },
    };
    if (opts.readyLine) {
      const line = opts.readyLine;
      await new Promise<void>((resolve, reject) => {
        const check = () => {
          if (out.includes(line)) {
            child.stdout!.off('data', check);
            resolve();
          }
        };
        child.stdout!.on('data', check);
        check();
        exited.then((code) => reject(new Error(`${argv.join(' ')} exited (${code}) before "${line}": ${out}`)));
      });
    }
    return bg;
  }

  async ping(ns: string | undefined, ip: string, opts: TrafficOptions = {}): Promise<boolean> {
    const wait = String(Math.max(1, Math.ceil((opts.timeoutMs ?? 1000) / 1000)));
    const [c, a] = this.inNs(ns, 'ping', ['-c1', '-W', wait, ip]);
    const r = await this.exec(c, a);
    return r.exitCode === 0;
  }

  private server(script: string, ns: string | undefined, port: number, opts: { label?: string; host?: string }): Promise<Background> {
    const [c, a] = this.inNs(ns, NODE, ['-e', script, String(port), opts.label ?? ns ?? this.name, opts.host ?? '']);
    return this.spawn(c, a, { readyLine: 'listening' });
  }

  private async client(script: string, ns: string | undefined, ip: string, port: number, opts: TrafficOptions): Promise<ConnectResult> {
    const timeout = opts.timeoutMs ?? 1500;
    const [c, a] = this.inNs(ns, NODE, ['-e', script, ip, String(port), String(timeout)]);
    const r = await this.exec(c, a, { timeoutMs: timeout + 5000 });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as ConnectResult;
    } catch {
      return { ok: false, error: `client failed (${r.exitCode}): ${r.stderr.trim() || r.stdout.trim()}` };
    }
  }

  tcpServer(ns: string | undefined, port: number, opts: { label?: string; host?: string } = {}): Promise<Background> {
    return this.server(TCP_SERVER, ns, port, opts);
  }

  tcpConnect(ns: string | undefined, ip: string, port: number, opts: TrafficOptions = {}): Promise<ConnectResult> {
    return this.client(TCP_CLIENT, ns, ip, port, opts);
  }

  udpServer(ns: string | undefined, port: number, opts: { label?: string; host?: string } = {}): Promise<Background> {
    return this.server(UDP_SERVER, ns, port, opts);
  }

  udpConnect(ns: string | undefined, ip: string, port: number, opts: TrafficOptions = {}): Promise<ConnectResult> {
    return this.client(UDP_CLIENT, ns, ip, port, opts);
  }

  /** kill every background process started here, then the holder */
  async destroy(): Promise<void> {
    const all = [...this.children].reverse();
    for (const c of all) killPid(c.pid);
    await Promise.all(all.map((c) => waitExit(c.child)));
    this.children.length = 0;
    killPid(this.pid);
    await waitExit(this.holder);
  }
}

class SandboxImpl extends MachineImpl implements Sandbox {
  private readonly hosts: MachineImpl[] = [];
  private readonly tmpfs: string[];

  constructor(name: string, pid: number, holder: ChildProcess, tmpfs: string[]) {
    super(name, pid, holder);
    this.tmpfs = tmpfs;
  }

  async addHost(name: string): Promise<Machine> {
    if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(name)) throw new Error(`bad host name ${name}`);
    const argv = [
      ...this.prefix(),
      'unshare',
      '--net',
      '--mount',
      '--uts',
      '--propagation',
      'private',
      '--fork',
      '--',
      'sh',
      '-c',
      HOLDER_SCRIPT(this.tmpfs, name),
    ];
    const { pid, child } = await startHolder(argv, `nested host ${name}`);
    const m = new MachineImpl(name, pid, child);
    this.hosts.push(m);
    return m;
  }

  async connect(a: Machine, b: Machine, o: { aIf: string; bIf: string; aIp?: string; bIp?: string; mtu?: number }): Promise<void> {
    const mtu = o.mtu ? ['mtu', String(o.mtu)] : [];
    // created in a's namespace with the peer directly in b's (found by b's holder pid)
    await a.exec('ip', ['link', 'add', o.aIf, ...mtu, 'type', 'veth', 'peer', 'name', o.bIf, ...mtu, 'netns', String(b.pid)], { check: true });
    for (const [m, ifname, ip] of [
      [a, o.aIf, o.aIp],
      [b, o.bIf, o.bIp],
    ] as const) {
      if (ip) await m.exec('ip', ['addr', 'add', ip, 'dev', ifname], { check: true });
      await m.exec('ip', ['link', 'set', ifname, 'up'], { check: true });
    }
  }

  async lan(name: string, members: { machine: Machine; ifname?: string; ip?: string }[]): Promise<void> {
    await this.sh(`ip link add ${name} type bridge && ip link set ${name} up`, { check: true });
    let i = 0;
    for (const m of members) {
      const port = `${name}-p${i++}`.slice(0, 15);
      if (m.machine === this) {
        // the sandbox itself joins its own LAN through an address on the bridge
        if (m.ip) await this.exec('ip', ['addr', 'add', m.ip, 'dev', name], { check: true });
        continue;
      }
      await this.connect(this, m.machine, { aIf: port, bIf: m.ifname ?? 'eth0', bIp: m.ip });
      await this.exec('ip', ['link', 'set', port, 'master', name], { check: true });
    }
  }

  override async destroy(): Promise<void> {
    for (const h of this.hosts.reverse()) await h.destroy();
    this.hosts.length = 0;
    await super.destroy();
    SANDBOXES.delete(this);
  }
}

const SANDBOXES = new Set<SandboxImpl>();
let exitHook = false;

/**
 * Start a sandbox. Fails loudly (throws) when it cannot be created: kernel tests
 * run as root on CI and must not silently skip.
 */
export async function createSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  if (process.getuid?.() !== 0) {
    throw new Error('cannot create the kernel-test sandbox: kernel tests must run as root (unshare --net --mount)');
  }
  const tmpfs = opts.tmpfs ?? ['/run/lock', '/run/netkeeper'];
  const argv = ['unshare', '--net', '--mount', '--uts', '--propagation', 'private', '--fork', '--', 'sh', '-c', HOLDER_SCRIPT(tmpfs)];
  const { pid, child } = await startHolder(argv, 'sandbox');
  const sb = new SandboxImpl('sandbox', pid, child, tmpfs);
  SANDBOXES.add(sb);
  if (!exitHook) {
    exitHook = true;
    // last resort if a test forgets destroy(): holders also exit when our pipes close
    process.once('exit', () => {
      for (const s of SANDBOXES) killPid(s.pid);
    });
  }
  return sb;
}

/** `ip -j link` of this process's own network namespace (to prove isolation). */
export async function hostLinkNames(): Promise<string[]> {
  const r = await createRunner().run('ip', ['-j', 'link', 'show']);
  return (JSON.parse(r.stdout) as { ifname: string }[]).map((l) => l.ifname).sort();
}
