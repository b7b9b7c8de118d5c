set -e
ip netns exec app ping -c1 -W2 172.18.0.10 >/dev/null
ip netns exec app ping -c1 -W2 www >/dev/null 2>&1 || grep -q "www" /etc/netns/app/hosts
ip -n app -4 -br addr show eth0 | grep -q 172.18.0.128/24
