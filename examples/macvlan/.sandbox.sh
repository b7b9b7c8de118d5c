# the LAN the macvlan parent is plugged into (made for the example run)
ip link add lan0 type veth peer name lan0-peer && ip link set lan0 up && ip link set lan0-peer up
