import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeHostFs } from '../../../src/shell/host-fs.js';
import { memoryFs } from '../../helpers/memory-fs.js';
import { applyProgram, sweepTrash, TRASH_PREFIX } from '../../../src/shell/apply/index.js';
import { fileIntent } from '../../../src/shell/intent.js';
import { fileRecord } from '../../../src/shell/file-record.js';
import { rememberHostSysctls, restoreHostSysctls } from '../../../src/shell/host-sysctls.js';
import { render } from '../../../src/render/index.js';
import type { Runner } from '../../../src/shell/runner.js';
import type { Change, Observed } from '../../../src/model/plan.js';

const noRunner: Runner = {
  run: async (cmd, args) => {
    throw new Error(`unexpected command ${cmd} ${args.join(' ')}`);
  },
};

const emptyProgram = () => render([], []);

describe('HostFs', () => {
  it('nodeHostFs: reads never throw, rm of a missing path is no error', async () => {
    const d = await mkdtemp(join(tmpdir(), 'nk-hostfs-'));
    expect(await nodeHostFs.readFile(join(d, 'missing'))).toBeUndefined();
    expect(await nodeHostFs.readdir(join(d, 'missing'))).toEqual([]);
    expect(await nodeHostFs.stat(join(d, 'missing'))).toBeUndefined();
    await nodeHostFs.rm(join(d, 'missing'));
    await nodeHostFs.mkdir(join(d, 'a/b'));
    await nodeHostFs.writeFile(join(d, 'a/b/f'), 'x');
    await nodeHostFs.writeFile(join(d, 'a/b/f'), 'y', { append: true });
    expect(await readFile(join(d, 'a/b/f'), 'utf8')).toBe('xy');
    await expect(nodeHostFs.rmdir(join(d, 'a/b'))).rejects.toThrow();
  });

  it('apply writes /etc/netns files, removes directories and sets host sysctls through the fs it is given', async () => {
    const fs = memoryFs({ '/etc/netns/old/hosts': 'old', '/proc/sys/net/ipv4/ip_forward': '0\n' });
    const prog = emptyProgram();
    prog.files.push({ path: '/etc/netns/web/resolv.conf', content: 'nameserver 1.1.1.1\n', key: 'file:web:resolv.conf' });
    prog.dirs.push({ path: '/etc/netns/old', keys: ['file:old:hosts'] });
    prog.sysctls.push({ ns: 'host', name: 'net.ipv4.ip_forward', value: '1', key: 'sysctl::net.ipv4.ip_forward' });
    const report = await applyProgram(prog, { runner: noRunner, fs });
    expect(report.failed).toEqual([]);
    expect(fs.files.get('/etc/netns/web/resolv.conf')).toBe('nameserver 1.1.1.1\n');
    expect(fs.files.get('/proc/sys/net/ipv4/ip_forward')).toBe('1\n');
    expect([...fs.files.keys()].some((p) => p.startsWith('/etc/netns/old'))).toBe(false);
    expect(report.done.sort()).toEqual(['file:old:hosts', 'file:web:resolv.conf', 'sysctl::net.ipv4.ip_forward']);
  });

  it('sweepTrash removes what a killed run left, through the fs', async () => {
    const fs = memoryFs({ [`/etc/netns/${TRASH_PREFIX}web-1/hosts`]: 'x', '/etc/netns/db/hosts.nk-tmp-9': 'y', '/etc/netns/db/hosts': 'z' });
    await sweepTrash('/etc/netns', fs);
    expect([...fs.files.keys()]).toEqual(['/etc/netns/db/hosts']);
  });

  it('the crash journal, the files record and the host sysctls record live in the fs given', async () => {
    const fs = memoryFs({ '/proc/sys/net/ipv4/ip_forward': '0\n' });
    const observed: Observed = { resources: new Map(), facts: { hostname: 'h', resolvConf: '' } } as unknown as Observed;
    const create: Change = {
      action: 'create',
      key: 'netns:web',
      after: { kind: 'netns', key: 'netns:web', ns: '', name: 'web', owned: true },
    } as unknown as Change;
    await fileIntent('/run/nk', fs).record([create]);
    expect(JSON.parse(fs.files.get('/run/nk/intent.json')!).keys).toEqual(['netns:web']);
    const file: Change = {
      action: 'create',
      key: 'file:web:hosts',
      after: { kind: 'file', key: 'file:web:hosts', ns: '', path: '/etc/netns/web/hosts', content: 'c', owned: true },
    } as unknown as Change;
    await fileRecord('/run/nk', fs).note([file], new Set(['file:web:hosts']), observed);
    expect(Object.keys(JSON.parse(fs.files.get('/run/nk/files.json')!).files)).toEqual(['/etc/netns/web/hosts']);
    const sysctl: Change = {
      action: 'update',
      key: 'sysctl::net.ipv4.ip_forward',
      before: { kind: 'sysctl', key: 'sysctl::net.ipv4.ip_forward', ns: 'host', name: 'net.ipv4.ip_forward', value: '0' },
      after: { kind: 'sysctl', key: 'sysctl::net.ipv4.ip_forward', ns: 'host', name: 'net.ipv4.ip_forward', value: '1' },
    } as unknown as Change;
    await rememberHostSysctls([sysctl], '/run/nk', fs);
    expect(fs.files.has('/run/nk/sysctls.json')).toBe(true);
    fs.files.set('/proc/sys/net/ipv4/ip_forward', '1\n');
    const r = await restoreHostSysctls('/run/nk', fs);
    expect(r.failed).toEqual([]);
    expect(fs.files.get('/proc/sys/net/ipv4/ip_forward')).toBe('0\n');
    expect(fs.files.has('/run/nk/sysctls.json')).toBe(false);
  });

  it('a real directory works too (nodeHostFs is the default)', async () => {
    const d = await mkdtemp(join(tmpdir(), 'nk-hostfs-'));
    await writeFile(join(d, 'x'), '');
    const prog = emptyProgram();
    prog.files.push({ path: `${d}/ns/hosts`, content: 'h', key: 'k' });
    await applyProgram(prog, { runner: noRunner });
    expect(await readFile(`${d}/ns/hosts`, 'utf8')).toBe('h');
  });
});
