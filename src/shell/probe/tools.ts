// The real probe tools: a listener and a probe process inside a namespace
// (`nsenter --net=PATH node -e AGENT_SCRIPT ...`, or node itself for the host's
// namespace), and ping for ICMP. Each listener is a child of this process, and
// only it is ever stopped: by its own pid, through its stdin closing.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ProbeNs, ProbePlan } from '../../expect/resolve.js';
import type { ProbeVerdict } from '../../expect/result.js';
import type { Runner } from '../runner.js';
import { AGENT_SCRIPT } from './agent.js';

export interface Listener {
  /** ready: ours answers; busy: something else holds the port (it answers, or not); error: could not bind */
  state: 'ready' | 'busy' | 'error';
  detail?: string;
  stop(): Promise<void>;
}

export interface ProbeTools {
  listen(ns: ProbeNs, protocol: 'tcp' | 'udp', port: number): Promise<Listener>;
  /** verdict 'silent': a udp datagram got no answer and no refusal */
  probe(plan: ProbePlan, timeoutMs: number): Promise<{ verdict: ProbeVerdict | 'silent'; detail: string }>;
}

const NODE = process.execPath;

function inNs(ns: ProbeNs, argv: string[]): [string, string[]] {
  return ns.path === undefined ? [argv[0], argv.slice(1)] : ['nsenter', [`--net=${ns.path}`, ...argv]];
}

export function realProbeTools(runner: Runner): ProbeTools {
  return {
    listen(ns, protocol, port) {
      const [cmd, args] = inNs(ns, [NODE, '-e', AGENT_SCRIPT, 'listen', protocol, String(port)]);
      const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
      const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.stdin.end(); // the agent exits when its stdin closes
          const t = setTimeout(() => child.kill('SIGKILL'), 2000);
          await exited;
          clearTimeout(t);
        }
      };
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.stdin.on('error', () => {});
      return new Promise<Listener>((resolve) => {
        const lines = createInterface({ input: child.stdout });
        const give = (state: Listener['state'], detail?: string) => {
          lines.close();
          resolve({ state, ...(detail ? { detail } : {}), stop });
        };
        lines.once('line', (l) => give(l === 'ready' ? 'ready' : l === 'busy' ? 'busy' : 'error', l === 'ready' || l === 'busy' ? undefined : l));
        child.once('error', (e) => give('error', e.message));
        child.once('close', (code) => give('error', stderr.trim() || `listener exited with ${code}`));
      });
    },

    async probe(plan, timeoutMs) {
      if (plan.protocol === 'icmp') {
        const secs = String(Math.max(1, Math.round(timeoutMs / 1000)));
        const [cmd, args] = inNs(plan.from, ['ping', '-n', '-q', '-c', '1', '-W', secs, ...(plan.src ? ['-I', plan.src] : []), plan.dst]);
        const r = await runner.run(cmd, args, { allowFail: true, timeoutMs: timeoutMs + 3000 });
        if (r.exitCode === 0) return { verdict: 'reachable', detail: 'echo reply' };
        const err = r.stderr.trim().split('\n')[0];
        return { verdict: 'unreachable', detail: err ? err.replace(/^ping: /, '') : `no echo reply within ${secs} s` };
      }
      const [cmd, args] = inNs(plan.from, [
        NODE,
        '-e',
        AGENT_SCRIPT,
        'probe',
        plan.protocol,
        plan.dst,
        String(plan.port),
        String(timeoutMs),
        ...(plan.src ? [plan.src] : []),
      ]);
      const r = await runner.run(cmd, args, { allowFail: true, timeoutMs: timeoutMs + 5000 });
      try {
        const o = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { verdict: ProbeVerdict | 'silent'; detail: string };
        return o;
      } catch {
        return { verdict: 'unknown', detail: `the probe did not run: ${(r.stderr.trim() || `exit ${r.exitCode}`).split('\n')[0]}` };
      }
    },
  };
}
