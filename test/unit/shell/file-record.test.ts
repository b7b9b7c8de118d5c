// The record of files netkeeper wrote (src/shell/file-record.ts): a path it wrote stays
// its own after the header was edited away; a path it never wrote needs the header.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adoptRecorded, contentHash, fileRecord, FILES_FILE, nextRecord } from '../../../src/shell/file-record.js';
import { fileIntent } from '../../../src/shell/intent.js';
import type { Change, Observed } from '../../../src/model/plan.js';
import type { FileRes, Resource } from '../../../src/model/resources.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nk-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const file = (path: string, content: string, owned: boolean): FileRes => ({ kind: 'file', key: `file:${path}`, ns: 'web', owned, path, content });
const observed = (rs: Resource[]): Observed => ({
  resources: new Map(rs.map((r) => [r.key, r])),
  facts: { foreignRoutes: [], resolvConf: '', hostname: 'h', linkMtu: {} },
});
const RESOLV = '/etc/netns/web/resolv.conf';
const HOSTS = '/etc/netns/web/hosts';
const write = (path: string, content: string, action: 'create' | 'update' = 'create'): Change =>
  action === 'create'
    ? { action, key: `file:${path}`, after: file(path, content, true), reason: 'declared' }
    : { action, key: `file:${path}`, before: file(path, '', false), after: file(path, content, true), reason: 'declared' };

describe('files netkeeper wrote', () => {
  it("a recorded path is netkeeper's whatever its content; an unrecorded one without the header is not", () => {
    const o = observed([file(RESOLV, 'nameserver 1.1.1.1\n', false), file(HOSTS, '127.0.0.1 mine\n', false)]);
    expect(adoptRecorded(o, new Map([[RESOLV, contentHash('x')]]))).toEqual([RESOLV]);
    expect(o.resources.get(`file:${RESOLV}`)!.owned).toBe(true);
    expect(o.resources.get(`file:${HOSTS}`)!.owned).toBe(false);
  });

  it('records what was written, forgets what was deleted or is gone, keeps what failed out', () => {
    const before = new Map([
      [RESOLV, 'old'],
      ['/etc/netns/gone/hosts', 'old'],
      ['/etc/netns/left/hosts', 'old'],
    ]);
    const o = observed([
      file(RESOLV, 'edited\n', true),
      file('/etc/netns/left/hosts', '# managed\n', true),
      // found with the header, not recorded (written before a reboot emptied /run): recorded as it is
      file('/etc/netns/old/hosts', '# managed by netkeeper\n', true),
      file('/etc/netns/mine/hosts', "the user's\n", false),
    ]);
    const changes: Change[] = [
      write(RESOLV, '# managed by netkeeper\nnameserver 10.0.0.2\n', 'update'),
      write(HOSTS, '# hosts\n'),
      write('/etc/netns/web/hostname', 'web\n'),
      { action: 'delete', key: 'file:/etc/netns/left/hosts', before: file('/etc/netns/left/hosts', '', true), reason: 'no longer declared' },
    ];
    const done = new Set([`file:${RESOLV}`, `file:${HOSTS}`, 'file:/etc/netns/left/hosts']);
    const next = nextRecord(before, changes, done, o);
    expect([...next.keys()].sort()).toEqual(['/etc/netns/old/hosts', HOSTS, RESOLV]);
    expect(next.get(RESOLV)).toBe(contentHash('# managed by netkeeper\nnameserver 10.0.0.2\n'));
    expect(next.get('/etc/netns/old/hosts')).toBe(contentHash('# managed by netkeeper\n'));
  });

  it('persists in the run dir and is read by the next pass', async () => {
    const d = join(dir, 'run');
    const r1 = fileRecord(d);
    await r1.adopt(observed([]));
    await r1.note([write(RESOLV, '# managed\n')], new Set([`file:${RESOLV}`]), observed([]));
    const j = JSON.parse(await readFile(join(d, FILES_FILE), 'utf8'));
    expect(j.files).toEqual({ [RESOLV]: contentHash('# managed\n') });
    const o = observed([file(RESOLV, 'nameserver 9.9.9.9\n', false)]);
    await fileRecord(d).adopt(o);
    expect(o.resources.get(`file:${RESOLV}`)!.owned).toBe(true);
    // the container left: its files deleted, the record empty and removed
    const r3 = fileRecord(d);
    await r3.note([{ action: 'delete', key: `file:${RESOLV}`, before: file(RESOLV, '', true), reason: 'gone' }], new Set([`file:${RESOLV}`]), o);
    expect(existsSync(join(d, FILES_FILE))).toBe(false);
  });
});

describe('the crash journal with a conflict', () => {
  it('is emptied once in sync but for what conflicts hold back, whose entries stay', async () => {
    const d = join(dir, 'intent');
    const netns = (name: string): Resource => ({
      kind: 'netns',
      key: `netns:${name}`,
      ns: name,
      owned: true,
      name,
      origin: 'named',
      path: `/run/netns/${name}`,
    });
    const link = (ns: string, ifname: string): Resource => ({ kind: 'link', key: `link:${ns}/${ifname}`, ns, owned: true, ifname, type: 'veth', up: true });
    const create = (r: Resource): Change => ({ action: 'create', key: r.key, after: r, reason: 'declared' });
    const p = fileIntent(d);
    await p.adopt(observed([]));
    await p.record([create(netns('web')), create(link('app', 'eth0'))]);
    const held = { code: 'unowned-in-the-way' as const, message: 'x', keys: ['link:host/nkapp0'], heldBack: ['link:app/eth0'] };
    await p.settle({ changes: [], conflicts: [held] });
    expect(JSON.parse(await readFile(join(d, 'intent.json'), 'utf8')).keys).toEqual(['link:app/eth0']);
    // a conflict that blocks everything: nothing settles
    await p.settle({ changes: [], conflicts: [{ code: 'macvlan-parent-missing', message: 'x' }] });
    expect(existsSync(join(d, 'intent.json'))).toBe(true);
    await p.settle({ changes: [], conflicts: [] });
    expect(existsSync(join(d, 'intent.json'))).toBe(false);
  });
});
