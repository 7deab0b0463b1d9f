#!/usr/bin/env bash
# Installs what the build, the service and the test suite need on Debian 12, non-interactively.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates
  libpoco-dev libpqxx-dev libpq-dev libsqlitecpp-dev libsqlite3-dev libkainjow-mustache-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libsodium-dev libpsl-dev libidn2-dev
  libicu-dev libboost-dev
  zlib1g-dev libssl-dev libsystemd-dev
)
if [ "${1:-}" = "--test" ]; then
  packages+=(libgtest-dev libgmock-dev googletest libbenchmark-dev python3 python3-aiosmtpd
             postgresql postgresql-contrib wrk chromium fonts-dejavu-core sqlite3
             nginx openssl curl systemd dpkg-dev)
  # promtool checks /metrics and tests the alert rules; prometheus itself scrapes a real rsolv in a test.
  packages+=(prometheus)
  # The machine image may carry its own Node.js; Debian's npm conflicts with it, so only add Debian's when absent.
  command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-deps: installing ${missing[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ "${1:-}" = "--test" ]; then
  for dir in tests/browser tests/contract; do
    [ -f "$dir/package.json" ] || continue
    (cd "$dir" && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm ci --no-audit --no-fund; })
  done
fi
