#!/usr/bin/env bash
# Slow-connection load against `build/rsolv serve` on PostgreSQL (or SQLite): 10,000 idle connections plus 2,000 that
# send one header byte every 5 s, from loopback, while /healthz and signups are timed and the server's RSS sampled.
# Bounded in count and time. See bench/README.md.
#
#   bench/slow-clients.sh [postgres|sqlite]        (default: postgres)
#
# Environment (all optional):
#   RSOLV_BENCH_DATABASE_URL   a PostgreSQL URL whose user may CREATE DATABASE (default: /tmp/pgurl)
#   RSOLV_BENCH_IDLE           idle connections (default 10000)
#   RSOLV_BENCH_SLOW           connections sending a header byte every RSOLV_BENCH_INTERVAL s (default 2000, 5)
#   RSOLV_BENCH_SECONDS        how long (default 30)
#   RSOLV_BENCH_BIN            the server binary (default build/rsolv); the client is build/slow_clients
#   RSOLV_BENCH_SERVER_ENV     extra "NAME=value ..." for the server (e.g. RSOLV_HTTP_THREADS=1100 for the old engine)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE="${1:-postgres}"
BIN="${RSOLV_BENCH_BIN:-$ROOT/build/rsolv}"
CLIENT="$ROOT/build/slow_clients"
IDLE="${RSOLV_BENCH_IDLE:-10000}"
SLOW="${RSOLV_BENCH_SLOW:-2000}"
INTERVAL="${RSOLV_BENCH_INTERVAL:-5}"
SECS="${RSOLV_BENCH_SECONDS:-30}"
PY=/usr/bin/python3

die() { printf 'slow-clients: %s\n' "$*" >&2; exit 1; }
[ -x "$BIN" ] || die "no $BIN: build it first"
[ -x "$CLIENT" ] || die "no $CLIENT: build it first (cmake --build build --target slow_clients)"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

WORK="$(mktemp -d /tmp/rsolv-slow.XXXXXX)"
SERVER_PID=""
DB=""
ADMIN_URL=""
cleanup() {
  set +e
  [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ -n "$DB" ] && psql "$ADMIN_URL" -qAt -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ "$MODE" = sqlite ]; then
  URL="sqlite:$WORK/rsolv.db"
else
  ADMIN_URL="${RSOLV_BENCH_DATABASE_URL:-$(cat /tmp/pgurl 2>/dev/null || true)}"
  [ -n "$ADMIN_URL" ] || die "set RSOLV_BENCH_DATABASE_URL to a PostgreSQL URL whose user may CREATE DATABASE"
  DB="rsolv_slow_$$"
  psql "$ADMIN_URL" -qAt -c "CREATE DATABASE $DB" >/dev/null || die "cannot create database $DB"
  URL="$("$PY" -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit((p.scheme,p.netloc,"/"+sys.argv[2],p.query,p.fragment)))' "$ADMIN_URL" "$DB")"
fi

PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
ORIGIN="http://127.0.0.1:$PORT"
# shellcheck disable=SC2086
env RSOLV_DATABASE_URL="$URL" RSOLV_LISTEN="127.0.0.1:$PORT" RSOLV_PUBLIC_URL="$ORIGIN" \
    RSOLV_VAR_DIR="$WORK/var" RSOLV_MAIL_URL="file:$WORK/mail" RSOLV_WORKERS=0 \
    RSOLV_SECRET_KEY="slow-clients-bench-secret-key-0123456789abcdef" \
    RSOLV_MAX_CONNECTIONS_PER_IP=0 RSOLV_SIGNUPS_PER_IP_PER_HOUR=1000000 RSOLV_LOG_LEVEL=warn \
    RSOLV_FORM_MIN_FILL_SECONDS=0 RSOLV_SIGNUP_CHALLENGE=off RSOLV_METRICS_LISTEN= \
    ${RSOLV_BENCH_SERVER_ENV:-} "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null "$ORIGIN/healthz" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "rsolv serve exited at start"; }
  sleep 0.2
done
echo "binary: $BIN ($(date -r "$BIN" '+%Y-%m-%d %H:%M:%S')), $MODE, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server threads at start: $(awk '/^Threads:/{print $2}' "/proc/$SERVER_PID/status")"
RSOLV_BENCH_ORIGIN="$ORIGIN" "$CLIENT" --port "$PORT" --pid "$SERVER_PID" --idle "$IDLE" --slow "$SLOW" \
  --seconds "$SECS" --interval "$INTERVAL"
echo "server threads at the end: $(awk '/^Threads:/{print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo gone)"
