// What most kernel tests need besides the sandbox: a networks.d they rewrite per
// case, the CLI run against it, and a snapshot of everything a user could see in
// the sandbox's kernel for "nothing changed" checks.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecResult, Machine } from './sandbox.js';

/** Make `dir` hold exactly these files (name → text). */
export async function writeFiles(dir: string, contents: Record<string, string>): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(contents)) await writeFile(join(dir, name), text);
}

/** `netkeeper ARGS --dir DIR --log-level warn` on a machine. */
export function cliIn(m: Machine, dir: string): (...args: string[]) => Promise<ExecResult> {
  return (...args) => m.netkeeper([...args, '--dir', dir, '--log-level', 'warn']);
}

/**
 * Everything in a machine's kernel that a user could see: links, addresses and
 * routes (both families) of the machine and of every named namespace, the
 * namespaces, every iptables and ip6tables table (packet counters left out: they
 * move with any traffic), the forwarding settings and /etc/netns. Two snapshots
 * are equal exactly when nothing netkeeper could have changed did.
 */
export async function kernelSnapshot(m: Machine): Promise<string> {
  const r = await m.sh(
    'ip -br link | sort; ip -br addr | sort; ip route; ip -6 route; ip netns list | sort; ' +
      'for n in $(ip netns list | cut -d" " -f1); do echo "[$n]"; ip -n $n -br link | sort; ip -n $n -br addr | sort; ip -n $n route; ip -n $n -6 route; done; ' +
      'iptables-save | grep -v "^#" | sed "s/\\[[0-9]*:[0-9]*\\]//"; ip6tables-save | grep -v "^#" | sed "s/\\[[0-9]*:[0-9]*\\]//"; ' +
      'cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding; ls -R /etc/netns',
  );
  return r.stdout.trim();
}
