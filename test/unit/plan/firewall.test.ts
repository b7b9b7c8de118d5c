import { describe, expect, it } from 'vitest';
import { buildFirewall, CHAINS } from '../../../src/plan/firewall.js';
import { key } from '../../../src/model/resources.js';
import type { ChainRes, HookRes, Resource, SysctlRes } from '../../../src/model/resources.js';
import { container, network, port, topology } from './firewall-fixtures.js';

const chains = (rs: Resource[]) => rs.filter((r): r is ChainRes => r.kind === 'chain');
const hooks = (rs: Resource[]) => rs.filter((r): r is HookRes => r.kind === 'hook');
const sysctls = (rs: Resource[]) => Object.fromEntries(rs.filter((r): r is SysctlRes => r.kind === 'sysctl').map((s) => [s.name, s.value]));
function rulesOf(rs: Resource[], table: string, name: string, family: 'ipv4' | 'ipv6' = 'ipv4', ns = 'host'): string[] {
  const c = rs.find((r) => r.key === key.chain(ns, family, table, name));
  if (!c || c.kind !== 'chain') throw new Error(`no chain ${ns} ${family} ${table} ${name}`);
  return c.rules;
}

const front = network('front', 'br-front', ['172.18.0.0/24']);
const web = container('web', [{ network: 'front', ip4: '172.18.0.10' }]);

describe('buildFirewall: skeleton and ownership', () => {
  const rs = buildFirewall(topology([front], [web]));

  it('NK-USER is created empty, marked user-owned, and is the first thing in the forward path', () => {
    const user = chains(rs).find((c) => c.chain === CHAINS.user)!;
    expect(user).toMatchObject({ table: 'filter', rules: [], userOwned: true, owned: true, ns: 'host', family: 'ipv4' });
    expect(rulesOf(rs, 'filter', 'NK-FORWARD')[0]).toBe('-j NK-USER');
    const fwd = hooks(rs).find((h) => h.chain === 'FORWARD')!;
    expect(fwd).toMatchObject({ key: key.hook('host', 'ipv4', 'filter', 'FORWARD', 'NK-FORWARD'), position: 'first' });
    expect(fwd.rule).toBe('-m comment --comment netkeeper -j NK-FORWARD');
  });

  it('every chain is NK-*, every hook carries the netkeeper comment and jumps into an NK chain', () => {
    for (const c of chains(rs)) expect(c.chain).toMatch(/^NK-/);
    for (const h of hooks(rs)) {
      expect(h.rule).toContain('-m comment --comment netkeeper');
      expect(h.rule).toMatch(/-j NK-\S+$/);
      expect(['PREROUTING', 'OUTPUT', 'POSTROUTING', 'FORWARD', 'INPUT']).toContain(h.chain);
    }
  });

  it('nat network: outbound masquerade, routed access dropped unless DNAT, forwarding on', () => {
    expect(rulesOf(rs, 'nat', 'NK-POSTROUTING')).toEqual(['-s 172.18.0.0/24 ! -o br-front -j MASQUERADE']);
    const fwd = rulesOf(rs, 'filter', 'NK-FORWARD');
    expect(fwd).toEqual([
      '-j NK-USER',
      '-i br-front ! -o br-front -j NK-ISOLATION',
      '-o br-front -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-i br-front -o br-front -j ACCEPT',
      '-o br-front -m conntrack --ctstate DNAT -j ACCEPT',
      '-o br-front -j DROP',
      '-i br-front -j ACCEPT',
    ]);
    // route_localnet stated off: a bridge that no longer needs it gets it back off
    expect(sysctls(rs)).toEqual({ 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.br-front.route_localnet': '0' });
    // no published ports: no DNAT chains, no 127.0.0.1 machinery
    expect(
      chains(rs)
        .map((c) => c.chain)
        .sort(),
    ).toEqual(['NK-FORWARD', 'NK-ISOLATION', 'NK-POSTROUTING', 'NK-USER']);
  });

  it('Settings.iptables false: no chain, no hook; ip_forward still per ipForward', () => {
    expect(buildFirewall(topology([front], [web], { iptables: false }))).toEqual([
      expect.objectContaining({ kind: 'sysctl', name: 'net.ipv4.ip_forward', value: '1' }),
    ]);
    expect(buildFirewall(topology([front], [web], { iptables: false, ipForward: false }))).toEqual([]);
    expect(sysctls(buildFirewall(topology([front], [web], { ipForward: false })))).toEqual({ 'net.ipv4.conf.br-front.route_localnet': '0' });
  });
});

describe('buildFirewall: published ports', () => {
  const c = container('web', [{ network: 'front', ip4: '172.18.0.10' }], {
    ports: [
      port('8080:80', '172.18.0.10', 'front'),
      port('127.0.0.1:5353:53/udp', '172.18.0.10', 'front'),
      port('9000-9003:9000-9003', '172.18.0.10', 'front'),
      port('7000-7001:80-81', '172.18.0.10', 'front'),
      port('10.0.0.5:8443:443', '172.18.0.10', 'front'),
    ],
  });
  const remote = container('far', [{ network: 'front', ip4: '172.18.0.99' }], {
    local: false,
    host: 'other',
    ports: [port('8099:80', '172.18.0.99', 'front')],
  });
  const rs = buildFirewall(topology([front], [c, remote]));

  it('one DNAT chain per bridge, every SPEC form, in iptables-save spelling', () => {
    expect(rulesOf(rs, 'nat', 'NK-PORTS')).toEqual(['-j NK-PORTS-br-front']);
    expect(rulesOf(rs, 'nat', 'NK-PORTS-br-front')).toEqual([
      '-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.10:80',
      '-d 127.0.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 172.18.0.10:53',
      '-p tcp -m tcp --dport 9000:9003 -j DNAT --to-destination 172.18.0.10',
      '-p tcp -m tcp --dport 7000 -j DNAT --to-destination 172.18.0.10:80',
      '-p tcp -m tcp --dport 7001 -j DNAT --to-destination 172.18.0.10:81',
      '-d 10.0.0.5/32 -p tcp -m tcp --dport 8443 -j DNAT --to-destination 172.18.0.10:443',
    ]);
  });

  it('ports of containers on other hosts are not published here', () => {
    expect(rulesOf(rs, 'nat', 'NK-PORTS-br-front').join('\n')).not.toContain('8099');
  });

  it('entered from PREROUTING (never for 127.0.0.0/8) and from OUTPUT', () => {
    const hs = hooks(rs).filter((h) => h.table === 'nat');
    expect(hs.map((h) => [h.chain, h.rule, h.position])).toEqual([
      ['PREROUTING', '! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -m comment --comment netkeeper -j NK-PORTS', 'last'],
      ['OUTPUT', '-m addrtype --dst-type LOCAL -m comment --comment netkeeper -j NK-PORTS', 'last'],
      ['POSTROUTING', '-m comment --comment netkeeper -j NK-POSTROUTING', 'last'],
    ]);
  });

  it('hairpin and 127.0.0.1 masquerade; route_localnet on the bridge, guarded in raw', () => {
    expect(rulesOf(rs, 'nat', 'NK-POSTROUTING')).toEqual([
      '-s 172.18.0.0/24 ! -o br-front -j MASQUERADE',
      '-s 172.18.0.0/24 -o br-front -m conntrack --ctstate DNAT -j MASQUERADE',
      '-s 127.0.0.0/8 -o br-front -j MASQUERADE',
    ]);
    expect(sysctls(rs)['net.ipv4.conf.br-front.route_localnet']).toBe('1');
    expect(rulesOf(rs, 'raw', 'NK-RAW')).toEqual(['-d 127.0.0.0/8 -i br-front -j DROP']);
    expect(hooks(rs).find((h) => h.table === 'raw')).toMatchObject({ chain: 'PREROUTING', position: 'first' });
  });

  it('no route_localnet when no port is reachable at 127.0.0.1', () => {
    const only = container('web', [{ network: 'front', ip4: '172.18.0.10' }], { ports: [port('10.0.0.5:8443:443', '172.18.0.10', 'front')] });
    const r = buildFirewall(topology([front], [only]));
    expect(sysctls(r)).toEqual({ 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.br-front.route_localnet': '0' });
    expect(chains(r).some((x) => x.table === 'raw')).toBe(false);
  });
});

describe('buildFirewall: gateway modes, isolation, internal, icc', () => {
  const routed = network('back', 'br-back', ['172.19.0.0/24'], { gatewayMode: 'routed' });
  const iso = network('sw', 'br-sw', ['172.22.0.0/24'], { gatewayMode: 'isolated' });
  const internal = network('int', 'br-int', ['172.20.0.0/24'], { internal: true });

  it('routed: no masquerade, reachable at own addresses, isolated from other networks', () => {
    const rs = buildFirewall(topology([front, routed], []));
    expect(rulesOf(rs, 'nat', 'NK-POSTROUTING')).toEqual(['-s 172.18.0.0/24 ! -o br-front -j MASQUERADE']);
    const fwd = rulesOf(rs, 'filter', 'NK-FORWARD');
    expect(fwd).toContain('-o br-back -j ACCEPT');
    expect(fwd).not.toContain('-o br-back -j DROP');
    expect(fwd).toContain('-i br-back ! -o br-back -j NK-ISOLATION');
    expect(rulesOf(rs, 'filter', 'NK-ISOLATION')).toEqual(['-m conntrack --ctstate DNAT -j RETURN', '-o br-front -j DROP', '-o br-back -j DROP']);
  });

  it('isolated: no NAT, no forwarding sysctl, only bridged frames accepted', () => {
    const rs = buildFirewall(topology([iso], [container('a', [{ network: 'sw', ip4: '172.22.0.10' }], { ports: [port('80:80', '172.22.0.10', 'sw')] })]));
    expect(
      chains(rs)
        .map((c) => c.chain)
        .sort(),
    ).toEqual(['NK-FORWARD', 'NK-USER']);
    expect(rulesOf(rs, 'filter', 'NK-FORWARD')).toEqual([
      '-j NK-USER',
      '-o br-sw -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-i br-sw -o br-sw -j ACCEPT',
    ]);
    expect(sysctls(rs)).toEqual({ 'net.ipv4.conf.br-sw.route_localnet': '0' });
  });

  it('internal: members and host only; no masquerade, no published ports', () => {
    const c = container('a', [{ network: 'int', ip4: '172.20.0.10' }], { ports: [port('8080:80', '172.20.0.10', 'int')] });
    const rs = buildFirewall(topology([front, internal], [c]));
    const fwd = rulesOf(rs, 'filter', 'NK-FORWARD');
    expect(fwd.slice(0, 3)).toEqual(['-j NK-USER', '-i br-int ! -o br-int -j DROP', '! -i br-int -o br-int -j DROP']);
    expect(fwd).toContain('-i br-int -o br-int -j ACCEPT');
    expect(fwd).not.toContain('-i br-int -j ACCEPT');
    expect(rulesOf(rs, 'nat', 'NK-POSTROUTING').join('\n')).not.toContain('172.20.0.0');
    expect(chains(rs).some((x) => x.chain === 'NK-PORTS')).toBe(false);
  });

  it('icc false: links open exactly their ports, a container may reach its own published port, the rest is dropped', () => {
    const net = network('secure', 'br-sec', ['172.21.0.0/24'], { icc: false });
    const a = container('a', [{ network: 'secure', ip4: '172.21.0.10' }], {
      links: [
        {
          container: 'b',
          alias: 'db',
          ports: [
            { port: 5432, protocol: 'tcp' },
            { port: 53, protocol: 'udp' },
          ],
        },
        { container: 'c', alias: 'c', ports: [] },
      ],
      ports: [port('8082:80', '172.21.0.10', 'secure')],
    });
    const b = container('b', [{ network: 'secure', ip4: '172.21.0.11' }]);
    const c = container('c', [{ network: 'secure', ip4: '172.21.0.12' }]);
    const rs = buildFirewall(topology([net], [a, b, c]));
    const fwd = rulesOf(rs, 'filter', 'NK-FORWARD');
    const i = fwd.indexOf('-o br-sec -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
    expect(fwd.slice(i, i + 6)).toEqual([
      '-o br-sec -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-s 172.21.0.10/32 -d 172.21.0.10/32 -i br-sec -o br-sec -j ACCEPT',
      '-s 172.21.0.10/32 -d 172.21.0.11/32 -i br-sec -o br-sec -p tcp -m tcp --dport 5432 -j ACCEPT',
      '-s 172.21.0.10/32 -d 172.21.0.11/32 -i br-sec -o br-sec -p udp -m udp --dport 53 -j ACCEPT',
      '-s 172.21.0.10/32 -d 172.21.0.12/32 -i br-sec -o br-sec -j ACCEPT',
      '-i br-sec -o br-sec -j DROP',
    ]);
    expect(sysctls(rs)['net.bridge.bridge-nf-call-iptables']).toBe('1');
    expect(sysctls(buildFirewall(topology([front], [])))['net.bridge.bridge-nf-call-iptables']).toBeUndefined();
  });

  it('macvlan networks get nothing', () => {
    const mv: typeof front = { ...network('mv', 'x', ['10.5.0.0/24']), driver: 'macvlan', bridge: undefined, parent: 'eth0' };
    expect(buildFirewall(topology([mv], []))).toEqual([]);
  });
});

describe('buildFirewall: IPv6 and router containers', () => {
  it('IPv6 subnets get ip6tables chains (no 127.0.0.1 parts); IPv4-only hosts get none', () => {
    const dual = network('dual', 'br-dual', ['172.23.0.0/24', 'fd00:23::/64']);
    const c = container('s', [{ network: 'dual', ip4: '172.23.0.10', ip6: 'fd00:23::10' }]);
    const six = container('six', [{ network: 'dual', ip6: 'fd00:23::11' }], { ports: [port('8086:80', 'fd00:23::11', 'dual')] });
    const rs = buildFirewall(topology([dual], [c, six]));
    expect(rulesOf(rs, 'nat', 'NK-POSTROUTING', 'ipv6')).toEqual([
      '-s fd00:23::/64 ! -o br-dual -j MASQUERADE',
      '-s fd00:23::/64 -o br-dual -m conntrack --ctstate DNAT -j MASQUERADE',
    ]);
    expect(rulesOf(rs, 'nat', 'NK-PORTS-br-dual', 'ipv6')).toEqual(['-p tcp -m tcp --dport 8086 -j DNAT --to-destination [fd00:23::11]:80']);
    expect(hooks(rs).find((h) => h.family === 'ipv6' && h.chain === 'PREROUTING')!.rule).toMatch(/^! -d ::1\/128 /);
    expect(chains(rs).some((x) => x.family === 'ipv6' && x.table === 'raw')).toBe(false);
    expect(sysctls(rs)['net.ipv6.conf.all.forwarding']).toBe('1');
    expect(chains(buildFirewall(topology([front], []))).some((x) => x.family === 'ipv6')).toBe(false);
  });

  it('masquerade: [ifname] on a local container writes MASQUERADE in its own namespace', () => {
    const r = container('r1', [{ network: 'front', ip4: '172.18.0.20' }], { masquerade: ['eth0', 'wan'], forwarding: true });
    const far = container('r2', [{ network: 'front', ip4: '172.18.0.21' }], { masquerade: ['eth0'], local: false, host: 'other' });
    const rs = buildFirewall(topology([front], [r, far]));
    expect(rulesOf(rs, 'nat', 'NK-POSTROUTING', 'ipv4', 'r1')).toEqual(['-o eth0 -j MASQUERADE', '-o wan -j MASQUERADE']);
    expect(hooks(rs).find((h) => h.ns === 'r1')).toMatchObject({
      key: key.hook('r1', 'ipv4', 'nat', 'POSTROUTING', 'NK-POSTROUTING'),
      rule: '-m comment --comment netkeeper -j NK-POSTROUTING',
    });
    expect(rs.some((x) => x.ns === 'r2')).toBe(false);
  });
});

describe('buildFirewall: stable output', () => {
  it('moving a published port to another container changes only that bridge’s DNAT chain', () => {
    const back = network('back', 'br-back', ['172.19.0.0/24'], { gatewayMode: 'routed' });
    const mk = (toA: boolean) => [
      container('a', [{ network: 'front', ip4: '172.18.0.10' }], { ports: toA ? [port('5300:53/udp', '172.18.0.10', 'front')] : [] }),
      container('db', [{ network: 'back', ip4: '172.19.0.10' }], { ports: [port('8090:80', '172.19.0.10', 'back')] }),
      container('web', [{ network: 'front', ip4: '172.18.0.11' }], { ports: toA ? [] : [port('5300:53/udp', '172.18.0.11', 'front')] }),
    ];
    const before = new Map(buildFirewall(topology([front, back], mk(false))).map((r) => [r.key, JSON.stringify(r)]));
    const after = new Map(buildFirewall(topology([front, back], mk(true))).map((r) => [r.key, JSON.stringify(r)]));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    expect([...after].filter(([k, v]) => before.get(k) !== v).map(([k]) => k)).toEqual(['chain:host/nat/NK-PORTS-br-front']);
  });
});
