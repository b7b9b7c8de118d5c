// Issue 9 item 9: icc: false keeps IPv6 neighbour discovery working, and a
// network without subnets of one family still gets that family's guards
// (internal, isolation, icc: false) — a member cannot go around them by giving
// itself addresses of the other family.

import { describe, expect, it } from 'vitest';
import { buildFirewall } from '../../../src/plan/firewall.js';
import { key, type Resource, type SysctlRes } from '../../../src/model/resources.js';
import { container, network, topology } from './firewall-fixtures.js';

function rulesOf(rs: Resource[], name: string, family: 'ipv4' | 'ipv6'): string[] | undefined {
  const c = rs.find((r) => r.key === key.chain('host', family, 'filter', name));
  return c?.kind === 'chain' ? c.rules : undefined;
}
const sysctls = (rs: Resource[]) => Object.fromEntries(rs.filter((r): r is SysctlRes => r.kind === 'sysctl').map((s) => [s.name, s.value]));
const ND = [133, 134, 135, 136, 137].map((t) => `-i br-sec -o br-sec -p ipv6-icmp -m icmp6 --icmpv6-type ${t} -j ACCEPT`);

describe('icc: false on a dual-stack network', () => {
  const sec = network('sec', 'br-sec', ['172.21.0.0/24', 'fd00:21::/64'], { icc: false });
  const a = container('a', [{ network: 'sec', ip4: '172.21.0.10', ip6: 'fd00:21::10' }], { links: [{ container: 'b', alias: 'b', ports: [] }] });
  const b = container('b', [{ network: 'sec', ip4: '172.21.0.11', ip6: 'fd00:21::11' }]);
  const rs = buildFirewall(topology([sec], [a, b]));

  it('accepts neighbour discovery (ICMPv6 133-137) after the links and before the drop; IPv4 is unchanged', () => {
    const v6 = rulesOf(rs, 'NK-FORWARD', 'ipv6')!;
    const drop = v6.indexOf('-i br-sec -o br-sec -j DROP');
    expect(v6.slice(drop - 6, drop + 1)).toEqual(['-s fd00:21::10/128 -d fd00:21::11/128 -i br-sec -o br-sec -j ACCEPT', ...ND, '-i br-sec -o br-sec -j DROP']);
    expect(rulesOf(rs, 'NK-FORWARD', 'ipv4')!.join('\n')).not.toContain('icmp');
  });
});

describe('guards for the family a network has no subnet of', () => {
  const front = network('front', 'br-front', ['172.18.0.0/24']);
  const sec = network('sec', 'br-sec', ['172.21.0.0/24'], { icc: false });
  const int = network('int', 'br-int', ['172.20.0.0/24'], { internal: true });
  const six = network('six', 'br-six', ['fd00:25::/64'], { gatewayMode: 'routed' });

  it('an IPv4-only icc: false network drops IPv6 between members (no neighbour discovery either); bridge-nf-call-ip6tables is on', () => {
    const rs = buildFirewall(topology([sec], []));
    expect(rulesOf(rs, 'NK-FORWARD', 'ipv6')).toEqual(['-j NK-USER', '-i br-sec -o br-sec -j DROP']);
    expect(rs.find((r) => r.key === key.hook('host', 'ipv6', 'filter', 'FORWARD', 'NK-FORWARD'))).toBeDefined();
    expect(sysctls(rs)).toMatchObject({ 'net.bridge.bridge-nf-call-iptables': '1', 'net.bridge.bridge-nf-call-ip6tables': '1' });
    // nothing accepted, nothing NATed for a family the network does not have
    expect(rs.some((r) => r.kind === 'chain' && r.family === 'ipv6' && r.table !== 'filter')).toBe(false);
  });

  it('an IPv4-only internal network drops IPv6 in and out of its bridge', () => {
    expect(rulesOf(buildFirewall(topology([int], [])), 'NK-FORWARD', 'ipv6')).toEqual([
      '-j NK-USER',
      '-i br-int ! -o br-int -j DROP',
      '! -i br-int -o br-int -j DROP',
    ]);
  });

  it('isolation covers IPv4-only networks in ip6tables (and IPv6-only ones in iptables)', () => {
    const rs = buildFirewall(topology([front, six], []));
    const v6 = rulesOf(rs, 'NK-FORWARD', 'ipv6')!;
    expect(v6).toContain('-i br-front ! -o br-front -j NK-ISOLATION');
    expect(v6.join('\n')).not.toMatch(/-o br-front .*ACCEPT|-i br-front -j ACCEPT/);
    expect(rulesOf(rs, 'NK-ISOLATION', 'ipv6')).toEqual(['-m conntrack --ctstate DNAT -j RETURN', '-o br-front -j DROP', '-o br-six -j DROP']);
    expect(rulesOf(rs, 'NK-ISOLATION', 'ipv4')).toEqual(['-m conntrack --ctstate DNAT -j RETURN', '-o br-front -j DROP', '-o br-six -j DROP']);
  });

  it('one IPv4-only nat network alone gets no ip6tables rules (isolation needs two networks)', () => {
    expect(buildFirewall(topology([front], [])).some((r) => r.kind !== 'sysctl' && 'family' in r && r.family === 'ipv6')).toBe(false);
  });
});
