// Telling systemd how the watcher is doing (Type=notify, sd_notify(3)): READY=1
// once, after the first pass that converged (in sync, or applied and verified),
// so that units ordered After=netkeeper.service — a service with
// NetworkNamespacePath=/run/netns/web — start only once their namespace exists;
// STATUS=<the last pass> after each pass (shown by `systemctl status`); STOPPING=1
// on SIGTERM.
//
// Node cannot send on a unix datagram socket, so each message goes through
// systemd-notify(1). It runs as a child: `--pid` names the watcher, so that systemd
// attributes the message to the main process (root may send credentials naming
// another pid), and the unit sets NotifyAccess=all besides.

import { spawn } from 'node:child_process';
import type { Logger } from './log.js';
import type { PassSummary } from './state-file.js';

/** Send one notification (the fields as `KEY=value`). */
export type NotifySend = (fields: string[]) => Promise<void>;

export interface Notifier {
  /** after each watcher pass */
  passDone(pass: Pick<PassSummary, 'id' | 'result' | 'errors'>): Promise<void>;
  /** the watcher is stopping */
  stopping(): Promise<void>;
  /** whether READY=1 was sent */
  readonly ready: boolean;
}

/** Results after which the kernel equals the files. */
const CONVERGED = new Set(['in-sync', 'applied']);

export function createNotifier(send: NotifySend, log?: Logger): Notifier {
  let ready = false;
  const safe = (fields: string[]) => send(fields).catch((e: unknown) => log?.warn({ err: e, fields }, 'cannot notify systemd'));
  return {
    get ready() {
      return ready;
    },
    async passDone(pass) {
      const first = pass.errors[0] ? `: ${pass.errors[0]}` : '';
      const fields = [`STATUS=pass ${pass.id}: ${pass.result}${CONVERGED.has(pass.result) ? '' : first}`.slice(0, 200)];
      if (!ready && CONVERGED.has(pass.result)) {
        ready = true;
        fields.unshift('READY=1');
        log?.info({ pass: pass.id }, 'converged: told systemd the service is ready');
      }
      await safe(fields);
    },
    async stopping() {
      await safe(['STOPPING=1']);
    },
  };
}

/** systemd-notify(1) as the sender; undefined when not started by systemd with Type=notify. */
export function systemdNotify(env: NodeJS.ProcessEnv = process.env, pid = process.pid): NotifySend | undefined {
  if (!env.NOTIFY_SOCKET) return undefined;
  return (fields) =>
    new Promise((resolve, reject) => {
      const child = spawn('systemd-notify', [`--pid=${pid}`, ...fields], { stdio: ['ignore', 'ignore', 'pipe'], env });
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`systemd-notify exited ${code}: ${stderr.trim()}`))));
    });
}
