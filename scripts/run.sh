#!/usr/bin/env bash
# Installs what is missing, builds, and starts the service on its embedded defaults:
# SQLite in var/rsolv.db, mail written as .eml files under var/mail/, listening on http://localhost:4000/.
# Any RSOLV_* variable set in the environment is passed through (see README "Configuration").
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake_args=(-S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ ! -f build/CMakeCache.txt ] && command -v ninja >/dev/null 2>&1; then
  cmake_args+=(-G Ninja)
fi
if command -v ccache >/dev/null 2>&1; then
  cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$(pwd -P)" CCACHE_NOHASHDIR=true
fi
cmake "${cmake_args[@]}" >/dev/null
cmake --build build -j"$(nproc)" --target rsolv
mkdir -p var
exec build/rsolv serve
