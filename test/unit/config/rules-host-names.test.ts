// Interface names the files give the kernel: reserved names, and clashes in the
// host's namespace between derived names (br-<net>, nk0, vx-<net>, veth host
// ends) and written ones (a Network's interface, a Link end in `host`).
// `validate` decides all of these; `plan` used to find some of them only after
// reading the kernel (name-clash) or not at all (all, default: the kernel
// refused them half-way through a pass).
import { describe, expect, test } from 'vitest';
import { vethHostName } from '../../../src/model/names.js';
import { errors, ok, refused } from './helpers.js';

describe('reserved interface names', () => {
  test.each(['all', 'default', 'lo'])('a Network interface %s', (name) => {
    refused(`kind: Network\nname: a\ninterface: »${name}\n`, 'reserved-ifname', { object: 'Network a', message: new RegExp(`"${name}" is reserved`) });
  });
  test('an attachment ifname and a Link end', () => {
    refused('kind: Container\nname: a\nnetworks: [{network: bridge, ifname: »all}]\n', 'reserved-ifname', { object: 'Container a' });
    refused(
      'kind: Container\nname: a\n---\nkind: Link\nname: l\nendpoints: [{container: a, ifname: p0}, {container: host, ifname: »default}]\n',
      'reserved-ifname',
      {
        object: 'Link l',
      },
    );
  });
});

describe('host namespace name clashes', () => {
  test('an interface equal to the implicit bridge nk0', () => {
    refused('kind: Network\nname: a\ninterface: »nk0\n', 'name-clash', {
      object: 'Network a',
      message: "interface name nk0 is Network a's interface and also the bridge of the default Network bridge; rename one",
    });
  });
  test('a declared `bridge` keeps nk0; with another interface nk0 is free', () => {
    refused('kind: Network\nname: bridge\n---\nkind: Network\nname: x\ninterface: »nk0\n', 'name-clash');
    ok('kind: Network\nname: bridge\ninterface: mybr0\n---\nkind: Network\nname: x\ninterface: nk0\n');
  });
  test('an interface equal to a derived br-<name>: reported at the interface, whatever the order', () => {
    const d = refused('kind: Network\nname: a\ninterface: »br-b\n---\nkind: Network\nname: b\n', 'name-clash', { object: 'Network a' });
    expect(d.message).toBe(
      "interface name br-b is Network a's interface and also the bridge netkeeper derives for Network b (br-<name>) (networks.d/a.yaml:6:7); rename one",
    );
    refused('kind: Network\nname: b\n---\nkind: Network\nname: a\ninterface: »br-b\n', 'name-clash', { object: 'Network a' });
  });
  test("an interface equal to an overlay's VXLAN device or a container's veth", () => {
    refused('kind: Network\nname: ov\ndriver: overlay\nvni: 7\n---\nkind: Network\nname: a\ninterface: »vx-ov\n', 'name-clash');
    const veth = vethHostName('web', 'eth0');
    refused(`kind: Container\nname: web\n---\nkind: Network\nname: a\ninterface: »${veth}\n`, 'name-clash', {
      message: new RegExp(`${veth} is Network a's interface and also the host end of Container web's eth0`),
    });
  });
  test("a Link end in the host namespace on a bridge's name", () => {
    refused(
      'kind: Network\nname: web\n---\nkind: Container\nname: c\nnetworks: [{network: web}]\n---\n' +
        'kind: Link\nname: l\nendpoints: [{container: c, ifname: p0}, {container: host, ifname: »br-web}]\n',
      'name-clash',
      { object: 'Link l' },
    );
  });
  test('two written interfaces stay duplicate-interface (one report)', () => {
    refused('kind: Network\nname: a\ninterface: x0\n---\nkind: Network\nname: b\ninterface: »x0\n', 'duplicate-interface');
  });
  test('a veth on another Host does not clash with a Link end on this one', () => {
    const veth = vethHostName('far', 'eth0');
    const hosts = 'kind: Host\nname: n1\naddress: 192.168.9.1\n---\nkind: Host\nname: n2\naddress: 192.168.9.2\n---\n';
    ok(
      hosts +
        'kind: Container\nname: far\nhost: n2\n---\nkind: Container\nname: near\nhost: n1\n---\n' +
        `kind: Link\nname: l\nendpoints: [{container: near, ifname: p0}, {container: host, ifname: ${veth}}]\n`,
    );
    expect(
      errors(
        hosts +
          'kind: Container\nname: far\nhost: n1\n---\nkind: Container\nname: near\nhost: n1\n---\n' +
          `kind: Link\nname: l\nendpoints: [{container: near, ifname: p0}, {container: host, ifname: ${veth}}]\n`,
      ).map((e) => e.code),
    ).toEqual(['name-clash']);
  });
});
