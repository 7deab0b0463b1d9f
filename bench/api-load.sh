#!/usr/bin/env bash
# Customer API load test with wrk against `build/rsolv serve`: GET /healthz as the baseline, authenticated
# GET /api/v1/account (one key, then many keys) and POST /api/v1/fix-attempts, then a check that the database holds
# exactly the fix attempts and trial fixes the 201s promised. See bench/README.md.
#
#   bench/api-load.sh [postgres|sqlite|both]        (default: postgres)
#
# Environment (all optional):
#   RSOLV_BENCH_DATABASE_URL   a PostgreSQL URL whose user may CREATE DATABASE (default: /tmp/pgurl if it works, else
#                              a throwaway cluster started with scripts/pg-test-cluster.sh and stopped at the end)
#   RSOLV_BENCH_PHASES         which runs, in order (default "healthz account-1 account-N account-N-paced fix-N fix-1")
#   RSOLV_BENCH_PACED_RATE     the offered load of account-N-paced, requests/s over all connections (default 2000):
#                              the latency of a service that is not saturated (a saturated closed loop's latency is
#                              connections / throughput, whatever the service does)
#   RSOLV_BENCH_CONNECTIONS    wrk connections (default 64)
#   RSOLV_BENCH_KEYS           keys of the "-N" runs (default 64, one per connection); every run has its own keys
#   RSOLV_BENCH_SECONDS        how long each run sends (default 10)
#   RSOLV_BENCH_DRAIN_SECONDS  longest wait for the answers in flight after that (default 20)
#   RSOLV_BENCH_WRK_THREADS    wrk threads (default 2)
#   RSOLV_BENCH_POOL_SIZE      RSOLV_DB_POOL_SIZE (default 16)
#   RSOLV_BENCH_HTTP_THREADS   RSOLV_HTTP_THREADS, the handler threads (default 32, the service's own)
#   RSOLV_BENCH_REQUESTS_PER_MINUTE  RSOLV_API_REQUESTS_PER_MINUTE (default 1000000, the most it accepts)
#   RSOLV_BENCH_PERF=1         profile rsolv and its postgres backends with `perf record` during each authenticated run
#                              and print the top symbols (needs linux-perf and the right to use it)
#   RSOLV_BENCH_BIN            the binary (default build/rsolv)
#   RSOLV_BENCH_KEEP=1         keep the work directory (logs, wrk output, keys) and the PostgreSQL databases
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE="${1:-postgres}"
case "$MODE" in
  sqlite) BACKENDS=(sqlite) ;;
  postgres|postgresql|pg) BACKENDS=(postgres) ;;
  both) BACKENDS=(postgres sqlite) ;;
  -h|--help) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [postgres|sqlite|both]" >&2; exit 2 ;;
esac

BIN="${RSOLV_BENCH_BIN:-$ROOT/build/rsolv}"
LUA_ACCOUNT="$ROOT/bench/api_account.lua"
LUA_FIX="$ROOT/bench/api_fix_attempts.lua"
read -r -a PHASES <<<"${RSOLV_BENCH_PHASES:-healthz account-1 account-N account-N-paced fix-N fix-1}"
PACED_RATE="${RSOLV_BENCH_PACED_RATE:-2000}"
CONNS="${RSOLV_BENCH_CONNECTIONS:-64}"
NKEYS="${RSOLV_BENCH_KEYS:-64}"
SECONDS_PER_RUN="${RSOLV_BENCH_SECONDS:-10}"
DRAIN="${RSOLV_BENCH_DRAIN_SECONDS:-20}"
WRK_THREADS="${RSOLV_BENCH_WRK_THREADS:-2}"
POOL="${RSOLV_BENCH_POOL_SIZE:-16}"
HTTP_THREADS="${RSOLV_BENCH_HTTP_THREADS:-32}"
RPM="${RSOLV_BENCH_REQUESTS_PER_MINUTE:-1000000}"
PERF="${RSOLV_BENCH_PERF:-0}"
KEEP="${RSOLV_BENCH_KEEP:-0}"
FIX_BODY='{"repository":"octo/app","reference":"main"}'
PY=/usr/bin/python3
[ -x "$PY" ] || PY="$(command -v python3 || true)"

say() { printf '%s\n' "$*"; }
die() { printf 'api-load: %s\n' "$*" >&2; exit 1; }

command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
command -v curl >/dev/null || die "curl is not installed"
command -v bc >/dev/null || die "bc is needed (apt-get install bc)"
[ -n "$PY" ] || die "python3 is needed (free ports, URL handling, the SQLite check)"
[ -x "$BIN" ] || die "no $BIN: build it first (cmake -S . -B build && cmake --build build --target rsolv)"
[ -f "$LUA_ACCOUNT" ] && [ -f "$LUA_FIX" ] || die "no $LUA_ACCOUNT or $LUA_FIX"
if [ "$PERF" = 1 ] && ! command -v perf >/dev/null; then say "RSOLV_BENCH_PERF=1 but no perf: not profiling"; PERF=0; fi
for p in "${PHASES[@]}"; do
  case "$p" in healthz|account-1|account-N|account-N-paced|fix-1|fix-N) ;; *) die "unknown phase \"$p\" in RSOLV_BENCH_PHASES" ;; esac
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true

WORK="$(mktemp -d /tmp/rsolv-api-bench.XXXXXX)"
CLK_TCK="$(getconf CLK_TCK)"
SERVER_PID=""
WRK_PID=""
PERF_PID=""
PG_STARTED_DIR=""
PG_DBS=()
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
ALL_OK=1
cp "$BIN" "$WORK/rsolv" || die "cannot copy $BIN"
say "binary: $BIN ($(date -r "$BIN" '+%Y-%m-%d %H:%M:%S'), copied to the work directory so a rebuild can't change it)"
BIN="$WORK/rsolv"

cleanup() {
  set +e
  [ -n "$WRK_PID" ] && kill "$WRK_PID" 2>/dev/null
  [ -n "$PERF_PID" ] && kill -INT "$PERF_PID" 2>/dev/null
  stop_server
  if [ "$KEEP" != 1 ] && [ -n "${PG_ADMIN_URL:-}" ]; then
    for db in "${PG_DBS[@]}"; do psql "$PG_ADMIN_URL" -qAt -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; done
  fi
  if [ -n "$PG_STARTED_DIR" ]; then bash "$ROOT/scripts/pg-test-cluster.sh" stop "$PG_STARTED_DIR" >/dev/null 2>&1; fi
  if [ "$KEEP" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
url_with_db() {  # url_with_db URL DB: the same server and credentials, another database
  "$PY" - "$1" "$2" <<'EOF'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(u.urlunsplit((p.scheme, p.netloc, "/" + sys.argv[2], p.query, p.fragment)))
EOF
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
machine_busy() { awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t-$5-$6, t}' /proc/stat; }
pg_backend_pids() { pgrep -f "^postgres: [^ ]+ $1 " 2>/dev/null || true; }
pg_backend_ticks() {
  local sum=0 pid
  for pid in $(pg_backend_pids "$1"); do sum=$((sum + $(cpu_ticks "$pid"))); done
  echo "$sum"
}
f2() { printf '%.2f' "$1"; }

# ------------------------------------------------------------------------------------------------ the service
server_env() {  # server_env [exec] CMD...: CMD in the environment of serve and provision (same database, settings)
  local run=env
  if [ "$1" = exec ]; then shift; run="exec env"; fi  # exec: the background job's pid is the command's own
  $run RSOLV_DATABASE_URL="$DB_URL" \
      RSOLV_LISTEN="127.0.0.1:$PORT" \
      RSOLV_PUBLIC_URL="$ORIGIN" \
      RSOLV_HTTP_THREADS="$HTTP_THREADS" \
      RSOLV_MAX_CONNECTIONS_PER_IP=0 \
      RSOLV_DB_POOL_SIZE="$POOL" \
      RSOLV_API_REQUESTS_PER_MINUTE="$RPM" \
      RSOLV_TRIAL_FIXES=1000000 \
      RSOLV_UNVERIFIED_FIX_LIMIT=1000000 \
      RSOLV_SIGNUPS_PER_IP_PER_HOUR=1000000 \
      RSOLV_SIGNUPS_PER_EMAIL_PER_DAY=1000000 \
      RSOLV_WORKERS=0 \
      RSOLV_VAR_DIR="$WORK/var" \
      RSOLV_MAIL_URL="file:$WORK/mail" \
      RSOLV_SECRET_KEY="$SECRET_KEY" \
      RSOLV_LOG_LEVEL=warn \
      "$@"
}

start_server() {  # start_server LOG
  mkdir -p "$WORK/var" "$WORK/mail"
  server_env exec "$BIN" serve >"$1" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    if curl -fsS -o /dev/null "$ORIGIN/healthz" 2>/dev/null; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$1" >&2; SERVER_PID=""; die "rsolv serve exited at start (log above)"; }
    sleep 0.2
  done
  tail -n 20 "$1" >&2
  die "rsolv serve did not answer /healthz within 60 s"
}

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then echo "  (rsolv did not stop within 20 s of SIGTERM: killed)"; kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# provision_keys SET COUNT: COUNT customers bench-SET-<i>@example.com via `rsolv provision`, their keys in keys-SET.txt
provision_keys() {
  local set="$1" count="$2" file="$WORK/keys-$1.txt" got
  : >"$file"
  export -f server_env
  export DB_URL PORT ORIGIN HTTP_THREADS POOL RPM WORK SECRET_KEY BIN
  seq 1 "$count" | xargs -P 4 -I{} bash -c \
    'server_env "$BIN" provision --email "bench-'"$set"'-{}@example.com" --name "Bench {}" 2>>"$WORK/provision.err" \
       | sed -n "s/^api key (shown once): //p" >>"'"$file"'"'
  got="$(grep -c '^rsolv_' "$file" || true)"
  [ "$got" = "$count" ] || { tail -n 5 "$WORK/provision.err" >&2; die "provisioned $got of $count keys for $set"; }
}

# ------------------------------------------------------------------------------------------------ SQL
sql() {  # sql STATEMENT: one row, columns separated by spaces
  if [ "$BACKEND" = postgres ]; then
    psql "$DB_URL" -qAt -F ' ' -c "$1"
  else
    "$PY" - "$DB_PATH" "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True, timeout=30)
for row in db.execute(sys.argv[2]).fetchall():
    print(" ".join("" if v is None else str(v) for v in row))
EOF
  fi
}
# Entries in the per-key sliding windows of a run's keys: "keys max avg max_bytes"
window_stats() {
  sql "SELECT count(*), COALESCE(max(n), 0), COALESCE(round(avg(n)), 0), COALESCE(max(b), 0) FROM (
         SELECT length(w.hits) - length(replace(w.hits, ',', '')) + 1 AS n, length(w.hits) AS b
         FROM api_request_windows w JOIN api_keys k ON k.id = w.api_key_id JOIN customers c ON c.id = k.customer_id
         WHERE c.email LIKE 'bench-$1-%') AS t"
}

# ------------------------------------------------------------------------------------------------ profiling
perf_start() {  # perf_start OUT: samples rsolv and this database's postgres backends for most of the run
  [ "$PERF" = 1 ] || return 0
  # One second in, so the pool has opened its connections: perf -p follows only the processes named at its start.
  (
    sleep 1
    pids="$SERVER_PID"
    if [ "$BACKEND" = postgres ]; then for p in $(pg_backend_pids "$PG_DB"); do pids="$pids,$p"; done; fi
    exec perf record -F 999 -p "$pids" -o "$1" -- sleep "$((SECONDS_PER_RUN > 4 ? SECONDS_PER_RUN - 2 : 2))"
  ) >"$1.log" 2>&1 &
  PERF_PID=$!
}
perf_report() {  # perf_report OUT
  [ "$PERF" = 1 ] && [ -n "$PERF_PID" ] || return 0
  wait "$PERF_PID" 2>/dev/null || true
  PERF_PID=""
  [ -s "$1" ] || { say "  perf: no samples ($(tail -n 1 "$1.log" 2>/dev/null))"; return 0; }
  say "  perf ($([ "$BACKEND" = postgres ] && echo "rsolv + postgres backends of this database" || echo rsolv)), by process and library:"
  perf report -i "$1" --stdio --no-children --sort comm,dso --percent-limit 3 2>/dev/null \
    | grep -E '^ +[0-9]' | head -n 12 | sed 's/^/    /'
  say "  perf, top symbols:"
  perf report -i "$1" --stdio --no-children --sort comm,sym --percent-limit 1.5 2>/dev/null \
    | grep -E '^ +[0-9]' | head -n 25 | cut -c1-150 | sed 's/^/    /'
}

# ------------------------------------------------------------------------------------------------ one run
FIX_TOTAL=0
run_phase() {  # run_phase PHASE
  local phase="$1" path lua success keysfile="" nk=0 set dir rate_limit=0
  case "$phase" in
    healthz) path=/healthz; lua="$LUA_ACCOUNT"; success=200 ;;
    account-1) path=/api/v1/account; lua="$LUA_ACCOUNT"; success=200; nk=1 ;;
    account-N) path=/api/v1/account; lua="$LUA_ACCOUNT"; success=200; nk="$NKEYS" ;;
    account-N-paced) path=/api/v1/account; lua="$LUA_ACCOUNT"; success=200; nk="$NKEYS"; rate_limit="$PACED_RATE" ;;
    fix-1) path=/api/v1/fix-attempts; lua="$LUA_FIX"; success=201; nk=1 ;;
    fix-N) path=/api/v1/fix-attempts; lua="$LUA_FIX"; success=201; nk="$NKEYS" ;;
  esac
  set="$(echo "$phase" | tr -d -)$RANDOM"
  dir="$WORK/$BACKEND-$phase"
  mkdir -p "$dir/done"
  if [ "$nk" -gt 0 ]; then
    provision_keys "$set" "$nk"
    keysfile="$WORK/keys-$set.txt"
  fi

  say ""
  say "--- $BACKEND: $phase: $(
    [ "$nk" -gt 0 ] && echo "$( [ "$lua" = "$LUA_FIX" ] && echo POST || echo GET) $path, $nk key(s)" || echo "GET $path, no key"
  ), wrk -t$WRK_THREADS -c$CONNS, ${SECONDS_PER_RUN}s$([ "$rate_limit" -gt 0 ] && echo ", offered $rate_limit requests/s")"

  local server_t0 pg_t0=0 busy0 total0 busy1 total1 server_t1 pg_t1=0 wrk_ticks=0 t started ended drained=""
  server_t0="$(cpu_ticks "$SERVER_PID")"
  [ "$BACKEND" = postgres ] && pg_t0="$(pg_backend_ticks "$PG_DB")"
  read -r busy0 total0 < <(machine_busy)
  started="$(date +%s.%N)"
  [ "$phase" != healthz ] && perf_start "$dir/perf.data"

  RSOLV_BENCH_KEYS_FILE="$keysfile" RSOLV_BENCH_WRK_THREADS="$WRK_THREADS" RSOLV_BENCH_SECONDS="$SECONDS_PER_RUN" \
  RSOLV_BENCH_SUCCESS="$success" RSOLV_BENCH_DONE_DIR="$dir/done" RSOLV_BENCH_RESULT="$dir/result" \
  RSOLV_BENCH_LABEL="$BACKEND $phase" RSOLV_BENCH_FIX_BODY="$FIX_BODY" \
  RSOLV_BENCH_RATE="$rate_limit" RSOLV_BENCH_CONNECTIONS="$CONNS" \
    wrk -t"$WRK_THREADS" -c"$CONNS" -d"$((SECONDS_PER_RUN + DRAIN))s" --timeout 30s -s "$lua" "$ORIGIN$path" \
    >"$dir/wrk.out" 2>&1 &
  WRK_PID=$!
  while kill -0 "$WRK_PID" 2>/dev/null; do
    t="$(cpu_ticks "$WRK_PID")"; [ "$t" -gt 0 ] && wrk_ticks="$t"
    if [ -z "$drained" ] && [ "$(find "$dir/done" -name 'drained.*' | wc -l)" -ge "$WRK_THREADS" ]; then
      drained=1
      kill -INT "$WRK_PID" 2>/dev/null || true
    fi
    sleep 0.1
  done
  wait "$WRK_PID" || true
  WRK_PID=""
  ended="$(date +%s.%N)"
  server_t1="$(cpu_ticks "$SERVER_PID")"
  [ "$BACKEND" = postgres ] && pg_t1="$(pg_backend_ticks "$PG_DB")"
  read -r busy1 total1 < <(machine_busy)

  sed -n "/^---- $BACKEND $phase/,/^-----------/p" "$dir/wrk.out" | sed 's/^/  /'
  if [ ! -s "$dir/result" ]; then sed 's/^/  wrk: /' "$dir/wrk.out" | tail -n 20; die "wrk produced no result (output above)"; fi
  [ -n "$drained" ] || say "  note: not every wrk thread drained within ${DRAIN}s: requests still in flight were dropped"

  local issued answered ok socket_errors window_s rate ok_rate p50_ms p90_ms p99_ms max_ms mean_ms statuses per_second
  while IFS='=' read -r k v; do printf -v "$k" '%s' "$v"; done <"$dir/result"

  # CPU: rsolv, this database's postgres backends, wrk, and the rest of the machine (other people's load).
  local wall cpu_server cpu_pg cpu_wrk cpu_machine cpu_other ms_server="-" ms_pg="-"
  wall="$(echo "$ended - $started" | bc -l)"
  cpu_server="$(echo "($server_t1 - $server_t0) / $CLK_TCK / $wall * 100" | bc -l)"
  cpu_pg="$(echo "($pg_t1 - $pg_t0) / $CLK_TCK / $wall * 100" | bc -l)"
  cpu_wrk="$(echo "$wrk_ticks / $CLK_TCK / $wall * 100" | bc -l)"
  cpu_machine="$(echo "($busy1 - $busy0) / ($total1 - $total0) * 100 * $(nproc)" | bc -l)"
  cpu_other="$(echo "$cpu_machine - $cpu_server - $cpu_pg - $cpu_wrk" | bc -l)"
  if [ "$answered" -gt 0 ]; then
    ms_server="$(f2 "$(echo "($server_t1 - $server_t0) * 1000 / $CLK_TCK / $answered" | bc -l)")"
    [ "$BACKEND" = postgres ] && ms_pg="$(f2 "$(echo "($pg_t1 - $pg_t0) * 1000 / $CLK_TCK / $answered" | bc -l)")"
  fi
  say "  CPU (${wall%.*} s wall, $(nproc) cores = $(($(nproc) * 100))%): rsolv $(printf '%.0f' "$cpu_server")%$(
      [ "$BACKEND" = postgres ] && printf ', postgres backends %.0f%%' "$cpu_pg"), wrk $(printf '%.0f' "$cpu_wrk")%," \
      "other processes $(printf '%.0f' "$cpu_other")%"
  say "  CPU per request: rsolv $ms_server ms$([ "$BACKEND" = postgres ] && echo ", postgres backends $ms_pg ms")"
  [ "$(printf '%.0f' "$cpu_other")" -gt 30 ] && say "  WARNING: other processes used $(printf '%.0f' "$cpu_other")% CPU during this run: the figures are low"

  local wkeys="" wmax="-" wavg wbytes
  if [ "$nk" -gt 0 ]; then
    read -r wkeys wmax wavg wbytes <<<"$(window_stats "$set")"
    say "  api_request_windows of these keys: $wkeys rows, entries per row max $wmax avg $wavg, largest row $wbytes bytes"
  fi
  perf_report "$dir/perf.data"

  local check="-"
  if [ "${phase%%-*}" = fix ]; then
    FIX_TOTAL=$((FIX_TOTAL + ok))
    local attempts used_sum all_attempts all_used
    read -r attempts used_sum <<<"$(sql "SELECT (SELECT count(*) FROM fix_attempts f JOIN customers c ON c.id = f.customer_id
        WHERE c.email LIKE 'bench-$set-%'), (SELECT COALESCE(sum(trial_fixes_used), 0) FROM customers WHERE email LIKE 'bench-$set-%')")"
    read -r all_attempts all_used <<<"$(sql "SELECT (SELECT count(*) FROM fix_attempts), (SELECT COALESCE(sum(trial_fixes_used), 0) FROM customers)")"
    check=OK
    [ "$attempts" = "$ok" ] && [ "$used_sum" = "$ok" ] && [ "$all_attempts" = "$FIX_TOTAL" ] && [ "$all_used" = "$FIX_TOTAL" ] || { check=FAIL; ALL_OK=0; }
    say "  DB check: this run's customers: fix_attempts $attempts, sum(trial_fixes_used) $used_sum, 201s $ok;" \
        "whole database: fix_attempts $all_attempts, sum(trial_fixes_used) $all_used, 201s of all fix runs $FIX_TOTAL: $check"
  fi

  local err=$((answered - ok + socket_errors + issued - answered))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$BACKEND" "$phase" "$nk" "$rate" "$ok_rate" \
    "$(f2 "$p50_ms")" "$(f2 "$p99_ms")" "$err" "$ms_server" "$ms_pg" "$wmax" "$check" "$(printf '%.0f' "$cpu_other")" \
    >>"$RESULTS"
}

# ------------------------------------------------------------------------------------------------ one backend
run_backend() {
  BACKEND="$1"
  PORT="$(free_port)"
  ORIGIN="http://127.0.0.1:$PORT"
  if [ "$BACKEND" = sqlite ]; then
    DB_PATH="$WORK/rsolv.db"
    DB_URL="sqlite:$DB_PATH"
  else
    command -v psql >/dev/null || die "psql is needed for the PostgreSQL run (apt-get install postgresql-client)"
    PG_BASE_URL="${RSOLV_BENCH_DATABASE_URL:-}"
    if [ -z "$PG_BASE_URL" ] && [ -r /tmp/pgurl ] && psql "$(cat /tmp/pgurl)" -qAt -c 'SELECT 1' >/dev/null 2>&1; then
      PG_BASE_URL="$(cat /tmp/pgurl)"
    fi
    if [ -z "$PG_BASE_URL" ]; then
      PG_STARTED_DIR="$WORK/pg"
      say "starting a throwaway PostgreSQL cluster (scripts/pg-test-cluster.sh) ..."
      PG_BASE_URL="$(bash "$ROOT/scripts/pg-test-cluster.sh" start "$PG_STARTED_DIR")" || die "could not start PostgreSQL"
    fi
    PG_ADMIN_URL="$(url_with_db "$PG_BASE_URL" postgres)"
    PG_DB="bench_api_$$"
    psql "$PG_ADMIN_URL" -qAt -c "CREATE DATABASE $PG_DB" >/dev/null || die "CREATE DATABASE $PG_DB failed"
    PG_DBS+=("$PG_DB")
    DB_URL="$(url_with_db "$PG_BASE_URL" "$PG_DB")"
    say "PostgreSQL $(psql "$PG_ADMIN_URL" -qAt -c 'SHOW server_version') at ${PG_BASE_URL%%\?*}, database $PG_DB:" \
        "fsync $(psql "$PG_ADMIN_URL" -qAt -c 'SHOW fsync'), synchronous_commit $(psql "$PG_ADMIN_URL" -qAt -c 'SHOW synchronous_commit')," \
        "max_connections $(psql "$PG_ADMIN_URL" -qAt -c 'SHOW max_connections')"
  fi
  say ""
  say "=== $BACKEND: RSOLV_HTTP_THREADS=$HTTP_THREADS RSOLV_DB_POOL_SIZE=$POOL RSOLV_API_REQUESTS_PER_MINUTE=$RPM ==="
  start_server "$WORK/server-$BACKEND.log"
  local phase
  for phase in "${PHASES[@]}"; do run_phase "$phase"; done
  stop_server
  local logged
  logged="$(grep -cE ' (warning|error|critical) ' "$WORK/server-$BACKEND.log" || true)"
  if [ "${logged:-0}" -gt 0 ]; then
    say "  server log: $logged warning/error lines; the most frequent:"
    grep -E ' (warning|error|critical) ' "$WORK/server-$BACKEND.log" | sed -E 's/^[^ ]+ //; s/\[[0-9a-f-]+\] //' \
      | sort | uniq -c | sort -rn | head -n 5 | cut -c1-220 | sed 's/^/    /'
  fi
  FIX_TOTAL=0
}

# ------------------------------------------------------------------------------------------------ main
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_hex(32))')"
say "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r)"
for backend in "${BACKENDS[@]}"; do run_backend "$backend"; done

say ""
say "=== summary: wrk -t$WRK_THREADS -c$CONNS, ${SECONDS_PER_RUN} s per run, keep-alive; $(nproc) cores ==="
"$PY" - "$RESULTS" <<'EOF'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
head = ["backend", "run", "keys", "req/s", "ok/s", "p50 ms", "p99 ms", "non-ok", "vs healthz",
        "rsolv CPU ms/req", "pg CPU ms/req", "window max", "DB check", "other CPU%"]
base = {r[0]: float(r[3]) for r in rows if r[1] == "healthz"}
out = []
for r in rows:
    ratio = "-"
    if r[1] not in ("healthz", "account-N-paced") and base.get(r[0]):
        ratio = "%.0f%%" % (100 * float(r[4]) / base[r[0]])
    out.append(r[:8] + [ratio] + r[8:])
w = [max(len(x[i]) for x in [head] + out) for i in range(len(head))]
for x in [head] + out:
    print("  ".join(v.rjust(w[i]) if i >= 3 else v.ljust(w[i]) for i, v in enumerate(x)))
print()
def cpu(r):
    return float(r[8]) + (float(r[9]) if r[9] != "-" else 0.0)
def verdict(ok):
    return "MET" if ok else "MISSED"
for b in sorted({r[0] for r in rows}):
    get = {r[1]: r for r in rows if r[0] == b}
    h = get.get("healthz")
    for run, share in (("account-1", 0.25), ("account-N", 0.30)):  # issue 11's targets
        a = get.get(run)
        if h and a:
            ratio = float(a[4]) / float(h[3])
            print("%s %s: %.0f%% of /healthz (target >= %.0f%%): %s; CPU %.3f ms a request, rsolv + database "
                  "(target <= 0.1 ms): %s" % (b, run, 100 * ratio, 100 * share, verdict(ratio >= share), cpu(a),
                                              verdict(cpu(a) <= 0.1)))
    p = get.get("account-N-paced")
    if p:
        print("%s account-N-paced: p99 %.2f ms at %.0f requests/s (target < 5 ms): %s" % (
            b, float(p[6]), float(p[4]), verdict(float(p[6]) < 5)))
    for run in ("fix-N", "fix-1"):
        f = get.get(run)
        if f:
            print("%s %s: %.0f fix attempts/s (target >= 1000): %s" % (b, run, float(f[4]), verdict(float(f[4]) >= 1000)))
EOF
say ""
say "req/s = answers per second (any status); ok/s = 200s (201s for fix runs) per second; non-ok = other statuses +"
say "socket errors + unanswered; vs healthz = ok/s over the healthz req/s of the same backend; CPU ms/req = CPU time"
say "per answer; window max = most entries in one key's api_request_windows row after the run; other CPU% = CPU used"
say "by processes other than rsolv, its postgres backends and wrk (noise: keep it near 0)."
[ "$ALL_OK" = 1 ]
