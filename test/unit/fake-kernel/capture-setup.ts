// test/fixtures/ip/capture.sh, replayed on the fake kernel: the same objects the real
// capture made, so the fake's `ip -j` output can be compared with the real one.

import { FakeKernel } from '../../helpers/fake-kernel/index.js';
import type { EtcNetnsFile } from '../../../src/observe/files.js';
import { fixtureJson } from '../observe/fixtures.js';

export function captureOnFake(): FakeKernel {
  const k = new FakeKernel();
  k.ip(
    'host',
    'link set lo up',
    'link add br-nk type bridge',
    'link set br-nk alias nk:net:frontend up',
    'addr add 172.18.0.1/24 dev br-nk',
    'addr add fd00:18::1/64 dev br-nk nodad',
    'netns add web',
  );
  k.ip('web', 'link set lo alias nk:netns', 'link set lo up');
  k.ip(
    'host',
    'link add vh-web type veth peer name eth0 netns web',
    'link set vh-web addrgenmode none',
    'link set vh-web alias nk:veth:host/vh-web master br-nk up',
  );
  k.ip(
    'web',
    'link set eth0 alias nk:veth:web/eth0 address 02:42:ac:12:00:0a mtu 1400 up',
    'addr add 172.18.0.10/24 dev eth0',
    'addr add fd00:18::10/64 dev eth0 nodad',
    'addr add 10.10.10.1/32 dev lo label lo:nk',
    'route add default via 172.18.0.1 dev eth0 proto 77',
    'route add ::/0 via fd00:18::1 dev eth0 proto 77',
  );
  k.state.mounts.set('/run/netns/side', k.nsByName('web'));

  k.ip('host', 'link add br-foreign type bridge', 'link set br-foreign up', 'addr add 10.50.0.1/16 dev br-foreign', 'netns add foreign');
  k.ip('foreign', 'link set lo up');
  k.ip('host', 'link add fh0 type veth peer name eth0 netns foreign', 'link set fh0 master br-foreign up');
  k.ip('foreign', 'link set eth0 up', 'addr add 10.50.0.2/16 dev eth0', 'route add 10.99.0.0/16 via 10.50.0.1');

  for (const n of ['r1', 'r2']) {
    k.ip('host', `netns add ${n}`);
    k.ip(n, 'link set lo alias nk:netns', 'link set lo up');
  }
  k.ip('r1', 'link add p2p0 type veth peer name p2p0 netns r2', 'link set p2p0 alias nk:veth:r1/p2p0 up');
  k.ip('r2', 'link set p2p0 alias nk:veth:r2/p2p0 up', 'addr add 10.1.1.2/32 dev p2p0', 'route add 10.1.1.1 dev p2p0 proto 77');
  k.ip('r1', 'addr add 10.1.1.1/32 dev p2p0', 'route add 10.1.1.2 dev p2p0 proto 77');
  k.nsByName('r1').sysctls.set('net/ipv4/ip_forward', '1');

  k.ip(
    'host',
    'route add 10.77.0.0/16 via 172.18.0.10 proto 77',
    'route add 10.78.0.1 via 10.50.0.9 dev br-nk proto 77 onlink',
    'route add fd77::/64 dev br-nk proto 77',
    'route add 10.88.0.0/16 via 10.50.0.2',
    'route add default via 10.50.0.254',
    'link add vx-nk type vxlan id 4097 local 172.18.0.1 dstport 4789 nolearning dev br-foreign',
    'link set vx-nk alias nk:vxlan:ov master br-nk up',
    'neigh add 172.18.0.99 lladdr 02:42:ac:12:00:63 dev br-nk nud permanent',
    'link add up0 type veth peer name up0p',
    'link set up0 up',
    'link add mv0 link up0 type macvlan mode bridge',
    'link set mv0 alias nk:macvlan:lan',
    'link add mv1 link up0 netns web type macvlan mode private',
  );
  k.bridge('host', 'fdb append 00:00:00:00:00:00 dev vx-nk dst 192.0.2.10', 'fdb add 02:42:ac:12:00:63 dev vx-nk dst 192.0.2.10');
  k.ip('web', 'link set mv1 alias nk:macvlan:lan2');
  k.state.host.sysctls.set('net/ipv4/ip_forward', '1');
  for (const f of fixtureJson<EtcNetnsFile[]>('etc_netns.json')) {
    k.fs.mkdir(`/etc/netns/${f.ns}`);
    k.fs.writeFile(f.path, f.content);
  }
  return k;
}
