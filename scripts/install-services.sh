#!/usr/bin/env bash
# Installs the PostgreSQL server, Redis, Chromium and nginx from Debian packages when they are missing.
# The tests start their own throwaway servers from these binaries; nothing is left running.
set -euo pipefail

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# Headless Chromium for tests/browser (Playwright drives it; it never downloads a browser).
[ -x /usr/bin/chromium ] || need+=(chromium)
# nginx in front of two instances in tests/integration/test_multi_instance.py.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "missing ${need[*]} and not root: install them with apt-get" >&2; exit 1
fi
echo "installing ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian package starts a cluster of its own; the tests do not use it.
$SUDO service postgresql stop >/dev/null 2>&1 || true
$SUDO service redis-server stop >/dev/null 2>&1 || true
$SUDO service nginx stop >/dev/null 2>&1 || true
