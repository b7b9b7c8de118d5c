#!/usr/bin/env bash
# Installs what netkeeper needs on a fresh Debian/Ubuntu machine (run as root):
# the kernel tools through apt when missing, then the npm packages, then the build,
# and puts the `netkeeper` command on the PATH (a global npm link to this checkout).
set -euo pipefail
cd "$(dirname "$0")/.."

# Node.js >= 20.19 (package.json engines): Debian's own nodejs package is older, so it is not installed from apt
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null; then
  echo "setup: netkeeper needs Node.js >= 20.19 (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

need=()
command -v ip >/dev/null        || need+=(iproute2)
command -v bridge >/dev/null    || need+=(iproute2)
command -v iptables-restore >/dev/null || need+=(iptables)
command -v conntrack >/dev/null || need+=(conntrack)
command -v python3 >/dev/null   || need+=(python3)   # test/helpers/netprobe.py (explain's probes)
command -v ping >/dev/null      || need+=(iputils-ping)
command -v traceroute >/dev/null || need+=(traceroute)   # the router tests trace their hops
command -v nsenter >/dev/null   || need+=(util-linux)
command -v modprobe >/dev/null  || need+=(kmod)
command -v sysctl >/dev/null    || need+=(procps)
command -v systemd-analyze >/dev/null || need+=(systemd)   # the tests verify the example units
command -v groff >/dev/null     || need+=(groff-base)      # the tests render the man page
# one process reads every namespace over netlink (src/shell/observe/nl-reader.ts); without it, one ip per namespace
/usr/bin/python3 -c 'import importlib.util as u, sys; sys.exit(u.find_spec("pyroute2") is None)' 2>/dev/null || need+=(python3-pyroute2)
# servers only the tests start (inside their sandboxes, never as services): `setup.sh --tests`
if [ "${1:-}" = "--tests" ]; then
  command -v etcd >/dev/null      || need+=(etcd-server)   # test/kernel/fleet.test.ts runs a 3-member cluster in the sandbox
  command -v etcdctl >/dev/null   || need+=(etcd-client)   # ... and checks it with etcdctl
  command -v openssl >/dev/null   || need+=(openssl)       # test/kernel/fleet-tls.test.ts makes its CA and certificates
  command -v dockerd >/dev/null   || need+=(docker.io)     # import --from docker is tested against a real daemon, in a sandbox
  dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)   # the image of that test: a static busybox (no registry access)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  # packages must not start services on this machine: a policy-rc.d that denies every
  # start, for the time of the install (an existing one is left as it is)
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ -n "$(trap -p EXIT)" ]; then rm -f "$policy"; trap - EXIT; fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build

# `netkeeper` on the PATH: npm links its global prefix's bin/netkeeper (/usr/bin or
# /usr/local/bin, both on systemd's and the cron example's PATH) to this checkout's
# dist/cli.js, and its man page (man netkeeper). Done again only when it points elsewhere.
here=$(pwd -P)
if [ "$(readlink -f "$(command -v netkeeper 2>/dev/null || echo none)")" != "$here/dist/cli.js" ]; then
  npm install -g --no-audit --no-fund --loglevel=error "$here" >/dev/null
fi
