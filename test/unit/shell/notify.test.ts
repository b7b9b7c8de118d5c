// systemd readiness (Type=notify): READY=1 exactly once, after the first pass that
// converged — not after a pass that found the files invalid, failed or held
// something back — and STATUS= after every pass.
import { describe, expect, it } from 'vitest';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNotifier, systemdNotify } from '../../../src/shell/notify.js';
import type { PassResult } from '../../../src/shell/state-file.js';

function recorder() {
  const sent: string[][] = [];
  return { sent, send: async (fields: string[]) => void sent.push(fields) };
}

const pass = (id: number, result: PassResult, errors: string[] = []) => ({ id, result, errors });

describe('readiness notifier', () => {
  it('READY=1 once, after the first converged pass', async () => {
    const r = recorder();
    const n = createNotifier(r.send);
    await n.passDone(pass(1, 'invalid', ['web.yaml:3:5: bad']));
    await n.passDone(pass(2, 'failed', ['link:host/x: ip: boom']));
    await n.passDone(pass(3, 'conflict', ["error: link br-x exists and is not netkeeper's"]));
    expect(n.ready).toBe(false);
    await n.passDone(pass(4, 'applied'));
    expect(n.ready).toBe(true);
    await n.passDone(pass(5, 'in-sync'));
    await n.passDone(pass(6, 'applied'));
    expect(r.sent.filter((f) => f.includes('READY=1'))).toHaveLength(1);
    expect(r.sent[3]).toEqual(['READY=1', 'STATUS=pass 4: applied']);
    expect(r.sent[0]).toEqual(['STATUS=pass 1: invalid: web.yaml:3:5: bad']);
    expect(r.sent.map((f) => f.at(-1))).toHaveLength(6);
  });

  it('a first pass in sync is ready at once; STOPPING=1 on stop', async () => {
    const r = recorder();
    const n = createNotifier(r.send);
    await n.passDone(pass(1, 'in-sync'));
    await n.stopping();
    expect(r.sent).toEqual([['READY=1', 'STATUS=pass 1: in-sync'], ['STOPPING=1']]);
  });

  it('a failing sender is logged, never fatal', async () => {
    const warned: unknown[] = [];
    const log = { warn: (o: unknown) => warned.push(o), info: () => undefined } as never;
    const n = createNotifier(async () => Promise.reject(new Error('no socket')), log);
    await n.passDone(pass(1, 'applied'));
    expect(warned).toHaveLength(1);
  });
});

describe('systemd-notify as the sender', () => {
  it('is off without NOTIFY_SOCKET', () => {
    expect(systemdNotify({})).toBeUndefined();
  });

  it('runs systemd-notify --pid=<the watcher> with the fields', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nk-notify-'));
    try {
      // a stand-in systemd-notify on PATH that records its arguments and environment
      await writeFile(join(dir, 'systemd-notify'), `#!/bin/sh\necho "$NOTIFY_SOCKET $*" >> ${dir}/calls\n`);
      await chmod(join(dir, 'systemd-notify'), 0o755);
      const send = systemdNotify({ NOTIFY_SOCKET: '/run/systemd/notify', PATH: `${dir}:/usr/bin:/bin` }, 4242)!;
      await send(['READY=1', 'STATUS=pass 1: applied']);
      expect(await readFile(join(dir, 'calls'), 'utf8')).toBe('/run/systemd/notify --pid=4242 READY=1 STATUS=pass 1: applied\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
