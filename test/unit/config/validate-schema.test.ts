// YAML and schema problems: code, file:line:col of the offending node, and a message a user understands.
import { describe, expect, test } from 'vitest';
import { errors, refused } from './helpers.js';

describe('YAML', () => {
  test('a syntax error names file, line and column', () => {
    refused(
      {
        'networks.d/a.yaml': 'kind: Network\nname: ok\n',
        'networks.d/b.yaml': 'kind: Network\nname: x\nsubnets: [{subnet: 10.0.0.0/24}\n»---\n',
      },
      'yaml',
      { message: /^YAML: / },
    );
  });

  test('a duplicate key is refused at the second key', () => {
    refused('kind: Network\nname: a\n»name: b\n', 'yaml', { message: /unique/ });
  });

  test('a problem in the third document of a second file points there', () => {
    refused(
      {
        'networks.d/a.yaml': 'kind: Network\nname: a\n',
        'networks.d/b.yaml': 'kind: Network\nname: b\n---\nkind: Network\nname: c\n---\n# the third\nkind: Network\nname: d\n»colour: red\n',
      },
      'schema',
      {
        message:
          'unknown field "colour"; allowed: kind, name, driver, interface, subnets, allowHostOverlap, mtu, gatewayMode, icc, internal, hostIP, parent, mode, vni, port, fabric, hostSubnetSize, mac, adopt',
        object: 'Network d',
      },
    );
  });
});

describe('document shape', () => {
  test('a document that is not a mapping', () => {
    refused('»- kind: Network\n', 'schema', { message: 'a document must be a mapping with `kind` and `name`' });
  });

  test('a missing kind points at the document', () => {
    refused('# x\n»name: a\n', 'schema', { message: /missing required field "kind"/ });
  });

  test('an unknown kind points at its value', () => {
    refused('kind: »Netwrk\nname: a\n', 'schema', { message: /unknown kind "Netwrk": expected one of Network, Container, Link, Host, Settings/ });
  });

  test('a missing name points at the object', () => {
    refused('»kind: Network\n', 'schema', { message: 'missing required field "name"' });
  });

  test('a missing required field of a nested object points at that object', () => {
    refused(
      `
      kind: Network
      name: a
      subnets:
        - »gateway: 10.0.0.1
      `,
      'schema',
      { message: 'subnets[0]: missing required field "subnet"' },
    );
  });

  test('an unknown field points at the key and suggests the near miss', () => {
    refused(
      `
      kind: Network
      name: a
      subnets:
        - subnet: 10.0.0.0/24
          »gatway: 10.0.0.1
      `,
      'schema',
      { message: 'subnets[0]: unknown field "gatway" (did you mean "gateway"?); allowed: subnet, gateway, ipRange, reserved' },
    );
  });

  test('a wrong type names the expected type', () => {
    refused('kind: Network\nname: a\nicc: »"yes"\n', 'schema', { message: 'icc: must be true or false, not "yes"' });
    refused('kind: Container\nname: a\nnetworks: »frontend\n', 'schema', { message: 'networks: must be a list, not "frontend"' });
    refused('kind: Container\nname: a\nnetns: »5\n', 'schema', { message: 'netns: must be a string or a mapping, not 5' });
  });

  test('an enum typo suggests the value', () => {
    refused('kind: Network\nname: a\ngatewayMode: »routd\n', 'schema', {
      message: 'gatewayMode: "routd" is not one of nat, routed, isolated (did you mean "routed"?)',
    });
    refused('kind: Container\nname: a\nmode: »brige\n', 'schema', {
      message: 'mode: "brige" is not one of bridge, none, host, container:<name> (did you mean "bridge"?)',
    });
  });

  test('netns takes exactly one of path or pid', () => {
    refused('kind: Container\nname: a\nnetns: »{path: /proc/1/ns/net, pid: 1}\n', 'schema', {
      message: 'netns: give exactly one of {path: ...} or {pid: ...}',
    });
    refused('kind: Container\nname: a\nnetns: {»pod: 1}\n', 'schema', { message: /unknown field "pod" \(did you mean "pid"\?\)/, others: true });
  });
});

describe('names', () => {
  for (const bad of ['-web', '_web', '.web', 'web site', 'web/a', 'web:a', 'a'.repeat(64), 'wéb']) {
    test(`name ${JSON.stringify(bad)} is refused`, () => {
      refused(`kind: Container\nname: »"${bad}"\n`, 'invalid-name', { message: /is not a valid name/ });
    });
  }
  test('names up to 63 characters with _ . - are fine', () => {
    expect(errors(`kind: Container\nname: ${'a'.repeat(63)}\n---\nkind: Network\nname: a_b.c-d\n`)).toEqual([]);
  });
  test('names as Docker allows them: either case (homeA, modemA, exampleCOM), in every kind and every reference', () => {
    expect(
      errors(
        'kind: Network\nname: modemA\n---\nkind: Host\nname: NodeA\naddress: 192.168.9.1\n---\n' +
          'kind: Container\nname: homeA\nhost: NodeA\nnetworks: [{network: modemA}]\nlinks: [exampleCOM]\n---\n' +
          'kind: Container\nname: exampleCOM\nhost: NodeA\nnetworks: [modemA]\n---\n' +
          'kind: Container\nname: Side\nmode: container:homeA\n---\n' +
          'kind: Link\nname: P2P\nendpoints: [{container: homeA, ifname: p0}, {container: host, ifname: p-homeA}]\n',
      ),
    ).toEqual([]);
  });
  test('names are case-sensitive: homeA and homea are two containers', () => {
    expect(errors('kind: Container\nname: homeA\n---\nkind: Container\nname: homea\n')).toEqual([]);
    refused('kind: Container\nname: homeA\n---\nkind: Container\nname: »homeA\n', 'duplicate-name');
  });
  test('references are names too', () => {
    refused('kind: Container\nname: a\nnetworks: [{network: »-front}]\n', 'invalid-name');
  });
});

describe('interface names', () => {
  test('Network.interface over 15 bytes', () => {
    refused('kind: Network\nname: a\ninterface: »br-0123456789abc\n', 'ifname-too-long', {
      message: 'interface: interface name "br-0123456789abc" is 16 bytes long; the kernel allows at most 15',
    });
  });
  test('attachment ifname over 15 bytes', () => {
    refused('kind: Container\nname: a\nnetworks:\n  - network: bridge\n    ifname: »eth0123456789012\n', 'ifname-too-long');
  });
  test('Link endpoint ifname over 15 bytes', () => {
    refused('kind: Link\nname: l\nendpoints:\n  - {container: host, ifname: »very-long-name-01}\n  - {container: host, ifname: b}\n', 'ifname-too-long');
  });
  test('exactly 15 bytes is fine', () => {
    expect(errors('kind: Network\nname: a\ninterface: br-0123456789ab\n')).toEqual([]);
  });
  for (const bad of ['eth 0', 'eth/0', 'eth:0', '.', '-x']) {
    test(`ifname ${JSON.stringify(bad)} has invalid characters`, () => {
      refused(`kind: Container\nname: a\nnetworks:\n  - {network: bridge, ifname: »"${bad}"}\n`, 'ifname-invalid');
    });
  }
});

describe('values', () => {
  test('MAC syntax', () => {
    refused('kind: Container\nname: a\nnetworks:\n  - {network: bridge, mac: »"02:42:ac:12:00"}\n', 'invalid-mac');
  });
  test('a multicast MAC is refused', () => {
    refused('kind: Container\nname: a\nnetworks:\n  - {network: bridge, mac: »"03:42:ac:12:00:01"}\n', 'invalid-mac', { message: /not a unicast MAC/ });
  });
  test('mtu range 68..65535', () => {
    refused('kind: Network\nname: a\nmtu: »67\n', 'schema', { message: 'mtu: 67 is out of range (68-65535)' });
    refused('kind: Link\nname: a\nmtu: »65536\nendpoints: [{container: host, ifname: a}, {container: host, ifname: b}]\n', 'schema');
    expect(errors('kind: Network\nname: a\nmtu: 68\n---\nkind: Network\nname: b\nmtu: 65535\n')).toEqual([]);
  });
  test('addresses must be IP literals', () => {
    refused('kind: Host\nname: a\naddress: »192.168.1.300\n', 'schema', {
      message: 'address: "192.168.1.300" is not an IP address (IPv4 or IPv6, without prefix)',
    });
    refused('kind: Container\nname: a\nnetworks: [{network: bridge, ip: »10.0.0.1/24}]\n', 'schema');
  });
  test('subnets must be CIDRs', () => {
    refused('kind: Network\nname: a\nsubnets: [{subnet: »10.0.0.0}]\n', 'schema', {
      message: 'subnets[0].subnet: "10.0.0.0" is not an address with prefix length, like 10.0.0.0/24',
    });
  });
  test('a subnet with host bits set is an invalid subnet', () => {
    refused('kind: Network\nname: a\nsubnets: [{subnet: »172.18.0.1/24}]\n', 'invalid-subnet', {
      message: 'subnets[0].subnet: invalid subnet 172.18.0.1/24: it has host bits set (did you mean 172.18.0.0/24?)',
    });
  });
  test('an ipRange with host bits set', () => {
    refused('kind: Network\nname: a\nsubnets: [{subnet: 172.18.0.0/24, ipRange: »172.18.0.129/25}]\n', 'invalid-ip-range');
  });
  test('Link endpoint ip must be a CIDR', () => {
    refused('kind: Link\nname: l\nendpoints:\n  - {container: host, ifname: a, ip: »10.1.1.1}\n  - {container: host, ifname: b}\n', 'schema');
  });
  test('route destination: default or a CIDR without host bits; a next hop or a device', () => {
    refused('kind: Container\nname: a\nroutes: [{to: »10.0.0.0, via: 10.0.0.1}]\n', 'schema');
    refused('kind: Container\nname: a\nroutes: [{to: »10.0.0.1/8, via: 10.0.0.1}]\n', 'invalid-route', {
      message: /host bits set \(did you mean 10.0.0.0\/8\?\)/,
    });
    refused('kind: Container\nname: a\nroutes: [»{to: 10.0.0.0/8}]\n', 'invalid-route', {
      message: 'routes[0]: route to 10.0.0.0/8 needs "via" (a next hop) or "dev" (an interface)',
    });
  });
  test('extraHosts must be name:address', () => {
    refused('kind: Container\nname: a\nextraHosts: [»"db.local"]\n', 'schema');
    refused('kind: Container\nname: a\nextraHosts: [»"db.local:10.0.0.300"]\n', 'invalid-extra-host');
  });
});

describe('ports', () => {
  test('"80", 80 and "127.0.0.1::80" are valid (the host port is chosen); what is not a port is refused', () => {
    expect(errors({ 'networks.d/a.yaml': 'kind: Container\nname: a\nports: ["80", 81, "127.0.0.1::82/udp", {containerPort: 84}]\n' })).toEqual([]);
    refused('kind: Container\nname: a\nports: [»true]\n', 'invalid-port', {
      message: 'ports[0]: port "true" is not [hostIP:]hostPort:containerPort[/protocol]',
    });
    refused('kind: Container\nname: a\nports:\n  - »0\n', 'invalid-port', { message: 'ports[0]: 0 is out of range (1-65535)' });
    refused('kind: Container\nname: a\nports: [»"127.0.0.1:80"]\n', 'invalid-port');
  });
  test('an unknown protocol', () => {
    refused('kind: Container\nname: a\nports: [»"80:80/sctp"]\n', 'invalid-port', {
      message: 'ports[0]: port "80:80/sctp": protocol must be tcp or udp, not "sctp"',
    });
  });
  test('port numbers out of range', () => {
    refused('kind: Container\nname: a\nports: [»"70000:80"]\n', 'invalid-port', { message: /host port 70000 is outside 1-65535/ });
    refused('kind: Container\nname: a\nports: [»"0:80"]\n', 'invalid-port');
    refused('kind: Container\nname: a\nports: [{hostPort: »0, containerPort: 80}]\n', 'invalid-port');
  });
  test('range lengths must match', () => {
    refused('kind: Container\nname: a\nports: [»"9000-9003:9000"]\n', 'invalid-port', { message: /same length/ });
    refused('kind: Container\nname: a\nports: [»{hostPort: "9000-9001", containerPort: 80}]\n', 'invalid-port', { message: /same length/ });
  });
  test('a range that ends before it starts', () => {
    refused('kind: Container\nname: a\nports: [»"9003-9000:9003-9000"]\n', 'invalid-port', { message: /ends before it starts/ });
  });
  test('a bad containerPort without a hostPort is one error, at the containerPort', () => {
    refused('kind: Container\nname: a\nports: [{containerPort: »"9-3"}]\n', 'invalid-port', {
      message: 'ports[0].containerPort: container port range "9-3" ends before it starts',
    });
    refused('kind: Container\nname: a\nports: [{containerPort: »"70000"}]\n', 'invalid-port', { message: /container port 70000 is outside 1-65535/ });
  });
  test('the long form needs containerPort', () => {
    refused('kind: Container\nname: a\nports: [»{hostPort: 80}]\n', 'schema', { message: 'ports[0]: missing required field "containerPort"' });
  });
  test('links[].ports items', () => {
    refused('kind: Container\nname: a\nlinks: [{container: b, ports: [»"5432/sctp"]}]\n---\nkind: Container\nname: b\n', 'schema');
    refused('kind: Container\nname: a\nlinks: [{container: b, ports: [»70000]}]\n---\nkind: Container\nname: b\n', 'invalid-port');
  });
});

describe('Link shape', () => {
  test('exactly two endpoints', () => {
    refused('kind: Link\nname: l\nendpoints: »[{container: host, ifname: a}]\n', 'link-endpoints', { message: 'a Link has exactly two endpoints, not 1' });
    refused(
      'kind: Link\nname: l\nendpoints:\n  »- {container: host, ifname: a}\n  - {container: host, ifname: b}\n  - {container: host, ifname: c}\n',
      'link-endpoints',
    );
  });
});

describe('many errors', () => {
  test('all are reported, sorted by file, line and column, each naming its object', () => {
    const es = errors({
      'networks.d/b.yaml': 'kind: Network\nname: b\nmtu: 1\nfoo: 1\n',
      'networks.d/a.yaml': 'kind: Host\nname: h\naddress: x\n',
    });
    expect(es.map((e) => [e.pos?.file, e.pos?.line, e.pos?.col, e.object, e.code])).toEqual([
      ['networks.d/a.yaml', 3, 10, 'Host h', 'schema'],
      ['networks.d/b.yaml', 3, 6, 'Network b', 'schema'],
      ['networks.d/b.yaml', 4, 1, 'Network b', 'schema'],
    ]);
  });
});
