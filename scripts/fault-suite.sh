#!/usr/bin/env bash
# The fault suite: real `rsolv serve` / `rsolv worker` processes on loopback ports, a throwaway PostgreSQL cluster
# (scripts/pg-test-cluster.sh, restarted fast and immediate under load), aiosmtpd servers that go down, turn slow or
# hang, a full tmpfs under SQLite, kill -9 and SIGTERM; each scenario's oracle is computed afterwards from the
# database and the SMTP mailbox (tests/fault/fault_suite.py). It builds nothing: it runs build/rsolv.
#
#   scripts/fault-suite.sh            the long form (every scenario, full durations), about 10 minutes; run it alone
#   scripts/fault-suite.sh --short    the CI form (scripts/test.sh runs it after ctest), about 4 minutes
#   scripts/fault-suite.sh --only NAME[,NAME...]   just these scenarios (with --short for the short durations)
#   scripts/fault-suite.sh --list     the scenario names
#   RSOLV_BIN=path/to/rsolv scripts/fault-suite.sh ...   another binary than build/rsolv
#
# Needs root for the full-disk scenario (mount -t tmpfs); as another user that scenario reports itself blocked.
# Prints a table of figures at the end; exits non-zero when a scenario failed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd -P)"

ALL_SCENARIOS="three-instances,kill-serve,kill-worker,pg-restart,smtp-down,smtp-hang,sqlite-full-disk,smtp-slow,sigterm"
# The short (CI) form runs every scenario with shorter outages and loads.
SHORT_SCENARIOS="three-instances,kill-serve,kill-worker,pg-restart,smtp-down,smtp-hang,sqlite-full-disk,smtp-slow,sigterm"

short=""
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --short) short=1 ;;
    --only) shift; only="${1:?--only needs a scenario name}" ;;
    --only=*) only="${1#--only=}" ;;
    --list) echo "${ALL_SCENARIOS//,/ }"; exit 0 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "fault-suite: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

if [ -n "$only" ]; then
  scenarios="$only"
elif [ -n "$short" ]; then
  scenarios="$SHORT_SCENARIOS"
else
  scenarios="$ALL_SCENARIOS"
fi

RSOLV_BIN="${RSOLV_BIN:-$ROOT/build/rsolv}"
[ -x "$RSOLV_BIN" ] || { echo "fault-suite: $RSOLV_BIN is missing: build first (cmake --build build)" >&2; exit 2; }
export RSOLV_BIN
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null \
  || { echo "fault-suite: /usr/bin/python3 with aiosmtpd is missing: scripts/install-deps.sh --test" >&2; exit 2; }
command -v psql >/dev/null || { echo "fault-suite: psql is missing: scripts/install-deps.sh --test" >&2; exit 2; }

WORK="$(mktemp -d /tmp/rsolv-fault.XXXXXX)"
PG_DIR="$WORK/pg"
cleanup() {
  bash "$ROOT/scripts/pg-test-cluster.sh" stop "$PG_DIR" >/dev/null 2>&1 || true
  # Any tmpfs the full-disk scenario left mounted, then the work directory (logs are kept on failure).
  grep -o "$WORK/[^ ]*" /proc/mounts 2>/dev/null | xargs -r -n1 umount 2>/dev/null || true
  if [ "${keep:-}" = 1 ]; then echo "fault-suite: logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "fault-suite: starting a PostgreSQL cluster for the suite" >&2
PG_URL="$(bash scripts/pg-test-cluster.sh start "$PG_DIR")"

rc=0
/usr/bin/python3 tests/fault/fault_suite.py --pg-dir "$PG_DIR" --pg-url "$PG_URL" --workdir "$WORK/run" \
  --scenarios "$scenarios" ${short:+--short} || rc=$?
[ "$rc" -eq 0 ] || keep=1
exit "$rc"
