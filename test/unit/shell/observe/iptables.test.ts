// The host's iptables-save of both families (src/shell/observe/iptables.ts): run side by
// side, but when both fail the error is IPv4's, whichever process failed first — so a
// host without iptables is told about `iptables-save` every time.

import { describe, expect, it } from 'vitest';
import { hostSaves } from '../../../../src/shell/observe/iptables.js';
import type { Runner } from '../../../../src/shell/runner.js';

const after = (ms: number) => new Promise((r) => setTimeout(r, ms));

function runner(delays: Record<string, number>, fail: Set<string>): Runner {
  return {
    async run(cmd) {
      await after(delays[cmd] ?? 0);
      if (fail.has(cmd)) throw new Error(`${cmd} not found`);
      return { stdout: `# ${cmd}\n`, stderr: '', exitCode: 0 };
    },
  } as Runner;
}

describe('hostSaves', () => {
  it('both fail, IPv6 first: the error is IPv4’s', async () => {
    const r = runner({ 'iptables-save': 20, 'ip6tables-save': 0 }, new Set(['iptables-save', 'ip6tables-save']));
    await expect(hostSaves(r)).rejects.toThrow('iptables-save not found');
    await expect(hostSaves(r)).rejects.not.toThrow('ip6tables-save');
  });

  it('only IPv6 fails: its error', async () => {
    const r = runner({}, new Set(['ip6tables-save']));
    await expect(hostSaves(r)).rejects.toThrow('ip6tables-save not found');
  });

  it('both read: the texts in family order', async () => {
    const r = runner({ 'iptables-save': 15 }, new Set());
    expect(await hostSaves(r)).toEqual(['# iptables-save\n', '# ip6tables-save\n']);
  });
});
