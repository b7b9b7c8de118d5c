// Semantic rules on names, Networks, Hosts, Settings and Links.
import { describe, expect, test } from 'vitest';
import { errors, ok, refused } from './helpers.js';

describe('names', () => {
  test('a name declared twice within a kind across files', () => {
    refused(
      {
        'networks.d/a.yaml': 'kind: Network\nname: front\n',
        'networks.d/b.yaml': 'kind: Host\nname: h\naddress: 10.0.0.1\n---\nkind: Network\nname: »front\n',
      },
      'duplicate-name',
      { message: 'Network front is declared twice; first at networks.d/a.yaml:1:1', object: 'Network front' },
    );
  });
  test('Containers, Links and Hosts too', () => {
    refused('kind: Container\nname: a\n---\nkind: Container\nname: »a\n', 'duplicate-name');
    refused('kind: Host\nname: a\naddress: 10.0.0.1\n---\nkind: Host\nname: »a\naddress: 10.0.0.1\n', 'duplicate-name');
    const link = 'kind: Link\nname: l\nendpoints: [{container: host, ifname: a}, {container: host, ifname: b}]\n';
    refused(link + '---\nkind: Link\nname: »l\nendpoints: [{container: host, ifname: c}, {container: host, ifname: d}]\n', 'duplicate-name');
  });
  test('a Container named host is refused', () => {
    refused('kind: Container\nname: »host\n', 'reserved-name', { object: 'Container host' });
  });
  test('at most one Settings', () => {
    refused({ 'networks.d/a.yaml': 'kind: Settings\n', 'networks.d/b.yaml': '# 2\n»kind: Settings\nprune: false\n' }, 'duplicate-settings', {
      message: 'at most one Settings document is allowed; the first is at networks.d/a.yaml:1:1',
    });
  });
});

describe('Network subnets', () => {
  test('overlapping subnets between networks', () => {
    refused(
      {
        'networks.d/a.yaml': 'kind: Network\nname: a\nsubnets: [{subnet: 10.0.0.0/16}]\n',
        'networks.d/b.yaml': 'kind: Network\nname: b\nsubnets:\n  - subnet: »10.0.5.0/24\n',
      },
      'subnet-overlap',
      { message: 'subnet 10.0.5.0/24 overlaps 10.0.0.0/16 of Network a (networks.d/a.yaml:3:20)', object: 'Network b' },
    );
  });
  test('overlapping subnets within one network', () => {
    refused('kind: Network\nname: a\nsubnets:\n  - subnet: 10.0.0.0/16\n  - subnet: »10.0.0.0/24\n', 'subnet-overlap');
  });
  test('overlap is allowed between two isolated networks, not between isolated and nat', () => {
    ok(`
      kind: Network
      name: a
      gatewayMode: isolated
      subnets: [{subnet: 10.1.0.0/24}]
      ---
      kind: Network
      name: b
      gatewayMode: isolated
      subnets: [{subnet: 10.1.0.0/24}]
    `);
    refused(
      `
      kind: Network
      name: a
      gatewayMode: isolated
      subnets: [{subnet: 10.1.0.0/24}]
      ---
      kind: Network
      name: b
      subnets: [{subnet: »10.1.0.0/24}]
    `,
      'subnet-overlap',
    );
  });
  test('IPv4 and IPv6 never overlap; disjoint subnets are fine', () => {
    ok('kind: Network\nname: a\nsubnets: [{subnet: 10.0.0.0/24}, {subnet: "4000::/2"}]\n---\nkind: Network\nname: b\nsubnets: [{subnet: 10.0.1.0/24}]\n');
  });
  test('an overlay subnet may not overlap a local network, even an isolated one', () => {
    refused(
      `
      kind: Network
      name: local
      gatewayMode: isolated
      subnets: [{subnet: 10.200.0.0/16}]
      ---
      kind: Network
      name: ov
      driver: overlay
      vni: 10
      gatewayMode: isolated
      subnets: [{subnet: »10.200.1.0/24}]
    `,
      'subnet-overlap',
      { message: /an overlay subnet may not overlap a local network's subnet/ },
    );
  });
  test('gateway outside its subnet', () => {
    refused('kind: Network\nname: a\nsubnets: [{subnet: 10.0.0.0/24, gateway: »10.0.1.1}]\n', 'gateway-outside-subnet', {
      message: 'gateway 10.0.1.1 is outside subnet 10.0.0.0/24',
    });
  });
  test('gateway on the network or broadcast address', () => {
    refused('kind: Network\nname: a\nsubnets: [{subnet: 10.0.0.0/24, gateway: »10.0.0.0}]\n', 'gateway-unusable', { message: /network address/ });
    refused('kind: Network\nname: a\nsubnets: [{subnet: 10.0.0.0/24, gateway: »10.0.0.255}]\n', 'gateway-unusable', { message: /broadcast address/ });
    ok('kind: Network\nname: a\nsubnets: [{subnet: 10.0.0.0/24, gateway: 10.0.0.254}]\n');
  });
  test('ipRange inside the subnet', () => {
    refused('kind: Network\nname: a\nsubnets: [{subnet: 10.0.0.0/24, ipRange: »10.0.0.0/23}]\n', 'ip-range-outside-subnet');
    refused('kind: Network\nname: a\nsubnets: [{subnet: 10.0.0.0/24, ipRange: »10.0.1.0/25}]\n', 'ip-range-outside-subnet');
  });
  test('reserved inside the subnet', () => {
    refused('kind: Network\nname: a\nsubnets: [{subnet: 10.0.0.0/24, reserved: [10.0.0.5, »10.0.9.5]}]\n', 'reserved-outside-subnet', {
      message: 'reserved address 10.0.9.5 is outside subnet 10.0.0.0/24',
    });
  });
});

describe('Network drivers', () => {
  test('macvlan requires parent', () => {
    refused('kind: Network\nname: a\ndriver: »macvlan\nsubnets: [{subnet: 192.168.9.0/24}]\n', 'missing-parent');
  });
  test("macvlan requires subnets (the LAN's)", () => {
    refused('kind: Network\nname: lan\ndriver: »macvlan\nparent: eth0\n', 'macvlan-no-subnet', {
      object: 'Network lan',
      message: /a macvlan network needs "subnets": the subnet \(and gateway\) of the LAN its parent is on/,
    });
    refused('kind: Network\nname: lan\ndriver: macvlan\nparent: eth0\nsubnets: »[]\n', 'macvlan-no-subnet');
    ok('kind: Network\nname: lan\ndriver: macvlan\nparent: eth0\nsubnets: [{subnet: 192.168.9.0/24}]\n');
  });
  test('overlay requires vni', () => {
    refused('kind: Network\nname: a\ndriver: »overlay\n', 'missing-vni');
  });
  test('a VNI used twice', () => {
    refused('kind: Network\nname: a\ndriver: overlay\nvni: 7\n---\nkind: Network\nname: b\ndriver: overlay\nvni: »7\n', 'duplicate-vni', {
      message: 'VNI 7 is already used by Network a',
    });
  });
  test('driver-specific fields on the wrong driver', () => {
    refused('kind: Network\nname: a\nparent: »eth0\n', 'driver-field', { message: '"parent" applies only to macvlan networks, and this one is bridge' });
    refused('kind: Network\nname: a\nvni: »5\n', 'driver-field');
    refused('kind: Network\nname: a\ndriver: macvlan\nparent: eth0\nsubnets: [{subnet: 192.168.9.0/24}]\ninterface: »br-x\n', 'driver-field');
  });
  test('two networks with one bridge interface', () => {
    refused('kind: Network\nname: a\ninterface: br-x\n---\nkind: Network\nname: b\ninterface: »br-x\n', 'duplicate-interface');
  });
});

describe('Hosts', () => {
  test('two Hosts with one address', () => {
    refused('kind: Host\nname: a\naddress: 10.0.0.1\n---\nkind: Host\nname: b\naddress: »10.0.0.1\n', 'duplicate-address', {
      message: 'address 10.0.0.1 is already the address of Host a',
    });
  });
  test("a Host's underlay address inside an overlay or bridge subnet", () => {
    refused(
      {
        'networks.d/net.yaml': 'kind: Network\nname: ov\ndriver: overlay\nvni: 7\nsubnets: [{subnet: 10.50.0.0/16}]\n',
        'networks.d/hosts.yaml': 'kind: Host\nname: node-a\naddress: 192.168.1.1\n---\nkind: Host\nname: node-b\naddress: »10.50.3.2\n',
      },
      'host-address-in-subnet',
      {
        object: 'Host node-b',
        message: /^address 10\.50\.3\.2 is inside subnet 10\.50\.0\.0\/16 of overlay Network ov \(networks\.d\/net\.yaml:5:20\)/,
      },
    );
    refused(
      'kind: Network\nname: front\nsubnets: [{subnet: 172.18.0.0/24}, {subnet: "fd00:18::/64"}]\n---\nkind: Host\nname: h\naddress: »"fd00:18::7"\n',
      'host-address-in-subnet',
      {
        message: /bridge Network front/,
      },
    );
  });
  test("a Host on the LAN of a macvlan network, or inside an isolated switch's subnet, is fine", () => {
    ok(
      'kind: Network\nname: lan\ndriver: macvlan\nparent: eth0\nsubnets: [{subnet: 192.168.1.0/24}]\n---\n' +
        'kind: Network\nname: sw\ngatewayMode: isolated\nsubnets: [{subnet: 10.9.0.0/24}]\n---\n' +
        'kind: Host\nname: a\naddress: 192.168.1.10\n---\nkind: Host\nname: b\naddress: 10.9.0.5\n',
    );
  });
});

describe('Links', () => {
  const ctr = (n: string, extra = '') => `kind: Container\nname: ${n}\n${extra}---\n`;
  test('an endpoint naming an undeclared container', () => {
    refused(ctr('a') + 'kind: Link\nname: l\nendpoints:\n  - {container: a, ifname: p0}\n  - {container: »b, ifname: p0}\n', 'unknown-reference', {
      message: 'endpoint container "b" is not declared (write "host" for the host\'s namespace)',
      object: 'Link l',
    });
  });
  test('"host" is the host namespace', () => {
    ok(ctr('a') + 'kind: Link\nname: l\nendpoints: [{container: a, ifname: p0}, {container: host, ifname: veth-a}]\n');
  });
  test('both endpoints the same container and ifname', () => {
    refused(ctr('a') + 'kind: Link\nname: l\nendpoints:\n  - {container: a, ifname: p0}\n  - {container: a, ifname: »p0}\n', 'link-self', { others: true });
    ok(ctr('a') + 'kind: Link\nname: l\nendpoints:\n  - {container: a, ifname: p0}\n  - {container: a, ifname: p1}\n');
  });
  test('an endpoint on a mode host or container: container', () => {
    refused(
      ctr('a', 'mode: host\n') + 'kind: Link\nname: l\nendpoints:\n  - {container: »a, ifname: p0}\n  - {container: host, ifname: p0}\n',
      'link-endpoint-mode',
      {
        message: /write container: host/,
      },
    );
    refused(
      ctr('a') + ctr('b', 'mode: container:a\n') + 'kind: Link\nname: l\nendpoints:\n  - {container: a, ifname: p0}\n  - {container: »b, ifname: p1}\n',
      'link-endpoint-mode',
      { message: /put the endpoint on a/ },
    );
  });
  test('a Link between containers on different hosts', () => {
    refused(
      'kind: Host\nname: h1\naddress: 10.0.0.1\n---\nkind: Host\nname: h2\naddress: 10.0.0.2\n---\n' +
        ctr('a', 'host: h1\n') +
        ctr('b', 'host: h2\n') +
        'kind: Link\nname: l\nendpoints:\n  - {container: a, ifname: p0}\n  - {container: »b, ifname: p0}\n',
      'link-cross-host',
    );
  });
  test('two Links with one ifname in one namespace (the host too)', () => {
    refused(
      ctr('a') +
        'kind: Link\nname: l1\nendpoints: [{container: a, ifname: p0}, {container: host, ifname: h0}]\n---\n' +
        'kind: Link\nname: l2\nendpoints: [{container: a, ifname: p1}, {container: host, ifname: »h0}]\n',
      'duplicate-ifname',
      { message: 'interface h0 is already used in the host namespace by Link l1', object: 'Link l2' },
    );
  });
});

test('rules report every problem, not only the first', () => {
  const es = errors('kind: Network\nname: a\ndriver: overlay\n---\nkind: Network\nname: b\ndriver: macvlan\n---\nkind: Network\nname: b\n');
  expect(es.map((e) => e.code).sort()).toEqual(['duplicate-name', 'macvlan-no-subnet', 'missing-parent', 'missing-vni']);
});
