# the client reaches the outside through four routers, masqueraded at the edge,
# and traceroute shows each hop
set -e
ip netns exec client ping -c1 -W2 100.64.0.2 >/dev/null
hops=$(ip netns exec client traceroute -n -q1 -w1 -m8 100.64.0.2 | awk 'NR>1 {print $2}' | tr '\n' ' ')
[ "$hops" = "10.0.0.2 10.0.12.2 10.0.23.3 10.0.34.4 100.64.0.2 " ] || { echo "hops: $hops" >&2; exit 1; }
ip netns exec r4 iptables -t nat -S NK-POSTROUTING | grep -q -- '-o isp0 -j MASQUERADE'
