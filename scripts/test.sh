#!/usr/bin/env bash
# The project's one test command: installs what is missing, builds, and runs every test.
#
#   scripts/test.sh
#
# 1. scripts/install-deps.sh --test
# 2. cmake configure + build in build/ (Ninja when available, RelWithDebInfo)
# 3. a throwaway PostgreSQL cluster (scripts/pg-test-cluster.sh), unless RSOLV_TEST_DATABASE_URL is already set;
#    its URL is exported as RSOLV_TEST_DATABASE_URL and each test makes its own database on it
# 4. ctest --test-dir build --output-on-failure -j2   (RSOLV_TEST_JOBS overrides the -j), with RSOLV_CONTRACT_LOG
#    naming a fresh file where the test HTTP client logs every /api/ exchange
# 5. the API contract check: tests/contract/validate.mjs holds that log against data/openapi.json
# 6. tests/package/package-test.sh: the .deb built by cpack, installed with dpkg -i, run behind nginx, purged
# 7. npm test in tests/browser, when it has a package.json (RSOLV_BIN=build/rsolv)
# 8. the fault suite's short form, scripts/fault-suite.sh --short (its own PostgreSQL cluster, real processes);
#    RSOLV_SKIP_FAULT_SUITE=1 leaves it out
# The cluster is stopped on exit, whatever happened. Exits non-zero when anything failed; the last line sums up.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd -P)"

started_at=$(date +%s)
stage="install-deps"
results=()
failed=0
PG_DIR=""

log() { echo "==> test.sh: $*" >&2; }

finish() {
  local rc=$1
  if [ -n "$PG_DIR" ]; then
    bash "$ROOT/scripts/pg-test-cluster.sh" stop "$PG_DIR" || true
  fi
  local took=$(( $(date +%s) - started_at ))
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    results+=("$stage: FAILED (exit $rc)")
  fi
  local summary="" r
  for r in "${results[@]}"; do summary+="${summary:+, }$r"; done
  if [ "$rc" -eq 0 ]; then
    echo "test.sh: PASSED in ${took}s ($summary)"
  else
    echo "test.sh: FAILED in ${took}s ($summary)"
  fi
}
trap 'rc=$?; trap - EXIT; finish "$rc"; exit "$rc"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 1. dependencies
log "installing dependencies"
bash scripts/install-deps.sh --test
results+=("deps: ok")

# 2. build
stage="configure"
cmake_args=(-S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ ! -f build/CMakeCache.txt ] && command -v ninja >/dev/null 2>&1; then
  cmake_args+=(-G Ninja)   # an existing build dir keeps the generator it was made with
fi
# ccache (installed by install-deps.sh) makes a rebuild of an unchanged file free, in any clone on this machine.
if command -v ccache >/dev/null 2>&1; then
  cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=true   # hits across clones (debug info keeps the first path)
fi
log "configuring"
cmake "${cmake_args[@]}"
stage="build"
log "building"
build_started=$(date +%s)
cmake --build build -j"$(nproc)"
results+=("build: ok $(( $(date +%s) - build_started ))s")

# 3. PostgreSQL test cluster
stage="postgres cluster"
if [ -z "${RSOLV_TEST_DATABASE_URL:-}" ]; then
  log "starting a PostgreSQL test cluster"
  PG_DIR="$(mktemp -d /tmp/rsolv-pg.XXXXXX)"
  RSOLV_TEST_DATABASE_URL="$(bash scripts/pg-test-cluster.sh start "$PG_DIR")"
  log "PostgreSQL test cluster at $RSOLV_TEST_DATABASE_URL (log: $PG_DIR/log)"
else
  log "using the PostgreSQL cluster in RSOLV_TEST_DATABASE_URL"
fi
export RSOLV_TEST_DATABASE_URL

# 4. unit and integration tests
stage="ctest"
RSOLV_CONTRACT_LOG="$(mktemp /tmp/rsolv-contract.XXXXXX)"
export RSOLV_CONTRACT_LOG
log "running ctest (API exchanges logged to $RSOLV_CONTRACT_LOG)"
ctest_started=$(date +%s)
if ctest --test-dir build --output-on-failure --no-tests=error -j"${RSOLV_TEST_JOBS:-2}"; then
  results+=("ctest: ok $(( $(date +%s) - ctest_started ))s")
else
  results+=("ctest: FAILED")
  failed=1
fi

# 5. API contract: every exchange the tests logged must match data/openapi.json
stage="contract"
log "checking the API exchanges against data/openapi.json"
if node tests/contract/validate.mjs "$RSOLV_CONTRACT_LOG"; then
  results+=("contract: ok")
  rm -f "$RSOLV_CONTRACT_LOG"
else
  results+=("contract: FAILED (log kept at $RSOLV_CONTRACT_LOG)")
  failed=1
fi

# 6. the Debian package: built, installed with dpkg -i, run, and put behind nginx (tests/package/package-test.sh)
stage="package"
log "building, installing and running the Debian package"
package_started=$(date +%s)
if bash tests/package/package-test.sh build; then
  results+=("package: ok $(( $(date +%s) - package_started ))s")
else
  results+=("package: FAILED")
  failed=1
fi

# 7. browser tests
if [ -f tests/browser/package.json ]; then
  stage="browser tests"
  log "running browser tests"
  browser_started=$(date +%s)
  if (cd tests/browser && RSOLV_BIN="$ROOT/build/rsolv" npm test); then
    results+=("browser: ok $(( $(date +%s) - browser_started ))s")
  else
    results+=("browser: FAILED")
    failed=1
  fi
fi

# 8. fault suite (short form): real processes, PostgreSQL restarts, SMTP outages, a full disk
if [ "${RSOLV_SKIP_FAULT_SUITE:-}" != 1 ]; then
  stage="fault suite"
  log "running the fault suite (short form)"
  fault_started=$(date +%s)
  if bash scripts/fault-suite.sh --short; then
    results+=("fault suite: ok $(( $(date +%s) - fault_started ))s")
  else
    results+=("fault suite: FAILED")
    failed=1
  fi
else
  results+=("fault suite: skipped")
fi

[ "$failed" -eq 0 ] || exit 1
