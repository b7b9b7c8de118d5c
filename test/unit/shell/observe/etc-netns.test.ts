// readEtcNetns reads the many small files of /etc/netns at once where the HostFs can
// (nodeHostFs's readFileNow/readlinkNow): the same files, links and contents as the
// async reads give, on a real directory (links to shared hosts files, missing files, a
// dot-directory and a temporary file left out).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEtcNetns } from '../../../../src/shell/observe/etc-netns.js';
import { nodeHostFs } from '../../../../src/shell/host-fs.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nk-etc-netns-'));
  await mkdir(join(dir, '.hosts'));
  await writeFile(join(dir, '.hosts/app'), '127.0.0.1 localhost\n10.0.0.2 web\n');
  for (let i = 0; i < 40; i++) {
    const d = join(dir, `c${i}`);
    await mkdir(d);
    await writeFile(join(d, 'resolv.conf'), `nameserver 10.0.0.${i}\n`);
    if (i % 3 === 0) await writeFile(join(d, 'hosts'), `# own ${i}\n`);
    else if (i % 3 === 1) await symlink('../.hosts/app', join(d, 'hosts'));
    if (i % 5 !== 0) await writeFile(join(d, 'hostname'), `c${i}\n`);
  }
  await mkdir(join(dir, '.trash-1'));
  await writeFile(join(dir, '.trash-1/hosts'), 'x');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readEtcNetns', () => {
  it('reads the same at once as through the async reads', async () => {
    expect(nodeHostFs.readFileNow).toBeDefined();
    const now = await readEtcNetns(nodeHostFs, dir);
    const async = await readEtcNetns({ ...nodeHostFs, readFileNow: undefined, readlinkNow: undefined }, dir);
    expect(now).toEqual(async);
    expect(now.filter((f) => f.link === '../.hosts/app')).toHaveLength(13);
    expect(now.filter((f) => f.name === 'hostname')).toHaveLength(32);
    expect(now.some((f) => f.path.includes('.trash'))).toBe(false);
    expect(now.find((f) => f.ns === '.hosts')?.content).toContain('10.0.0.2 web');
  });
});
