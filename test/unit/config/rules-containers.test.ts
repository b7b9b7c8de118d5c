// Semantic rules on Containers: references, modes, addresses, interface names, ports.
import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../../src/config/index.js';
import { errors, marked, ok, refused } from './helpers.js';

const NET = `
kind: Network
name: front
subnets:
  - subnet: 172.18.0.0/24
    gateway: 172.18.0.1
    reserved: [172.18.0.5]
---
`;

describe('references', () => {
  test('an attachment to an undeclared network', () => {
    refused('kind: Container\nname: web\nnetworks:\n  - network: »frontend\n', 'unknown-reference', {
      message: 'Network "frontend" is not declared',
      object: 'Container web',
    });
  });
  test('the string form of an attachment points at the string', () => {
    refused('kind: Container\nname: web\nnetworks: [»frontend]\n', 'unknown-reference');
  });
  test('links[].container, object and string forms', () => {
    refused('kind: Container\nname: web\nlinks: [{container: »db}]\n', 'unknown-reference', { message: 'linked container "db" is not declared' });
    refused('kind: Container\nname: web\nlinks: [»"db:database"]\n', 'unknown-reference');
  });
  test('a container cannot link to itself', () => {
    refused('kind: Container\nname: web\nlinks: [{container: »web}]\n', 'link-self');
  });
  test('mode container:<x> naming an undeclared container', () => {
    refused('kind: Container\nname: side\nmode: »container:web\n', 'unknown-reference', { message: 'mode container:web: container "web" is not declared' });
  });
  test("ports[].network must be one of the container's networks", () => {
    refused(
      NET + 'kind: Network\nname: back\n---\nkind: Container\nname: web\nnetworks: [front]\nports:\n  - {hostPort: 80, containerPort: 80, network: »back}\n',
      'unknown-reference',
      { message: 'port targets Network "back", which this container is not attached to (front)' },
    );
  });
  test('a container without networks is on "bridge", so a port may name it', () => {
    ok('kind: Container\nname: web\nports: [{hostPort: 80, containerPort: 80, network: bridge}]\n');
  });
  test('Container.host must be a declared Host, whether or not other Hosts are declared (plan agrees)', () => {
    refused('kind: Host\nname: node-a\naddress: 10.0.0.1\n---\nkind: Container\nname: web\nhost: »node-b\n', 'unknown-reference', {
      message: /^Host "node-b" is not declared/,
    });
    refused('kind: Container\nname: web\nhost: »node-b\n', 'unknown-reference');
    ok('kind: Host\nname: node-b\naddress: 10.0.0.1\n---\nkind: Container\nname: web\nhost: node-b\n');
  });
  test('route dev and masquerade must be interfaces of the container', () => {
    refused('kind: Container\nname: web\nroutes: [{to: 10.0.0.0/8, dev: »eth1}]\n', 'unknown-reference', {
      message: /route dev eth1 is not an interface of this container \(lo, eth0\)/,
    });
    refused('kind: Container\nname: web\nmasquerade: [eth0, »wan0]\n', 'unknown-reference');
    ok(
      'kind: Container\nname: r\nmode: none\nmasquerade: [up0]\nroutes: [{to: default, dev: up0}]\n---\n' +
        'kind: Link\nname: l\nendpoints: [{container: r, ifname: up0}, {container: host, ifname: r-up0}]\n',
    );
  });
});

describe('modes', () => {
  test('a cycle of container: modes', () => {
    refused('kind: Container\nname: a\nmode: »container:b\n---\nkind: Container\nname: b\nmode: container:a\n', 'mode-cycle', {
      message: 'container: modes form a cycle: a → b → a',
      others: true,
    });
    refused('kind: Container\nname: a\nmode: »container:a\n', 'mode-cycle');
  });
  test('a chain of container: modes ending in a real namespace is fine', () => {
    ok('kind: Container\nname: a\n---\nkind: Container\nname: b\nmode: container:a\n---\nkind: Container\nname: c\nmode: container:b\n');
  });
  test('container: pointing at a mode host container', () => {
    refused('kind: Container\nname: a\nmode: host\n---\nkind: Container\nname: b\nmode: »container:a\n', 'mode-target-host');
  });
  test('mode host refuses ports (and networks, routes, ...)', () => {
    refused('kind: Container\nname: a\nmode: host\nports: »["80:80"]\n', 'mode-conflict', {
      message: '"ports" cannot be used with mode host: mode host uses the host\'s own namespace and files',
    });
    refused('kind: Container\nname: a\nmode: host\nnetworks: »[bridge]\n', 'mode-conflict');
  });
  test('mode container: may not declare networks or ports', () => {
    refused('kind: Container\nname: a\n---\nkind: Container\nname: b\nmode: container:a\nnetworks:\n  »- bridge\n', 'mode-conflict', {
      message: /the namespace belongs to the other container/,
    });
    refused('kind: Container\nname: a\n---\nkind: Container\nname: b\nmode: container:a\nports: »["80:80"]\n', 'mode-conflict');
    ok('kind: Container\nname: a\n---\nkind: Container\nname: b\nmode: container:a\nhostname: b\ndns: {servers: [10.0.0.2]}\n');
  });
  test('mode none refuses ports and networks', () => {
    refused('kind: Container\nname: a\nmode: none\nports: »["80:80"]\n', 'mode-conflict');
  });
  test('a container: mode container placed on another host than its namespace owner', () => {
    refused(
      'kind: Host\nname: h1\naddress: 10.0.0.1\n---\nkind: Host\nname: h2\naddress: 10.0.0.2\n---\n' +
        'kind: Container\nname: a\nhost: h1\n---\nkind: Container\nname: b\nmode: container:a\nhost: »h2\n',
      'mode-host-mismatch',
    );
  });
  test('two containers claiming one namespace', () => {
    refused('kind: Container\nname: a\nnetns: {pid: 7}\n---\nkind: Container\nname: b\nnetns: »{pid: 7}\n', 'netns-taken', {
      message: /use mode: container:a/,
    });
    refused('kind: Container\nname: a\n---\nkind: Container\nname: b\nnetns: »a\n', 'netns-taken');
  });
});

describe('fixed addresses', () => {
  test("an address outside its network's subnets", () => {
    refused(NET + 'kind: Container\nname: web\nnetworks:\n  - network: front\n    ip: »172.19.0.10\n', 'address-outside-subnet', {
      message: 'address 172.19.0.10 is outside the subnets of Network front (172.18.0.0/24)',
    });
  });
  test('an address taken twice in one network, across files', () => {
    refused(
      {
        'networks.d/a.yaml': NET + 'kind: Container\nname: a\nnetworks: [{network: front, ip: 172.18.0.10}]\n',
        'networks.d/b.yaml': 'kind: Container\nname: b\nnetworks:\n  - network: front\n    ip: »172.18.0.10\n',
      },
      'address-taken',
      { message: 'address 172.18.0.10 on Network front is already taken by Container a (networks.d/a.yaml:10:33)', object: 'Container b' },
    );
  });
  test('the same address on two isolated switches is fine', () => {
    ok(`
      kind: Network
      name: s1
      gatewayMode: isolated
      subnets: [{subnet: 10.5.0.0/24}]
      ---
      kind: Network
      name: s2
      gatewayMode: isolated
      subnets: [{subnet: 10.5.0.0/24}]
      ---
      kind: Container
      name: r
      networks: [{network: s1, ip: 10.5.0.1}, {network: s2, ip: 10.5.0.1}]
    `);
  });
  test('the gateway of a nat or routed network, written or by default', () => {
    refused(NET + 'kind: Container\nname: a\nnetworks: [{network: front, ip: »172.18.0.1}]\n', 'address-taken', {
      message: 'address 172.18.0.1 is the gateway of Network front',
    });
    refused(
      'kind: Network\nname: r\ngatewayMode: routed\nsubnets: [{subnet: 10.6.0.0/24}]\n---\nkind: Container\nname: a\nnetworks: [{network: r, ip: »10.6.0.1}]\n',
      'address-taken',
      { message: /the first address, by default/ },
    );
  });
  test("an isolated network's gateway is a member's address", () => {
    ok(
      'kind: Network\nname: s\ngatewayMode: isolated\nsubnets: [{subnet: 10.6.0.0/24, gateway: 10.6.0.1}]\n---\nkind: Container\nname: a\nnetworks: [{network: s, ip: 10.6.0.1}]\n',
    );
  });
  test('a reserved address', () => {
    refused(NET + 'kind: Container\nname: a\nnetworks: [{network: front, ip: »172.18.0.5}]\n', 'address-taken', {
      message: 'address 172.18.0.5 is reserved in Network front',
    });
  });
  test('the network or broadcast address', () => {
    refused(NET + 'kind: Container\nname: a\nnetworks: [{network: front, ip: »172.18.0.255}]\n', 'address-unusable');
  });
  test('a fixed ip on a network without subnets', () => {
    refused('kind: Network\nname: auto\n---\nkind: Container\nname: a\nnetworks:\n  - network: auto\n    ip: »10.0.0.5\n', 'fixed-ip-auto-subnet', {
      message: 'user specified IP address is supported only on networks with user configured subnets',
    });
  });
  test('a fixed ip on the implicit bridge', () => {
    refused('kind: Container\nname: a\nnetworks: [{network: bridge, ip: »172.17.0.5}]\n', 'fixed-ip-auto-subnet');
  });
  test('IPv6 fixed addresses are checked against IPv6 subnets', () => {
    const v6 = 'kind: Network\nname: v6\nsubnets: [{subnet: 10.7.0.0/24}, {subnet: "fd00:7::/64"}]\n---\n';
    ok(v6 + 'kind: Container\nname: a\nnetworks: [{network: v6, ip: 10.7.0.10, ip6: "fd00:7::10"}]\n');
    refused(v6 + 'kind: Container\nname: a\nnetworks: [{network: v6, ip6: »"fd00:8::10"}]\n', 'address-outside-subnet');
    refused(v6 + 'kind: Container\nname: a\nnetworks: [{network: v6, ip6: »10.7.0.10}]\n', 'schema');
  });
  test('one container attached twice to one network', () => {
    refused(NET + 'kind: Container\nname: a\nnetworks: [front, »front]\n', 'duplicate-attachment');
  });
  test('one MAC twice on one network', () => {
    refused(
      NET +
        'kind: Container\nname: a\nnetworks: [{network: front, mac: "02:00:00:00:00:01"}]\n---\nkind: Container\nname: b\nnetworks: [{network: front, mac: »"02:00:00:00:00:01"}]\n',
      'mac-taken',
    );
  });
  test("a written MAC equal to the default MAC of another member's fixed address (02:42 + its IPv4 bytes)", () => {
    // the default comes later in the files: the written MAC is still the one reported
    refused(
      NET +
        'kind: Container\nname: a\nnetworks: [{network: front, mac: »"02:42:ac:12:00:0a"}]\n---\n' +
        'kind: Container\nname: b\nnetworks: [{network: front, ip: 172.18.0.10}]\n',
      'mac-taken',
      {
        object: 'Container a',
        message:
          /MAC 02:42:ac:12:00:0a is already used on Network front as the default MAC of Container b's address 172\.18\.0\.10 \(networks\.d\/a\.yaml:\d+:\d+/,
      },
    );
    // and the other way round, upper-case hex too
    refused(
      NET +
        'kind: Container\nname: a\nnetworks: [{network: front, ip: 172.18.0.10}]\n---\n' +
        'kind: Container\nname: b\nnetworks: [{network: front, mac: »"02:42:AC:12:00:0A"}]\n',
      'mac-taken',
      { object: 'Container b' },
    );
  });
  test('the same MAC on different networks, or a default MAC of a dynamic address, is fine', () => {
    ok(
      NET +
        'kind: Network\nname: back\nsubnets: [{subnet: 172.19.0.0/24}]\n---\n' +
        'kind: Container\nname: a\nnetworks: [{network: front, ip: 172.18.0.10}]\n---\n' +
        'kind: Container\nname: b\nnetworks: [{network: back, mac: "02:42:ac:12:00:0a"}]\n---\n' +
        'kind: Container\nname: c\nnetworks: [{network: front, mac: "02:42:ac:12:00:0b"}]\n',
    );
  });
  test("a fixed address equal to a Host's underlay address", () => {
    refused(
      'kind: Host\nname: node-a\naddress: 192.168.9.5\n' +
        '---\nkind: Network\nname: lan\ndriver: macvlan\nparent: eth0\nsubnets: [{subnet: 192.168.9.0/24}]\n---\n' +
        'kind: Container\nname: a\nhost: node-a\nnetworks: [{network: lan, ip: »192.168.9.5}]\n',
      'address-taken',
      { message: 'address 192.168.9.5 is the underlay address of Host node-a' },
    );
  });
});

describe('macvlan passthru', () => {
  const HOSTS = 'kind: Host\nname: h1\naddress: 10.0.0.1\n---\nkind: Host\nname: h2\naddress: 10.0.0.2\n---\n';
  const PT = 'kind: Network\nname: lan\ndriver: macvlan\nparent: eth0\nmode: passthru\nsubnets: [{subnet: 192.168.9.0/24}]\n---\n';
  test('two containers on one host', () => {
    refused(
      HOSTS + PT + 'kind: Container\nname: a\nhost: h1\nnetworks: [lan]\n---\nkind: Container\nname: b\nhost: h1\nnetworks: [»lan]\n',
      'macvlan-passthru-shared',
      {
        object: 'Container b',
        message:
          /Network lan is a passthru macvlan: the kernel allows one per parent, and Container a \(networks\.d\/a\.yaml:\d+:\d+\) already takes it on Host h1/,
      },
    );
  });
  test('two containers without a host (both run wherever the files are reconciled)', () => {
    refused(PT + 'kind: Container\nname: a\nnetworks: [lan]\n---\nkind: Container\nname: b\nnetworks:\n  - network: »lan\n', 'macvlan-passthru-shared');
  });
  test('one per host is fine; bridge mode takes many', () => {
    ok(HOSTS + PT + 'kind: Container\nname: a\nhost: h1\nnetworks: [lan]\n---\nkind: Container\nname: b\nhost: h2\nnetworks: [lan]\n');
    ok(PT.replace('passthru', 'bridge') + 'kind: Container\nname: a\nnetworks: [lan]\n---\nkind: Container\nname: b\nnetworks: [lan]\n');
  });
});

describe('interface names', () => {
  test('two attachments with one ifname', () => {
    refused(
      NET + 'kind: Network\nname: back\n---\nkind: Container\nname: a\nnetworks:\n  - {network: front, ifname: eth1}\n  - {network: back, ifname: »eth1}\n',
      'duplicate-ifname',
      { message: 'interface eth1 is already used in Container a by its attachment to front' },
    );
  });
  test('an attachment named lo', () => {
    refused('kind: Container\nname: a\nnetworks: [{network: bridge, ifname: »lo}]\n', 'reserved-ifname');
  });
  test('a Link endpoint on a default attachment name', () => {
    refused(
      'kind: Container\nname: a\n---\nkind: Link\nname: l\nendpoints: [{container: a, ifname: »eth0}, {container: host, ifname: a0}]\n',
      'duplicate-ifname',
      { object: 'Link l' },
    );
  });
});

describe('published ports', () => {
  const ctr = (n: string, ports: string, extra = '') => `kind: Container\nname: ${n}\n${extra}ports:\n${ports}---\n`;
  test('one host port published twice, across containers', () => {
    const d = refused(ctr('a', '  - "8080:80"\n') + ctr('b', '  - »"8080:81"\n'), 'port-conflict', {
      message: 'host port 8080/tcp on 0.0.0.0 is already published on 0.0.0.0 as 8080/tcp by Container a (networks.d/a.yaml:4:5)',
    });
    expect(d.object).toBe('Container b');
  });
  test('0.0.0.0 conflicts with a specific address of the same port', () => {
    refused(ctr('a', '  - "127.0.0.1:8080:80"\n') + ctr('b', '  - »"8080:80"\n'), 'port-conflict');
    refused(ctr('a', '  - "8080:80"\n') + ctr('b', '  - »"10.0.0.1:8080:80"\n'), 'port-conflict');
  });
  test('overlapping ranges conflict', () => {
    refused(ctr('a', '  - "9000-9003:9000-9003"\n') + ctr('b', '  - »"9003-9004:80-81"\n'), 'port-conflict');
  });
  test('a later, wider range that starts lower conflicts with an earlier single port, reported once on the later one', () => {
    const d = refused(ctr('a', '  - "9050:80"\n  - "9200:80"\n') + ctr('b', '  - »"9000-9100:9000-9100"\n'), 'port-conflict');
    expect(d.message).toMatch(/host port 9000-9100\/tcp on 0.0.0.0 is already published on 0.0.0.0 as 9050\/tcp by Container a/);
  });
  test('twice within one container', () => {
    refused(ctr('a', '  - "8080:80"\n  - »"8080:80"\n'), 'port-conflict', { message: /by this container/ });
  });
  test("a network's hostIP is the default host address", () => {
    refused(
      'kind: Network\nname: n\nhostIP: 127.0.0.1\n---\n' + ctr('a', '  - "8080:80"\n', 'networks: [n]\n') + ctr('b', '  - »"127.0.0.1:8080:80"\n'),
      'port-conflict',
      { message: /on 127.0.0.1 is already published on 127.0.0.1/ },
    );
  });
  test('different protocols, addresses, ports or hosts do not conflict', () => {
    ok(ctr('a', '  - "8080:80"\n  - "53:53/udp"\n') + ctr('b', '  - "8080:80/udp"\n  - "8081:80"\n'));
    ok(ctr('a', '  - "127.0.0.1:8080:80"\n') + ctr('b', '  - "127.0.0.2:8080:80"\n'));
    ok(
      'kind: Host\nname: h1\naddress: 10.0.0.1\n---\nkind: Host\nname: h2\naddress: 10.0.0.2\n---\n' +
        ctr('a', '  - "8080:80"\n', 'host: h1\n') +
        ctr('b', '  - "8080:80"\n', 'host: h2\n'),
    );
  });
  test('a published port targeting an internal network', () => {
    refused('kind: Network\nname: in\ninternal: true\n---\n' + ctr('a', '  - »"8080:80"\n', 'networks: [in]\n'), 'port-internal', {
      message: 'Network in is internal: it takes no published ports',
    });
  });
  test('a published port targeting an isolated switch or a macvlan LAN', () => {
    refused('kind: Network\nname: sw\ngatewayMode: isolated\n---\n' + ctr('a', '  - »"8080:80"\n', 'networks: [sw]\n'), 'port-unroutable', {
      message: 'Network sw is gatewayMode isolated (the host takes no part in it): it takes no published ports',
    });
    refused(
      'kind: Network\nname: lan\ndriver: macvlan\nparent: eth0\nsubnets: [{subnet: 192.168.9.0/24}]\n---\n' + ctr('a', '  - »"8080:80"\n', 'networks: [lan]\n'),
      'port-unroutable',
    );
  });
  test('a port with no network to target', () => {
    refused(ctr('a', '  - »"8080:80"\n', 'networks: []\n'), 'port-no-network');
  });
  const SW = 'kind: Network\nname: sw\ngatewayMode: isolated\n---\n';
  const IN = 'kind: Network\nname: in\ninternal: true\n---\n';
  test('several networks: the first that can carry the port is its target, not the first attachment', () => {
    ok(SW + ctr('a', '  - "127.0.0.1:2201:22"\n', 'networks: [sw, bridge]\n'));
    // the port therefore clashes on the network it lands on
    refused(SW + ctr('a', '  - "2201:22"\n', 'networks: [sw, bridge]\n') + ctr('b', '  - »"2201:23"\n'), 'port-conflict');
  });
  test('several networks and none can carry the port: refused, naming each', () => {
    refused(SW + IN + ctr('a', '  - »"2201:22"\n', 'networks: [sw, in]\n'), 'port-unroutable', {
      message: "none of this container's networks can carry a published port: sw (gatewayMode isolated), in (internal)",
    });
  });
  test('an explicit network: that cannot carry the port is still refused', () => {
    refused(SW + ctr('a', '  - »{hostPort: 2201, containerPort: 22, network: sw}\n', 'networks: [sw, bridge]\n'), 'port-unroutable');
  });
  test('a port without a host port takes part in no conflict (its host port is chosen free)', () => {
    ok(ctr('a', '  - "80"\n  - "80"\n  - "127.0.0.1::80"\n') + ctr('b', '  - "49153:80"\n'));
  });
  test('"8080:80" on a dual-stack network is published on both families, so [::]:8080 clashes with it', () => {
    const DUAL = 'kind: Network\nname: d\nsubnets: [{subnet: 10.5.0.0/24}, {subnet: "fd05::/64"}]\n---\n';
    const d = refused(DUAL + ctr('a', '  - "8080:80"\n', 'networks: [d]\n') + ctr('b', '  - »"[::]:8080:80"\n', 'networks: [d]\n'), 'port-conflict');
    expect(d.message).toMatch(/on :: is already published on :: as 8080\/tcp by Container a/);
    // a on IPv4 only: no IPv6 to clash with
    ok(DUAL + ctr('a', '  - "8080:80"\n') + ctr('b', '  - "[::]:8080:80"\n', 'networks: [d]\n'));
    // twice on a dual network is reported once
    expect(errors(DUAL + ctr('a', '  - "8080:80"\n  - "8080:80"\n', 'networks: [d]\n')).filter((e) => e.code === 'port-conflict')).toHaveLength(1);
  });
  test('a host address of one family needs a network with that family: the first such carrier, else refused', () => {
    const SIX = 'kind: Network\nname: six\nsubnets: [{subnet: "fd06::/64"}]\n---\n';
    refused(ctr('a', '  - »"[::]:8092:80"\n'), 'port-family', {
      message: 'the port is published on an IPv6 host address (::), but Network bridge has no IPv6 subnet',
    });
    refused(SIX + ctr('a', '  - »"0.0.0.0:8092:80"\n', 'networks: [six]\n'), 'port-family', {
      message: /IPv4 host address \(0.0.0.0\), but Network six has no IPv4 subnet/,
    });
    // the IPv6 network behind the IPv4 one takes it
    ok(SIX + ctr('a', '  - "[fd99::1]:8095:80"\n', 'networks: [bridge, six]\n'));
    // and then clashes there, not on bridge
    refused(SIX + ctr('a', '  - "[::]:8095:80"\n', 'networks: [bridge, six]\n') + ctr('b', '  - »"[::]:8095:81"\n', 'networks: [six]\n'), 'port-conflict');
  });
  test('Settings.iptables: false with a published port is refused at the port', () => {
    const d = refused('kind: Settings\niptables: false\n---\n' + ctr('a', '  - »"8080:80"\n'), 'port-no-iptables');
    expect(d.message).toBe(
      'Settings.iptables is false (networks.d/a.yaml:1:1): netkeeper writes no iptables rules, so this port would not be published; remove the port or set iptables: true',
    );
    ok('kind: Settings\niptables: false\n---\nkind: Container\nname: a\n');
  });
});

describe('overlays and hosts', () => {
  const HOSTS = 'kind: Host\nname: h1\naddress: 10.0.0.1\n---\nkind: Host\nname: h2\naddress: 10.0.0.2\n---\n';
  const OV = 'kind: Network\nname: ov\ndriver: overlay\nvni: 42\nsubnets: [{subnet: 10.42.0.0/24}]\n---\n';
  test('a container on an overlay must say which Host runs it when Hosts exist', () => {
    refused(HOSTS + OV + 'kind: Container\nname: a\nnetworks:\n  - network: »ov\n', 'overlay-host-required');
    ok(HOSTS + OV + 'kind: Container\nname: a\nhost: h1\nnetworks: [ov]\n');
    ok(OV + 'kind: Container\nname: a\nnetworks: [ov]\n');
  });
  test('overlay addresses are unique across hosts', () => {
    refused(
      HOSTS +
        OV +
        'kind: Container\nname: a\nhost: h1\nnetworks: [{network: ov, ip: 10.42.0.9}]\n---\nkind: Container\nname: b\nhost: h2\nnetworks: [{network: ov, ip: »10.42.0.9}]\n',
      'address-taken',
    );
  });
});

describe('warnings', () => {
  test('a link to a container sharing no network warns and still validates', () => {
    const m = marked({
      'networks.d/a.yaml': 'kind: Network\nname: x\n---\nkind: Container\nname: a\nnetworks: [x]\nlinks: [{container: »b}]\n---\nkind: Container\nname: b\n',
    });
    const r = parseConfig(m.files);
    expect(r.ok).toBe(true);
    expect(r.ok && r.warnings?.map((w) => [w.code, w.pos])).toEqual([['link-no-common-network', m.marks[0]]]);
  });
});

test('a good config gives no errors at all (the fixtures above are minimal)', () => {
  expect(errors(NET + 'kind: Container\nname: a\nnetworks: [{network: front, ip: 172.18.0.10}]\nports: ["80:80"]\n')).toEqual([]);
});
