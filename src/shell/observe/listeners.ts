// The host's listening sockets (`ss`), read when the files publish ports: a new
// published port must not shadow one a process on the host listens on
// (src/plan/host-checks/ports-in-use.ts). `ss -p` names the process where it can.

import type { HostListener } from '../../model/observed-host.js';
import { parseListeners } from '../../observe/listeners.js';
import type { Runner } from '../runner.js';

/** undefined when ss cannot be run (the check then has nothing to say). */
export async function readListeners(runner: Runner): Promise<HostListener[] | undefined> {
  const r = await runner.run('ss', ['-H', '-l', '-t', '-u', '-n', '-p'], { allowFail: true });
  return r.exitCode === 0 ? parseListeners(r.stdout) : undefined;
}
