#!/usr/bin/env bash
# Runs every test: unit tests, and kernel tests that each build a private
# network + mount namespace sandbox (root needed; the host's network is never touched).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests   # also the servers the tests start in their sandboxes (etcd, dockerd)
npx tsc -p tsconfig.test.json   # the tests are type-checked too
exec npx vitest run "$@"
