set -e
ip netns exec web-sidecar ip -br addr show eth0 | grep -q 10.30.0.10
test "$(ip netns exec offline ip -br link | wc -l)" = 1
