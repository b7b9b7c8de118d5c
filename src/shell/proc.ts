// Reading /proc/PID/stat: the one place that knows its layout.

import { readFile } from 'node:fs/promises';

/**
 * Field `n` (1-based, as in proc(5)) of /proc/PID/stat, or undefined when the
 * process is gone. The command name (field 2) may hold spaces and parentheses,
 * so fields are counted after its last ')'.
 */
export async function procStatField(pid: number | 'self', n: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[n - 3];
  } catch {
    return undefined;
  }
}

/** Start time of a process in clock ticks since boot (field 22): tells a process from a later one that reused its pid. */
export function processStart(pid: number): Promise<string | undefined> {
  return procStatField(pid, 22);
}
