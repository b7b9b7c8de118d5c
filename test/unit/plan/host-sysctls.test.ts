import { describe, expect, test } from 'vitest';
import { formatSysctlRestores, recordSysctlChanges, sysctlRestores } from '../../../src/plan/host-sysctls.js';
import { key, type SysctlRes } from '../../../src/model/resources.js';
import type { Change } from '../../../src/model/plan.js';

const res = (name: string, value: string, ns = 'host'): SysctlRes => ({ kind: 'sysctl', key: key.sysctl(ns, name), ns, owned: true, name, value });
const set = (name: string, from: string | undefined, to: string, ns = 'host'): Change =>
  from === undefined
    ? { action: 'create', key: key.sysctl(ns, name), after: res(name, to, ns), reason: '' }
    : { action: 'update', key: key.sysctl(ns, name), before: res(name, from, ns), after: res(name, to, ns), reason: '' };

describe('host sysctls netkeeper changes are recorded before the first change', () => {
  test('the value before the first change is kept; later changes only move what netkeeper set', () => {
    const r1 = recordSysctlChanges({}, [set('net.ipv4.ip_forward', '0', '1')]);
    expect(r1).toEqual({ 'net.ipv4.ip_forward': { before: '0', set: '1' } });
    // a second pass (e.g. someone set it back to 0, netkeeper sets 1 again) keeps the original
    expect(recordSysctlChanges(r1!, [set('net.ipv4.ip_forward', '0', '1')])).toBeUndefined();
  });
  test('container namespaces, sysctls that did not exist yet, and deletions are not recorded', () => {
    expect(
      recordSysctlChanges({}, [
        set('net.ipv4.ip_forward', '0', '1', 'web'),
        set('net.bridge.bridge-nf-call-iptables', undefined, '1'),
        { action: 'delete', key: key.sysctl('host', 'net.ipv4.ip_forward'), before: res('net.ipv4.ip_forward', '1'), reason: '' },
      ]),
    ).toBeUndefined();
  });
  test('destroy gives back what is still at the value netkeeper set, and leaves the rest', () => {
    const record = {
      'net.ipv4.ip_forward': { before: '0', set: '1' },
      'net.ipv6.conf.all.forwarding': { before: '0', set: '1' },
      'net.ipv4.conf.br-x.route_localnet': { before: '0', set: '1' },
    };
    const current = new Map([
      ['net.ipv4.ip_forward', '1'],
      ['net.ipv6.conf.all.forwarding', '0'], // changed back by someone else: theirs
      ['net.ipv4.conf.br-x.route_localnet', undefined], // its bridge is gone
    ]);
    const restores = sysctlRestores(record, current);
    expect(restores).toEqual([{ name: 'net.ipv4.ip_forward', from: '1', to: '0' }]);
    expect(formatSysctlRestores(restores)).toContain('net.ipv4.ip_forward 1 → 0');
  });
});
