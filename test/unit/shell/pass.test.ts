// runPass (src/shell/pass.ts) against a fake runner and an in-memory HostFs.
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { runPass } from '../../../src/shell/pass.js';
import { WEB, fakeHost, files } from './fake-host.js';
import { memoryFs } from '../../helpers/memory-fs.js';

describe('runPass against fakes', () => {
  it('a dry run plans from (runner, fs) alone and carries the typed program, iptables included', async () => {
    const fs = memoryFs();
    const o = await runPass({ dir: 'networks.d', config: files(WEB), dryRun: true, runner: fakeHost(1), fs, log: pino({ level: 'silent' }) });
    expect(o.status).toBe('planned');
    if (o.status !== 'planned') return;
    expect(o.plan.changes.map((c) => c.key)).toContain('netns:web');
    expect(o.program.iptables.length).toBeGreaterThan(0);
    expect(o.program.host.some((l) => l.text === 'netns add web')).toBe(true);
    expect(fs.files.size).toBe(0); // a plan writes nothing
  });
});
