set -e
ip -br addr show nk0 | grep -q 172.17.0.1/16
ip netns exec one ping -c1 -W2 "$(ip -n two -4 -br addr show eth0 | awk '{print $3}' | cut -d/ -f1)" >/dev/null
