#!/usr/bin/env bash
# Builds the Debian package: scripts/package.sh  ->  build/package/rsolv_<version>_<arch>.deb
# Installs the build dependencies when missing, builds the release binary in build/, then runs cpack (DEB generator).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake_args=(-S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ ! -f build/CMakeCache.txt ] && command -v ninja >/dev/null 2>&1; then
  cmake_args+=(-G Ninja)
fi
cmake "${cmake_args[@]}" >/dev/null
cmake --build build -j"$(nproc)" --target rsolv
cpack --config build/CPackConfig.cmake -B build/package
ls -l build/package/*.deb
