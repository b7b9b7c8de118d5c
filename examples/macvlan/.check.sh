# macvlan bridge mode: the two containers reach each other over the parent; the parent is untouched
set -e
ip netns exec sensor ping -c1 -W2 192.168.9.11 >/dev/null
ip -n sensor -d link show eth0 | grep -q 'macvlan mode bridge'
ip -n sensor route show default | grep -q 'via 192.168.9.1 dev eth0'
! ip link show lan0 | grep -q 'alias'
