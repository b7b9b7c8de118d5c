// Ownership marks: made and read in one place (src/model/marks.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MARK,
  aliasDetail,
  isFirewallNetnsAlias,
  isNetnsAlias,
  isOwnedAlias,
  isOwnedFileContent,
  isOwnedLoLabel,
  isOwnedRouteProtocol,
  isOwnedRuleComment,
  makeAlias,
  makeNetnsAlias,
  makeVethAlias,
  parseVethAlias,
  vethPeer,
} from '../../../src/model/marks.js';

describe('interface aliases', () => {
  it('made and read back by role', () => {
    expect(makeAlias('net', 'frontend')).toBe('nk:net:frontend');
    expect(aliasDetail('nk:net:frontend', 'net')).toBe('frontend');
    expect(aliasDetail('nk:vxlan:ov', 'net')).toBeUndefined();
    expect(aliasDetail(undefined, 'net')).toBeUndefined();
    expect(isOwnedAlias('nk:link:p2p')).toBe(true);
    expect(isOwnedAlias('docker0')).toBe(false);
    expect(isOwnedAlias(undefined)).toBe(false);
  });

  it('a veth end names its other end; an interface name may hold a slash-free anything', () => {
    const a = makeVethAlias({ ns: 'web', ifname: 'eth0' });
    expect(a).toBe('nk:veth:web/eth0');
    expect(parseVethAlias(a)).toEqual({ ns: 'web', ifname: 'eth0' });
    expect(parseVethAlias('nk:veth:host/nk-a.b@c')).toEqual({ ns: 'host', ifname: 'nk-a.b@c' });
    expect(parseVethAlias('nk:veth:nope')).toBeUndefined();
    expect(parseVethAlias('nk:net:web/eth0')).toBeUndefined();
    expect(parseVethAlias(undefined)).toBeUndefined();
  });

  it('the observed peer wins over the mark', () => {
    expect(vethPeer({ peer: { ns: 'a', ifname: 'x' }, alias: 'nk:veth:b/y' })).toEqual({ ns: 'a', ifname: 'x' });
    expect(vethPeer({ alias: 'nk:veth:b/y' })).toEqual({ ns: 'b', ifname: 'y' });
    expect(vethPeer({})).toBeUndefined();
  });
});

describe('other marks', () => {
  it('namespaces, routes, loopback labels, files and rule comments', () => {
    expect(isNetnsAlias(makeNetnsAlias(false))).toBe(true);
    expect(isNetnsAlias(makeNetnsAlias(true))).toBe(true);
    expect(isFirewallNetnsAlias(makeNetnsAlias(true))).toBe(true);
    expect(isFirewallNetnsAlias(makeNetnsAlias(false))).toBe(false);
    expect(isNetnsAlias('nk:net:x')).toBe(false);
    expect(isOwnedRouteProtocol('77')).toBe(true);
    expect(isOwnedRouteProtocol(77)).toBe(true);
    expect(isOwnedRouteProtocol('kernel')).toBe(false);
    expect(isOwnedRouteProtocol(undefined)).toBe(false);
    expect(isOwnedLoLabel(MARK.loLabel)).toBe(true);
    expect(isOwnedLoLabel('lo')).toBe(false);
    expect(isOwnedFileContent(`${MARK.fileHeader}\nnameserver 1.1.1.1\n`)).toBe(true);
    expect(isOwnedFileContent('nameserver 1.1.1.1\n')).toBe(false);
    expect(isOwnedFileContent(undefined)).toBe(false);
    expect(isOwnedRuleComment('netkeeper')).toBe(true);
    expect(isOwnedRuleComment('netkeeper2')).toBe(false);
  });
});

describe('one home', () => {
  const SRC = join(import.meta.dirname, '../../../src');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

  it('no other source file spells an nk: alias (it uses makeAlias / aliasDetail / parseVethAlias)', () => {
    const offenders: string[] = [];
    for (const f of files(SRC)) {
      if (f.endsWith(join('model', 'marks.ts'))) continue;
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          // comments may name the marks; code may not spell them
          const code = line
            .replace(/\/\*.*?(\*\/|$)/g, '')
            .replace(/^\s*\*.*$/, '')
            .replace(/(^|\s)\/\/.*$/, '');
          if (/['"`/^]nk:(net|vxlan|macvlan|veth|link|netns)\b/.test(code)) offenders.push(`${relative(SRC, f)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
