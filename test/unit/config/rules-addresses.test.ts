// Addresses the kernel or the network cannot use: refused by validate with the
// position of the field (» marks it), so that plan never fails half-way on them.
import { describe, expect, test } from 'vitest';
import { ok, refused } from './helpers.js';

const net = (subnet: string, extra = '') => `kind: Network\nname: n\nsubnets: [{subnet: »"${subnet}"}]\n${extra}`;

describe('subnets in unusable classes', () => {
  const cases: [string, string, RegExp][] = [
    ['224.1.0.0/16', 'multicast', /224\.0\.0\.0\/4/],
    ['ff02::/16', 'multicast', /ff00::\/8/],
    ['169.254.0.0/16', 'link-local', /169\.254\.0\.0\/16/],
    ['fe80::/64', 'link-local', /fe80::\/10/],
    ['127.0.0.0/8', 'loopback', /127\.0\.0\.0\/8/],
    ['::1/128', 'loopback', /::1\/128/],
    ['::ffff:0:0/96', 'IPv4-mapped', /::ffff:0\.0\.0\.0\/96/],
    ['::ffff:10.0.0.0/120', 'IPv4-mapped', /::ffff:0\.0\.0\.0\/96/],
    ['0.0.0.0/8', 'unspecified', /0\.0\.0\.0\/32/],
    ['0.0.0.0/0', 'unspecified', /0\.0\.0\.0\/32/],
    ['::/64', 'unspecified', /::\/128/],
    ['192.0.0.0/2', 'multicast', /224\.0\.0\.0\/4/],
  ];
  for (const [subnet, cls, range] of cases) {
    test(`${subnet}: ${cls}`, () => {
      const d = refused(net(subnet), 'unusable-address', { message: new RegExp(`overlaps the ${cls} range`), object: 'Network n', others: true });
      expect(d.message).toMatch(range);
    });
  }
  test('private and global ranges are fine', () => {
    ok('kind: Network\nname: n\nsubnets: [{subnet: 10.0.0.0/8}, {subnet: "fd00::/64"}, {subnet: "2001:db8::/64"}]\n');
    ok('kind: Network\nname: n\nsubnets: [{subnet: 100.64.0.0/10}, {subnet: 223.255.255.0/24}]\n');
  });
});

describe('fixed addresses outside subnets', () => {
  test('a Link endpoint in an unusable class', () => {
    refused(
      'kind: Container\nname: a\nmode: none\n---\nkind: Container\nname: b\nmode: none\n---\nkind: Link\nname: ab\nendpoints:\n' +
        '  - {container: a, ifname: p0, ip: »224.0.0.5/32}\n  - {container: b, ifname: p0, ip: 10.1.1.2/32}\n',
      'unusable-address',
      { message: /224\.0\.0\.5\/32 is a multicast address/, object: 'Link ab' },
    );
    refused(
      'kind: Container\nname: a\nmode: none\n---\nkind: Link\nname: ab\nendpoints:\n' +
        '  - {container: a, ifname: p0, ip: "fd00::1/128"}\n  - {container: host, ifname: p0, ip: »"::ffff:10.0.0.1/128"}\n',
      'unusable-address',
      { message: /IPv4-mapped/ },
    );
  });
  test('loopback entries inside 127/8 or ::1, and other classes', () => {
    refused('kind: Container\nname: a\nmode: none\nloopback: [10.10.10.1/32, »127.0.0.2/32]\n', 'unusable-address', {
      message: /loopback address 127\.0\.0\.2\/32 is a loopback address \(127\.0\.0\.0\/8\): lo already holds/,
    });
    refused('kind: Container\nname: a\nmode: none\nloopback: [»"::1/128"]\n', 'unusable-address', { message: /loopback/ });
    refused('kind: Container\nname: a\nmode: none\nloopback: [»239.1.1.1/32]\n', 'unusable-address', { message: /multicast/ });
    refused('kind: Container\nname: a\nmode: none\nloopback: [»0.0.0.0/32]\n', 'unusable-address', { message: /unspecified/ });
    ok('kind: Container\nname: a\nmode: none\nloopback: [10.10.10.1/32, "fd00::1/128"]\n');
  });
});

describe('IPv6 needs an MTU of at least 1280', () => {
  test('a network with an IPv6 subnet', () => {
    refused('kind: Network\nname: n\nmtu: »1200\nsubnets: [{subnet: 10.0.0.0/24}, {subnet: "fd00::/64"}]\n', 'ipv6-mtu-too-small', {
      message: /1200 is below 1280/,
    });
    ok('kind: Network\nname: n\nmtu: 1200\nsubnets: [{subnet: 10.0.0.0/24}]\n');
    ok('kind: Network\nname: n\nmtu: 1280\nsubnets: [{subnet: "fd00::/64"}]\n');
  });
  test('a Link with an IPv6 address', () => {
    refused(
      'kind: Container\nname: a\nmode: none\n---\nkind: Link\nname: ab\nmtu: »1000\nendpoints:\n' +
        '  - {container: a, ifname: p0, ip: "fd00::1/128"}\n  - {container: host, ifname: p0, ip: "fd00::2/128"}\n',
      'ipv6-mtu-too-small',
    );
  });
});

describe('route next hops the namespace reaches directly', () => {
  const NET = 'kind: Network\nname: n\nsubnets: [{subnet: 10.5.0.0/24}]\n---\n';
  const routes = (r: string, extra = '') => `${NET}kind: Container\nname: a\nnetworks: [n]\n${extra}routes:\n${r}`;
  test('via an address on one of its networks is fine; elsewhere refused at via', () => {
    ok(routes('  - {to: 10.9.0.0/16, via: 10.5.0.254}\n'));
    refused(routes('  - {to: 10.9.0.0/16, via: »10.6.0.1}\n'), 'route-gateway-unreachable', {
      message: /route to 10\.9\.0\.0\/16 via 10\.6\.0\.1: the next hop is not on any network of this container.*10\.5\.0\.0\/24 \(Network n, eth0\)/,
      object: 'Container a',
    });
  });
  test('via a neighbour on another interface than the route names', () => {
    refused(
      routes('  - {to: 10.9.0.0/16, via: »10.5.0.254, dev: p0}\n') +
        '---\nkind: Link\nname: l\nendpoints: [{container: a, ifname: p0, ip: 10.1.1.1/32}, {container: host, ifname: p0, ip: 10.1.1.2/32}]\n',
      'route-gateway-unreachable',
      { message: /not on any network of this container on p0/ },
    );
  });
  test("via a Link's /32 peer, a Link's prefix, or a declared dev route", () => {
    const link = (a: string, b: string) =>
      `---\nkind: Link\nname: l\nendpoints: [{container: a, ifname: p0, ip: ${a}}, {container: host, ifname: p0, ip: ${b}}]\n`;
    ok(routes('  - {to: 10.9.0.0/16, via: 10.1.1.2}\n') + link('10.1.1.1/32', '10.1.1.2/32'));
    ok(routes('  - {to: 10.9.0.0/16, via: 10.1.1.2, dev: p0}\n') + link('10.1.1.1/30', '10.1.1.2/30'));
    ok(routes('  - {to: 10.7.7.7/32, dev: eth0}\n  - {to: 10.9.0.0/16, via: 10.7.7.7}\n'));
    // a /32 with a peer that has no address: no peer route
    refused(
      routes('  - {to: 10.9.0.0/16, via: »10.1.1.2}\n') +
        '---\nkind: Link\nname: l\nendpoints: [{container: a, ifname: p0, ip: 10.1.1.1/32}, {container: host, ifname: p0}]\n',
      'route-gateway-unreachable',
    );
  });
  test('a next hop reachable only through another gateway route is refused (the kernel wants it on-link)', () => {
    refused(routes('  - {to: 10.8.0.0/16, via: 10.5.0.254}\n  - {to: 10.9.0.0/16, via: »10.8.0.1}\n'), 'route-gateway-unreachable');
  });
  test('mode none: only Links and routes', () => {
    refused('kind: Container\nname: a\nmode: none\nroutes: [{to: default, via: »10.0.0.1}]\n', 'route-gateway-unreachable', {
      message: /reaches no IPv4 prefix/,
    });
  });
  test('IPv6: link-local next hops need dev; others must be covered', () => {
    const V6 = 'kind: Network\nname: n\nsubnets: [{subnet: 10.5.0.0/24}, {subnet: "fd00:5::/64"}]\n---\nkind: Container\nname: a\nnetworks: [n]\nroutes:\n';
    ok(V6 + '  - {to: "fd09::/64", via: "fd00:5::fe"}\n  - {to: "fd0a::/64", via: "fe80::1", dev: eth0}\n');
    refused(V6 + '  - {to: "fd0a::/64", via: »"fe80::1"}\n', 'route-gateway-unreachable', { message: /link-local next hop needs "dev"/ });
    refused(V6 + '  - {to: "fd0a::/64", via: »"fd00:6::1"}\n', 'route-gateway-unreachable');
  });
  test('a network with an automatic subnet: the files do not fix it, the next hop is not judged', () => {
    ok('kind: Container\nname: a\nroutes: [{to: 10.9.0.0/16, via: 172.17.0.254}]\n');
    ok('kind: Network\nname: auto\n---\nkind: Container\nname: a\nnetworks: [auto]\nroutes: [{to: 10.9.0.0/16, via: 192.168.99.1}]\n');
  });
});
