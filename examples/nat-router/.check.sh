# the laptop reaches the "internet" side (the host's wan gateway) through the modem,
# masqueraded to the modem's wan address
set -e
ip netns exec laptop ping -c1 -W2 100.64.10.1 >/dev/null
ip netns exec modem iptables -t nat -S NK-POSTROUTING | grep -q -- '-o wan0 -j MASQUERADE'
