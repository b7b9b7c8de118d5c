import { describe, expect, it } from 'vitest';
import { batchErrors, sysctlPath } from '../../../../src/shell/apply/index.js';

describe('batchErrors', () => {
  it('maps each "Command failed -:N" to the error text printed before it', () => {
    const stderr = 'Error: Device for nexthop is not up.\nCommand failed -:3\nCannot find device "bogus"\nCommand failed -:4\n';
    expect([...batchErrors(stderr)]).toEqual([
      [3, 'Error: Device for nexthop is not up.'],
      [4, 'Cannot find device "bogus"'],
    ]);
  });
});

describe('sysctlPath', () => {
  it('keeps dots inside interface names', () => {
    expect(sysctlPath('net.ipv4.ip_forward')).toBe('/proc/sys/net/ipv4/ip_forward');
    expect(sysctlPath('net.ipv4.conf.br-my.net.route_localnet')).toBe('/proc/sys/net/ipv4/conf/br-my.net/route_localnet');
    expect(sysctlPath('net.bridge.bridge-nf-call-iptables')).toBe('/proc/sys/net/bridge/bridge-nf-call-iptables');
  });
});
