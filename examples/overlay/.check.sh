# run as node-a only: web is built here, api and db are programmed as remote members
set -e
test "$(ip netns list | cut -d' ' -f1)" = web
ip netns exec web ping -c1 -W2 10.50.0.1 >/dev/null                      # the anycast gateway, answered here
ip -d link show vx-ov | grep -q 'vxlan id 4097 local 192.168.50.1 .*dstport 4789 nolearning proxy'
ip -d link show vx-ov | grep -q 'learning off'                          # the bridge port does not learn
bridge fdb show dev vx-ov | grep -q '02:42:0a:32:00:14 dst 192.168.50.2 self permanent'   # api on node-b
bridge fdb show dev vx-ov | grep -q '02:42:0a:32:00:14 master br-ov static'
bridge fdb show dev vx-ov | grep -q '00:00:00:00:00:00 dst 192.168.50.3 self permanent'   # flood to node-c
ip neigh show dev vx-ov | grep -q '10.50.0.30 lladdr 02:42:0a:32:00:1e PERMANENT'        # db on node-c
test "$(ip -n web -j link show eth0 | grep -o '"mtu":[0-9]*')" = '"mtu":1450'
