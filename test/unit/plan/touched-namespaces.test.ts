import { describe, expect, it } from 'vitest';
import { touchedNamespaces } from '../../../src/plan/touched-namespaces.js';
import type { Change } from '../../../src/model/plan.js';
import type { Resource } from '../../../src/model/resources.js';

const file = (ns: string): Resource => ({ kind: 'file', key: `file:/etc/netns/${ns}/hosts`, ns, path: `/etc/netns/${ns}/hosts`, owned: true, content: 'x\n' });
const addr = (ns: string): Resource => ({ kind: 'addr', key: `addr:${ns}/eth0/10.0.0.2/24`, ns, owned: true, ifname: 'eth0', cidr: '10.0.0.2/24' });

describe('touchedNamespaces', () => {
  it('a file-only change reads no namespace back through the kernel', () => {
    const changes: Change[] = ['a', 'b', 'c'].map((n) => ({
      action: 'update',
      key: `file:/etc/netns/${n}/hosts`,
      before: file(n),
      after: file(n),
      reason: 'test',
    }));
    expect(touchedNamespaces({ changes, conflicts: [] })).toEqual(new Set());
  });

  it('a kernel change does', () => {
    const changes: Change[] = [
      { action: 'create', key: 'addr:a/eth0/10.0.0.2/24', after: addr('a'), reason: 'test' },
      { action: 'update', key: 'file:/etc/netns/b/hosts', before: file('b'), after: file('b'), reason: 'test' },
    ];
    expect(touchedNamespaces({ changes, conflicts: [] })).toEqual(new Set(['a']));
  });
});
