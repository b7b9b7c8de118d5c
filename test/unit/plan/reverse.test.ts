// The reverse of a plan on plain data (src/plan/reverse.ts).
import { describe, expect, it } from 'vitest';
import { beforeImage, reverseChanges, reversePlan } from '../../../src/plan/reverse.js';
import { chainRes, toMap, type Resource } from '../../../src/model/resources.js';
import type { Change } from '../../../src/model/plan.js';

const netns = (name: string): Resource => ({ kind: 'netns', key: `netns:${name}`, ns: name, owned: true, name, origin: 'named', path: `/run/netns/${name}` });
const bridge = (ifname: string, mtu = 1500): Resource => ({
  kind: 'link',
  key: `link:host/${ifname}`,
  ns: 'host',
  owned: true,
  ifname,
  type: 'bridge',
  up: true,
  mtu,
  alias: 'nk:net:x',
  ifindex: 7,
});
const veth = (ns: string, ifname: string, peer: { ns: string; ifname: string }, master?: string): Resource => ({
  kind: 'link',
  key: `link:${ns}/${ifname}`,
  ns,
  owned: true,
  ifname,
  type: 'veth',
  up: true,
  mtu: 1500,
  mac: '02:42:ac:13:00:14',
  alias: `nk:veth:${peer.ns}/${peer.ifname}`,
  ...(master ? { master } : {}),
});
const addr = (ns: string, ifname: string, cidr: string): Resource => ({ kind: 'addr', key: `addr:${ns}/${ifname}/${cidr}`, ns, owned: true, ifname, cidr });
const route = (ns: string, dst: string, via: string, dev: string): Resource => ({ kind: 'route', key: `route:${ns}/${dst}`, ns, owned: true, dst, via, dev });
const file = (path: string, content: string): Resource => ({ kind: 'file', key: `file:${path}`, ns: 'host', owned: true, path, content });
const sysctl = (name: string, value: string): Resource => ({ kind: 'sysctl', key: `sysctl:host/${name}`, ns: 'host', owned: true, name, value });
const show = (cs: Change[]) => cs.map((c) => `${c.action} ${c.key}`);

describe('reverse of a plan', () => {
  it('what the pass creates is deleted; what it changes goes back to its observed attributes; order is a plan order', () => {
    const observed = toMap([
      bridge('br0', 1500),
      chainRes('host', 'ipv4', 'nat', 'NK-PORTS', ['-j A']),
      sysctl('net.ipv4.ip_forward', '0'),
      file('/etc/netns/web/hosts', 'old\n'),
    ]);
    const changes: Change[] = [
      { action: 'create', key: 'netns:api', after: netns('api'), reason: '' },
      { action: 'update', key: 'link:host/br0', before: bridge('br0', 1500), after: bridge('br0', 1400), reason: '' },
      {
        action: 'update',
        key: 'chain:host/nat/NK-PORTS',
        before: chainRes('host', 'ipv4', 'nat', 'NK-PORTS', ['-j A']),
        after: chainRes('host', 'ipv4', 'nat', 'NK-PORTS', ['-j B']),
        reason: '',
      },
      {
        action: 'update',
        key: 'sysctl:host/net.ipv4.ip_forward',
        before: sysctl('net.ipv4.ip_forward', '0'),
        after: sysctl('net.ipv4.ip_forward', '1'),
        reason: '',
      },
      {
        action: 'update',
        key: 'file:/etc/netns/web/hosts',
        before: file('/etc/netns/web/hosts', 'old\n'),
        after: file('/etc/netns/web/hosts', 'new\n'),
        reason: '',
      },
    ];
    const rev = reversePlan(changes, observed);
    expect(show(rev)).toEqual([
      'delete netns:api',
      'update link:host/br0',
      'update sysctl:host/net.ipv4.ip_forward',
      'update chain:host/nat/NK-PORTS',
      'update file:/etc/netns/web/hosts',
    ]);
    const back = Object.fromEntries(rev.map((c) => [c.key, c.after]));
    expect(back['link:host/br0']).toMatchObject({ mtu: 1500 });
    expect(back['chain:host/nat/NK-PORTS']).toMatchObject({ rules: ['-j A'] });
    expect(back['sysctl:host/net.ipv4.ip_forward']).toMatchObject({ value: '0' });
    expect(back['file:/etc/netns/web/hosts']).toMatchObject({ content: 'old\n' });
  });

  it('a namespace the pass deletes is made again with everything in it and the veth into it; a deleted bridge with its address and ports', () => {
    const hostEnd = veth('host', 'nkaa', { ns: 'db', ifname: 'eth0' }, 'br0');
    const observed = toMap([
      netns('db'),
      veth('db', 'eth0', { ns: 'host', ifname: 'nkaa' }),
      addr('db', 'eth0', '172.19.0.20/24'),
      route('db', 'default', '172.19.0.1', 'eth0'),
      hostEnd,
      bridge('br0'),
      addr('host', 'br0', '172.19.0.1/24'),
      bridge('br-other'),
    ]);
    const changes: Change[] = [
      { action: 'delete', key: 'netns:db', before: observed.get('netns:db')!, reason: '' },
      { action: 'delete', key: 'link:host/nkaa', before: hostEnd, reason: '' },
      { action: 'delete', key: 'link:host/br0', before: observed.get('link:host/br0')!, reason: '' },
    ];
    const image = beforeImage(changes, observed);
    expect([...image.keys()].sort()).toEqual(
      ['addr:db/eth0/172.19.0.20/24', 'addr:host/br0/172.19.0.1/24', 'link:db/eth0', 'link:host/br0', 'link:host/nkaa', 'netns:db', 'route:db/default'].sort(),
    );
    // the kernel after the pass: all of it gone
    const rev = reverseChanges(image, toMap([bridge('br-other')]));
    expect(show(rev)).toEqual([
      'create netns:db',
      'create link:host/br0',
      'create link:db/eth0',
      'create link:host/nkaa',
      'create addr:db/eth0/172.19.0.20/24',
      'create addr:host/br0/172.19.0.1/24',
      'create route:db/default',
    ]);
    // made again as it was: its peer (from the mark), its master, its MAC
    expect(rev.find((c) => c.key === 'link:host/nkaa')!.after).toMatchObject({ peer: { ns: 'db', ifname: 'eth0' }, master: 'br0' });
    expect(rev.find((c) => c.key === 'link:db/eth0')!.after).toMatchObject({ mac: '02:42:ac:13:00:14' });
  });

  it('diffs against the kernel as it is: a half-applied pass reverses only what happened; nothing left → empty', () => {
    const observed = toMap([bridge('br0')]);
    const changes: Change[] = [
      { action: 'create', key: 'netns:api', after: netns('api'), reason: '' },
      { action: 'create', key: 'addr:api/eth0/10.0.0.2/24', after: addr('api', 'eth0', '10.0.0.2/24'), reason: '' },
      { action: 'update', key: 'link:host/br0', before: bridge('br0'), after: bridge('br0', 1400), reason: '' },
    ];
    const image = beforeImage(changes, observed);
    // only the namespace was made (its address line failed), the MTU never changed
    expect(show(reverseChanges(image, toMap([bridge('br0'), netns('api')])))).toEqual(['delete netns:api']);
    // what is in a namespace that goes is not deleted on its own
    expect(show(reverseChanges(image, toMap([bridge('br0'), netns('api'), addr('api', 'eth0', '10.0.0.2/24')])))).toEqual(['delete netns:api']);
    expect(reverseChanges(image, observed)).toEqual([]);
  });

  it('a bridge made anew takes its ports again: a port equal before and after gets its master back', () => {
    const port = veth('host', 'nkaa', { ns: 'db', ifname: 'eth0' }, 'br0');
    const observed = toMap([bridge('br0'), port]);
    const image = beforeImage([{ action: 'delete', key: 'link:host/br0', before: bridge('br0'), reason: '' }], observed);
    const rev = reverseChanges(image, toMap([{ ...port, master: undefined } as Resource]));
    expect(show(rev)).toEqual(['create link:host/br0', 'update link:host/nkaa']);
  });
});
