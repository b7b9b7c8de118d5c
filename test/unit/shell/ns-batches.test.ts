// The shell worker script of ns-batches.ts, run by a real `sh` with nsenter
// replaced by a stand-in on PATH that echoes what it was given.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNsBatches } from '../../../src/shell/ns-batches.js';
import { createRunner } from '../../../src/shell/runner.js';

describe('runNsBatches', () => {
  it('runs each batch with its own input and splits stdout, stderr and exit codes per namespace', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'nk-fake-'));
    // stand-in: prints its first argument and its stdin; fails for the namespace "bad"
    writeFileSync(join(bin, 'nsenter'), '#!/bin/sh\necho "$1 $2 $3"\ncat\ncase "$1" in *bad*) echo "Command failed -:1" >&2; exit 1;; esac\n');
    chmodSync(join(bin, 'nsenter'), 0o755);
    const runner = createRunner();
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const wrapped = { run: (c: string, a: string[], o?: { input?: string }) => runner.run('env', [`PATH=${env.PATH}`, c, ...a], o) };
    const items = ['a', 'bad', "it's", 'd'].map((ns) => ({ path: `/run/netns/${ns}`, input: `link show ${ns}\naddr show\n`, flags: ['-j'] }));
    const r = await runNsBatches(wrapped, items, 2);
    expect(r.map((x) => x.exitCode)).toEqual([0, 1, 0, 0]);
    expect(r[0].stdout).toBe('--net=/run/netns/a ip -j\nlink show a\naddr show\n');
    expect(r[2].stdout).toBe("--net=/run/netns/it's ip -j\nlink show it's\naddr show\n");
    expect(r[1].stderr).toBe('Command failed -:1');
    expect(r[3].stderr).toBe('');
  });
});
