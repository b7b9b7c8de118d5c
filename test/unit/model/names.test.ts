import { describe, expect, it } from 'vitest';
import { attachmentIfnames, bridgeName, defaultVni, macFromIPv4, macFromName, overlayGatewayMac, vethHostName, vxlanName } from '../../../src/model/names.js';

describe('derived names', () => {
  it('bridge names: interface, br-<name>, or a hashed short form', () => {
    expect(bridgeName('frontend', 'mybr0')).toBe('mybr0');
    expect(bridgeName('frontend')).toBe('br-frontend');
    expect(bridgeName('twelve-chars')).toBe('br-twelve-chars'); // exactly 15
    const long = bridgeName('a-very-long-network-name');
    expect(long).toMatch(/^br-a-very-[0-9a-f]{4}$/);
    expect(long.length).toBeLessThanOrEqual(15);
    expect(bridgeName('a-very-long-network-name')).toBe(long); // stable
    expect(bridgeName('a-very-long-network-name-2')).not.toBe(long);
  });

  it('vxlan device names fit in 15 bytes', () => {
    expect(vxlanName('ov1')).toBe('vx-ov1');
    expect(vxlanName('overlay-network-long')).toMatch(/^vx-overla-[0-9a-f]{4}$/);
  });

  it('host-side veth names: nk + 10 hex, stable, distinct per attachment', () => {
    const a = vethHostName('web', 'eth0');
    expect(a).toMatch(/^nk[0-9a-f]{10}$/);
    expect(vethHostName('web', 'eth0')).toBe(a);
    expect(vethHostName('web', 'eth1')).not.toBe(a);
    expect(vethHostName('web2', 'eth0')).not.toBe(a);
  });

  it('MACs: Docker rule from IPv4, hash for IPv6-only, locally administered gateway MAC', () => {
    expect(macFromIPv4('172.18.0.10')).toBe('02:42:ac:12:00:0a');
    expect(macFromName('web', 'eth0')).toMatch(/^02:42(:[0-9a-f]{2}){4}$/);
    expect(macFromName('web', 'eth0')).not.toBe(macFromName('web', 'eth1'));
    expect(overlayGatewayMac('ov1')).toMatch(/^02:4e:4b(:[0-9a-f]{2}){3}$/);
    expect(overlayGatewayMac('ov1')).toBe(overlayGatewayMac('ov1'));
  });

  it('default VNIs stay in the 24-bit space above 4095', () => {
    for (const n of ['a', 'b', 'overlay', 'x'.repeat(60)]) {
      const v = defaultVni(n);
      expect(v).toBeGreaterThanOrEqual(4096);
      expect(v).toBeLessThan(1 << 24);
    }
  });
});

describe('names as Docker allows them (either case)', () => {
  it("today's lowercase names keep exactly their kernel names (no churn on existing hosts)", () => {
    expect(bridgeName('frontend')).toBe('br-frontend');
    expect(bridgeName('a-very-long-network-name')).toBe('br-a-very-22b4');
    expect(vxlanName('a-very-long-network-name')).toBe('vx-a-very-22b4');
    expect(vethHostName('web', 'eth0')).toBe('nkf92296c170');
    expect(vethHostName('db', 'eth1')).toBe('nk6320e25e6e');
    expect(macFromName('web', 'eth1')).toBe('02:42:69:64:72:77');
  });

  it('mixed-case names are kept as written, within 15 bytes', () => {
    expect(bridgeName('modemA')).toBe('br-modemA');
    expect(vxlanName('exampleCOM')).toBe('vx-exampleCOM');
    const long = bridgeName('ExampleNetworkWithCaps');
    expect(long).toMatch(/^br-Exampl-[0-9a-f]{4}$/);
    for (const n of ['homeA', 'ExampleNetworkWithCaps', 'A'.repeat(63)]) {
      for (const d of [bridgeName(n), vxlanName(n), vethHostName(n, 'eth0')]) expect(Buffer.byteLength(d)).toBeLessThanOrEqual(15);
    }
  });

  it('two names differing only in case never share a derived kernel name', () => {
    const pairs = [
      ['homeA', 'homea'],
      ['modemA', 'modema'],
      ['ExampleNetworkWithCaps', 'examplenetworkwithcaps'], // hashed forms: same first six letters up to case
      ['LongNetworkNameA', 'LongNetworkNamea'], // hashed forms with the same first six characters
    ];
    for (const [a, b] of pairs) {
      expect(bridgeName(a)).not.toBe(bridgeName(b));
      expect(vxlanName(a)).not.toBe(vxlanName(b));
      expect(vethHostName(a, 'eth0')).not.toBe(vethHostName(b, 'eth0'));
      expect(macFromName(a, 'eth0')).not.toBe(macFromName(b, 'eth0'));
      expect(overlayGatewayMac(a)).not.toBe(overlayGatewayMac(b));
    }
  });
});

describe('attachmentIfnames', () => {
  it('eth<i> by position, skipping names written elsewhere in the list', () => {
    expect(attachmentIfnames([])).toEqual([]);
    expect(attachmentIfnames([{}, {}, {}])).toEqual(['eth0', 'eth1', 'eth2']);
    expect(attachmentIfnames([{ ifname: '' }, {}])).toEqual(['eth0', 'eth1']);
    expect(attachmentIfnames([{}, { ifname: 'eth0' }, {}])).toEqual(['eth1', 'eth0', 'eth2']);
    expect(attachmentIfnames([{ ifname: 'eth1' }, {}, {}])).toEqual(['eth1', 'eth2', 'eth3']);
    expect(attachmentIfnames([{}, { ifname: 'uplink' }, {}])).toEqual(['eth0', 'uplink', 'eth2']);
  });
});
