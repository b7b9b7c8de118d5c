import { describe, expect, test } from 'vitest';
import { raConflicts, raRouteDevices, turnsOnIpv6Forwarding } from '../../../src/plan/ra-guard.js';
import { key, type SysctlRes } from '../../../src/model/resources.js';
import type { Change } from '../../../src/model/plan.js';

const fwd = (value: string, ns = 'host'): SysctlRes => ({
  kind: 'sysctl',
  key: key.sysctl(ns, 'net.ipv6.conf.all.forwarding'),
  ns,
  owned: true,
  name: 'net.ipv6.conf.all.forwarding',
  value,
});
const change = (before: string | undefined, after: string, ns = 'host'): Change =>
  before === undefined
    ? { action: 'create', key: key.sysctl(ns, 'net.ipv6.conf.all.forwarding'), after: fwd(after, ns), reason: '' }
    : { action: 'update', key: key.sysctl(ns, 'net.ipv6.conf.all.forwarding'), before: fwd(before, ns), after: fwd(after, ns), reason: '' };

describe('IPv6 forwarding on a host that takes its default route from router advertisements', () => {
  test('only a plan turning host IPv6 forwarding on is checked', () => {
    expect(turnsOnIpv6Forwarding([change('0', '1')])).toBeDefined();
    expect(turnsOnIpv6Forwarding([change('1', '1')])).toBeUndefined();
    expect(turnsOnIpv6Forwarding([change('0', '1', 'router')])).toBeUndefined();
  });
  test('default routes learned from RAs (proto ra, or 9 with -N), multipath included', () => {
    expect(
      raRouteDevices([
        { dst: 'default', gateway: 'fe80::1', dev: 'eth0', protocol: 'ra' },
        { dst: 'default', gateway: 'fd00::1', dev: 'eth1', protocol: 'static' },
        { dst: 'default', protocol: 9, nexthops: [{ gateway: 'fe80::2', dev: 'wlan0' }] },
      ]),
    ).toEqual(['eth0', 'wlan0']);
  });
  test('refused with the fix unless accept_ra is 2 on that interface', () => {
    const routes = [{ dst: 'default', gateway: 'fe80::1', dev: 'eth0', protocol: 'ra' }];
    const [c] = raConflicts(routes, new Map([['eth0', '1']]));
    expect(c.code).toBe('ipv6-forwarding-drops-ra-route');
    expect(c.message).toContain('sysctl -w net.ipv6.conf.eth0.accept_ra=2');
    expect(raConflicts(routes, new Map([['eth0', '2']]))).toEqual([]);
  });
});
