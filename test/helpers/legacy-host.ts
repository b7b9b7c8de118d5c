// A host built the way Docker and the usual manual recipes build it, by hand with
// ip and iptables inside a sandbox machine (never on the machine's own network):
// - `docker0` 172.17.0.1/16 with veths (host ends veth-<ns>) into c1, c2, c3
//   (172.17.0.2-4, Docker's 02:42:ac:11:00:0N MACs, default route via .1), Docker's
//   MASQUERADE, its DOCKER chain in nat with one published port 8080 → c1:80, and its
//   FORWARD accepts;
// - a user bridge `bridge0` 192.168.5.1/24 (Docker's "build your own bridge") with a
//   fixed-address container `app` 192.168.5.10, a hand-written PREROUTING + OUTPUT
//   DNAT 9090 → app:80, a MASQUERADE, and icc off (-i bridge0 -o bridge0 -j DROP);
// - a namespace↔namespace veth between `left` and `right` with /32 addresses
//   10.1.1.1 and 10.1.1.2 and a host route to the other end on each side.
// LEGACY describes it, for assertions. Import and adopt tests share it.

import type { Machine } from './sandbox.js';

export const LEGACY = {
  docker0: { bridge: 'docker0', subnet: '172.17.0.0/16', gateway: '172.17.0.1', members: { c1: '172.17.0.2', c2: '172.17.0.3', c3: '172.17.0.4' } },
  bridge0: { bridge: 'bridge0', subnet: '192.168.5.0/24', gateway: '192.168.5.1', members: { app: '192.168.5.10' } },
  /** published ports: host port → container address and port */
  ports: [
    { hostPort: 8080, container: 'c1', ip: '172.17.0.2', port: 80 },
    { hostPort: 9090, container: 'app', ip: '192.168.5.10', port: 80 },
  ],
  cable: { a: { ns: 'left', ifname: 'p2p0', ip: '10.1.1.1' }, b: { ns: 'right', ifname: 'p2p0', ip: '10.1.1.2' } },
  namespaces: ['app', 'c1', 'c2', 'c3', 'left', 'right'],
} as const;

const mac = (ip: string) =>
  '02:42:' +
  ip
    .split('.')
    .map((b) => Number(b).toString(16).padStart(2, '0'))
    .join(':');

function member(bridge: string, ns: string, ip: string, prefix: number, gw: string): string {
  return [
    `ip netns add ${ns}`,
    `ip -n ${ns} link set lo up`,
    `ip link add veth-${ns} type veth peer name eth0 netns ${ns}`,
    `ip link set veth-${ns} master ${bridge} up`,
    `ip -n ${ns} link set eth0 address ${mac(ip)}`,
    `ip -n ${ns} addr add ${ip}/${prefix} dev eth0`,
    `ip -n ${ns} link set eth0 up`,
    `ip -n ${ns} route add default via ${gw}`,
  ].join('\n');
}

/** The shell script that builds it (exported so a test can show it). */
export function legacyHostScript(): string {
  const d = LEGACY.docker0;
  const b = LEGACY.bridge0;
  const { a, b: z } = LEGACY.cable;
  return [
    'set -e',
    'sysctl -qw net.ipv4.ip_forward=1',
    // docker0, as dockerd makes it
    `ip link add ${d.bridge} type bridge`,
    `ip addr add ${d.gateway}/16 dev ${d.bridge}`,
    `ip link set ${d.bridge} up`,
    ...Object.entries(d.members).map(([ns, ip]) => member(d.bridge, ns, ip, 16, d.gateway)),
    `iptables -t nat -N DOCKER`,
    `iptables -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER`,
    `iptables -t nat -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER`,
    `iptables -t nat -A POSTROUTING -s ${d.subnet} ! -o ${d.bridge} -j MASQUERADE`,
    `iptables -t nat -A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE`,
    `iptables -t nat -A DOCKER -i ${d.bridge} -j RETURN`,
    `iptables -t nat -A DOCKER ! -i ${d.bridge} -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80`,
    `iptables -A FORWARD -o ${d.bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
    `iptables -A FORWARD -i ${d.bridge} ! -o ${d.bridge} -j ACCEPT`,
    `iptables -A FORWARD -i ${d.bridge} -o ${d.bridge} -j ACCEPT`,
    // bridge0, Docker's "build your own bridge" recipe, with a hand-published port
    `ip link add ${b.bridge} type bridge`,
    `ip addr add ${b.gateway}/24 dev ${b.bridge}`,
    `ip link set ${b.bridge} up`,
    member(b.bridge, 'app', b.members.app, 24, b.gateway),
    `iptables -t nat -A POSTROUTING -s ${b.subnet} ! -o ${b.bridge} -j MASQUERADE`,
    `iptables -t nat -A PREROUTING -p tcp -m tcp --dport 9090 -j DNAT --to-destination ${b.members.app}:80`,
    `iptables -t nat -A OUTPUT -p tcp -m tcp --dport 9090 -j DNAT --to-destination ${b.members.app}:80`,
    `iptables -I FORWARD -i ${b.bridge} -o ${b.bridge} -j DROP`,
    // a point-to-point cable between two namespaces, /32 at each end
    `ip netns add ${a.ns}`,
    `ip netns add ${z.ns}`,
    `ip -n ${a.ns} link set lo up`,
    `ip -n ${z.ns} link set lo up`,
    `ip -n ${a.ns} link add ${a.ifname} type veth peer name ${z.ifname} netns ${z.ns}`,
    `ip -n ${a.ns} addr add ${a.ip}/32 dev ${a.ifname}`,
    `ip -n ${z.ns} addr add ${z.ip}/32 dev ${z.ifname}`,
    `ip -n ${a.ns} link set ${a.ifname} up`,
    `ip -n ${z.ns} link set ${z.ifname} up`,
    `ip -n ${a.ns} route add ${z.ip}/32 dev ${a.ifname}`,
    `ip -n ${z.ns} route add ${a.ip}/32 dev ${z.ifname}`,
  ].join('\n');
}

/** Build it in machine `m` (a sandbox); throws with the script's stderr on failure. */
export async function buildLegacyHost(m: Machine): Promise<void> {
  const r = await m.sh(legacyHostScript());
  if (r.exitCode !== 0) throw new Error(`legacy host: ${r.stderr}`);
  // a bridge's operstate moves from UNKNOWN to UP once a port forwards: wait, so that
  // "nothing changed" snapshots taken later do not see it settle
  for (let i = 0; i < 300; i++) {
    const st = await m.sh(`cat /sys/class/net/${LEGACY.docker0.bridge}/operstate /sys/class/net/${LEGACY.bridge0.bridge}/operstate`);
    if (st.stdout.split('\n').filter((l) => l.trim() === 'up').length === 2) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('legacy host: the bridges did not come up within 30 s');
}
