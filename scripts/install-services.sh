#!/usr/bin/env bash
# `make deps` (and .ci/run): installs, from Debian packages, the servers that the optional
# test legs and the benchmark use, when they are missing:
#   postgresql    the PostgreSQL leg of tests/api and tests/security, check-migrations
#   redis-server  shared rate limits (tests/security, tests/integration)
#   nginx-light   two instances behind nginx (tests/integration/test_multi_instance.py)
#   pgbouncer     the app behind PgBouncer in transaction mode (tests/integration/test_pgbouncer.py)
#   chromium      the docs UI in a headless browser (tests/browser)
#   wrk           the HTTP benchmark (make bench)
# It says what it will install before it does. The tests start their own throwaway servers
# from these binaries on free ports; this script never stops or starts a service, and keeps
# a freshly installed package from starting one (policy-rc.d), so nothing already running
# on the machine is touched. `make test` never calls it: without these binaries their
# legs are skipped locally (and fail under CI=true).
set -euo pipefail

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
if [ ${#need[@]} -eq 0 ]; then
  echo "deps: postgresql, redis-server, nginx, pgbouncer, chromium and wrk are installed; nothing to do"
  exit 0
fi

echo "deps: will install with apt-get: ${need[*]}"
echo "deps: (no service is stopped or started; the tests run their own servers)"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "deps: not root and no sudo: run  apt-get install ${need[*]}  as root" >&2
  exit 1
fi

# Debian's invoke-rc.d asks /usr/sbin/policy-rc.d whether a package may start its service;
# exit status 101 says no. Only a policy this script created is removed again.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n# make deps: do not start services while installing (removed afterwards)\nexit 101\n' \
    | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  trap '$SUDO rm -f "$POLICY"' EXIT
fi

$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "deps: installed ${need[*]}"
