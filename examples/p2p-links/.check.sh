set -e
ip netns exec r1 ping -c1 -W2 10.0.12.2 >/dev/null
ip netns exec r1 ping -c1 -W2 10.255.0.2 >/dev/null   # r2's loopback, by the extra route
ip netns exec r3 ping -c1 -W2 10.0.23.2 >/dev/null
ping -c1 -W2 10.0.1.2 >/dev/null                      # host ↔ r1
ip -n r1 -o link show p12 | grep -q 'mtu 9000'
