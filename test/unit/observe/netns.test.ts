// Pure parsers against real iproute2 output: captured in a sandbox by
// test/fixtures/ip/capture.sh, plus the reference samples.

import { describe, expect, it } from 'vitest';
import { parseEtcNetnsFiles, type EtcNetnsFile } from '../../../src/observe/files.js';
import { groupNetns, parseNetnsList } from '../../../src/observe/netns.js';
import { fixture, fixtureJson, sample } from './fixtures.js';

describe('namespaces and files', () => {
  it('ip -j netns list', () => {
    expect(
      parseNetnsList(fixtureJson('netns_list.json'))
        .map((n) => n.name)
        .sort(),
    ).toEqual(['foreign', 'r1', 'r2', 'side', 'web']);
    expect(parseNetnsList(sample('netns_list.json'))).toEqual([{ name: 'c1', id: 0 }]);
  });

  it('groups bind mounts of one namespace by device+inode', () => {
    const files = fixture('netns_stat.txt')
      .trim()
      .split('\n')
      .map((l) => {
        const [name, dev, ino] = l.split(' ');
        return { name, dev: Number(dev), ino: Number(ino) };
      });
    const g = groupNetns(files);
    expect(g.map((x) => x.primary).sort()).toEqual(['foreign', 'r1', 'r2', 'side']);
    expect(g.find((x) => x.primary === 'side')!.shared).toEqual(['web']);
    const preferred = groupNetns(files, new Set(['web']));
    expect(preferred.find((x) => x.primary === 'web')!.shared).toEqual(['side']);
  });

  it('/etc/netns files: owned by the header; hostname follows hosts', () => {
    const files = parseEtcNetnsFiles(fixtureJson<EtcNetnsFile[]>('etc_netns.json'));
    expect(files.map((f) => [f.key, f.ns, f.owned]).sort()).toEqual([
      ['file:/etc/netns/foreign/resolv.conf', 'foreign', false],
      ['file:/etc/netns/web/hostname', 'web', true],
      ['file:/etc/netns/web/hosts', 'web', true],
      ['file:/etc/netns/web/resolv.conf', 'web', true],
    ]);
    expect(files.find((f) => f.path.endsWith('web/hostname'))!.content).toBe('web\n');
    const userHosts = parseEtcNetnsFiles([
      { ns: 'x', name: 'hosts', path: '/etc/netns/x/hosts', content: '127.0.0.1 localhost\n' },
      { ns: 'x', name: 'hostname', path: '/etc/netns/x/hostname', content: 'x\n' },
    ]);
    expect(userHosts.every((f) => !f.owned)).toBe(true);
  });
});
