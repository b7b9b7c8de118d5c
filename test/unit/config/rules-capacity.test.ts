// Room, decided from the files alone: subnets too small to be a network, more
// members than an ipRange holds, more ports than a Linux bridge takes. `plan`
// used to find the last two only after reading the kernel, and let the first
// through (a /32 bridge network whose only address is its gateway).
import { describe, expect, test } from 'vitest';
import { errors, ok, refused } from './helpers.js';

const ctr = (name: string, net: string, extra = '') => `---\nkind: Container\nname: ${name}\nnetworks: [{network: ${net}${extra}}]\n`;

describe('subnet-too-small', () => {
  test('a /32 or /128: always', () => {
    refused('kind: Network\nname: a\nsubnets: [{subnet: »10.9.0.0/32}]\n', 'subnet-too-small', {
      object: 'Network a',
      message: /holds a single address: its only address would be the gateway 10\.9\.0\.0/,
    });
    refused('kind: Network\nname: a\ngatewayMode: isolated\nsubnets: [{subnet: »10.9.0.0/32}]\n', 'subnet-too-small', { message: /connects nothing/ });
    refused('kind: Network\nname: a\nsubnets: [{subnet: »"fd00:9::/128"}]\n', 'subnet-too-small');
  });
  test('a /31 or /127 with a gateway (derived or written); without one, an isolated /31 is two members', () => {
    refused('kind: Network\nname: a\nsubnets: [{subnet: »10.9.0.0/31}]\n', 'subnet-too-small', {
      message: /with the gateway 10\.9\.0\.0 it leaves one.*use \/30 or wider/,
    });
    refused('kind: Network\nname: a\ngatewayMode: isolated\nsubnets: [{subnet: »10.9.0.0/31, gateway: 10.9.0.1}]\n', 'subnet-too-small');
    refused('kind: Network\nname: a\ngatewayMode: routed\nsubnets: [{subnet: »"fd00:9::/127"}]\n', 'subnet-too-small', { message: /use \/126 or wider/ });
    ok('kind: Network\nname: a\ngatewayMode: isolated\nsubnets: [{subnet: 10.9.0.0/31}]\n' + ctr('c', 'a') + ctr('d', 'a'));
    ok('kind: Network\nname: a\nsubnets: [{subnet: 10.9.0.0/30}]\n' + ctr('c', 'a'));
  });
});

describe('ipam-exhausted', () => {
  const net = (sub: string) => `kind: Network\nname: a\nsubnets:\n  - ${sub}\n`;
  test('more dynamic members than the subnet holds, at the subnet', () => {
    refused(net('subnet: »10.9.0.0/30') + ctr('c', 'a') + ctr('d', 'a'), 'ipam-exhausted', {
      object: 'Network a',
      message: 'no free IPv4 address left in 10.9.0.0/30 for d/eth0: 2 members need a dynamic address and it has room for 1',
    });
    ok(net('subnet: 10.9.0.0/29') + ctr('c', 'a') + ctr('d', 'a'));
  });
  test('at the ipRange when one is written; the gateway and reserved addresses inside it count', () => {
    // 10.9.0.0/30 of a /24: .0 is the subnet's network address, .1 the gateway, .2 reserved: .3 is left
    const sub = 'subnet: 10.9.0.0/24\n    ipRange: »10.9.0.0/30\n    reserved: [10.9.0.2]';
    refused(net(sub) + ctr('c', 'a') + ctr('d', 'a'), 'ipam-exhausted', {
      message: /^no free IPv4 address left in 10\.9\.0\.0\/30 for d\/eth0: .* room for 1$/,
    });
    ok(net(sub.replace('»', '')) + ctr('c', 'a'));
  });
  test('a fixed address inside the range leaves less room; one outside it takes none', () => {
    const sub = 'subnet: 10.9.0.0/24\n    ipRange: »10.9.0.4/30';
    const dyn = ctr('w', 'a') + ctr('x', 'a') + ctr('y', 'a') + ctr('z', 'a');
    refused(net(sub) + ctr('f', 'a', ', ip: 10.9.0.5') + dyn, 'ipam-exhausted', {
      message: 'no free IPv4 address left in 10.9.0.4/30 for z/eth0: 4 members need a dynamic address and it has room for 3',
    });
    ok(net(sub.replace('»', '')) + ctr('f', 'a', ', ip: 10.9.0.50') + dyn);
  });
  test('IPv6 is counted on its own', () => {
    const dual = 'kind: Network\nname: a\nsubnets:\n  - subnet: 10.9.0.0/24\n  - subnet: »"fd00:9::/126"\n';
    refused(dual + ctr('c', 'a') + ctr('d', 'a') + ctr('e', 'a'), 'ipam-exhausted', { message: /^no free IPv6 address left in fd00:9::\/126 for e\/eth0/ });
  });
  test('a bridge network is per host: one member on each of two Hosts fits a /30; an overlay is shared', () => {
    const hosts = 'kind: Host\nname: n1\naddress: 192.168.9.1\n---\nkind: Host\nname: n2\naddress: 192.168.9.2\n---\n';
    const on = (name: string, host: string, net: string) => `---\nkind: Container\nname: ${name}\nhost: ${host}\nnetworks: [{network: ${net}}]\n`;
    ok(hosts + 'kind: Network\nname: a\nsubnets: [{subnet: 10.9.0.0/30}]\n' + on('c', 'n1', 'a') + on('d', 'n2', 'a'));
    refused(
      hosts + 'kind: Network\nname: a\ndriver: overlay\nvni: 9\nsubnets: [{subnet: »10.9.0.0/30}]\n' + on('c', 'n1', 'a') + on('d', 'n2', 'a'),
      'ipam-exhausted',
    );
    // a container without `host` runs on every host: it counts on each
    refused(hosts + 'kind: Network\nname: a\nsubnets: [{subnet: »10.9.0.0/30}]\n' + on('c', 'n1', 'a') + ctr('d', 'a'), 'ipam-exhausted', {
      message: /on Host n1 for d\/eth0/,
    });
  });
  test('an automatic overlay subnet is a /24: 254 members do not fit', () => {
    const hosts = 'kind: Host\nname: n1\naddress: 192.168.9.1\n---\n';
    const many = Array.from(
      { length: 254 },
      (_, i) => `---\nkind: Container\nname: c${String(i).padStart(3, '0')}\nhost: n1\nnetworks: [{network: ov}]\n`,
    ).join('');
    refused(hosts + 'kind: Network\nname: »ov\ndriver: overlay\nvni: 9\n' + many, 'ipam-exhausted', {
      message: /\(the automatic overlay subnet is a \/24\) for c253\/eth0/,
    });
    ok(hosts + 'kind: Network\nname: ov\ndriver: overlay\nvni: 9\n' + many.split('---\n').slice(0, 254).join('---\n'));
  });
});

describe('bridge-full', () => {
  const many = (n: number, extra = '') => Array.from({ length: n }, (_, i) => `---\nkind: Container\nname: »c${String(i).padStart(4, '0')}\n${extra}`);
  const unmark = (docs: string[]) => docs.map((d) => d.replace('»', ''));
  test('1024 containers on the default bridge: the 1024th (in name order) is refused, at its name', () => {
    const docs = many(1024);
    const text = unmark(docs.slice(0, 1023)).join('') + docs[1023];
    refused(text.slice(4), 'bridge-full', {
      object: 'Container c1023',
      message:
        "Network bridge's bridge nk0 would have 1024 ports and a Linux bridge takes at most 1023: this container is port 1024; spread the containers over more networks",
    });
    expect(errors(unmark(docs.slice(0, 1023)).join('').slice(4))).toEqual([]);
  });
  test("an overlay's VXLAN device is a port too; the count is per host", () => {
    const hosts = 'kind: Host\nname: n1\naddress: 192.168.9.1\n---\nkind: Host\nname: n2\naddress: 192.168.9.2\n';
    const net = '---\nkind: Network\nname: ov\ndriver: overlay\nvni: 9\nsubnets: [{subnet: 10.8.0.0/16}]\n';
    const docs = many(1023, 'host: n1\nnetworks: [{network: »ov}]\n').map((d) => d.replace('name: »', 'name: '));
    refused(hosts + net + unmark(docs.slice(0, 1022)).join('') + docs[1022], 'bridge-full', { message: /would have 1024 ports on Host n1/ });
    const split = docs.map((d, i) => (i % 2 ? d.replace('host: n1', 'host: n2') : d));
    expect(errors(hosts + net + unmark(split).join(''))).toEqual([]);
  });
});
