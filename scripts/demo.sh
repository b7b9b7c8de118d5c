#!/usr/bin/env bash
# Sets netkeeper up and runs it on the bundled networks.d inside a throwaway
# network + mount namespace, so nothing on this machine changes. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
dir="${1:-networks.d}"
exec unshare --net --mount --propagation private -- bash -euo pipefail -c '
  mkdir -p /run/netns /etc/netns /run/netkeeper
  mount -t tmpfs netkeeper-demo /run/netns
  mount -t tmpfs netkeeper-demo /etc/netns
  mount -t tmpfs netkeeper-demo /run/netkeeper   # its lock and journal stay in the throwaway namespace too
  ip link set lo up
  nk() { node dist/cli.js "$@"; }
  echo "== netkeeper plan --dir '"$dir"'"; nk plan --dir "'"$dir"'" --log-level warn || true
  echo; echo "== netkeeper reconcile --once"; nk reconcile --once --dir "'"$dir"'" --log-level warn
  echo; echo "== netkeeper status"; nk status --log-level warn
  echo; echo "== a second plan (nothing to do)"; nk plan --dir "'"$dir"'" --log-level warn
  echo; echo "== inside the namespaces"
  for ns in $(ip netns list | cut -d" " -f1 | sort); do
    printf "%-8s %s\n" "$ns" "$(ip -n "$ns" -br -4 addr show scope global | tr -s " " | tr "\n" " ")"
  done
  if ip netns list | grep -q "^web\b" && ip netns list | grep -q "^api\b"; then
    echo; echo "== ping web (172.18.0.10) from api"; ip netns exec api ping -c1 -W1 172.18.0.10 | sed -n 1,2p  # sed reads to the end: head would leave ping a SIGPIPE (exit 141 under pipefail)
  fi
  echo; echo "(the namespace this ran in is gone now; nothing on the host changed)"
'
