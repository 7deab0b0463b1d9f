#!/usr/bin/env bash
# Signup load test: unique self-service signups (POST /signup) against `build/rsolv serve` with wrk, on SQLite and/or
# PostgreSQL, then a check that the database holds exactly what the 303s promised. See bench/README.md.
#
#   bench/signup-load.sh [sqlite|postgres|both]        (default: both)
#
# Environment (all optional):
#   RSOLV_BENCH_DATABASE_URL   a PostgreSQL URL whose user may CREATE DATABASE (default: /tmp/pgurl if it works, else
#                              a throwaway cluster started with scripts/pg-test-cluster.sh and stopped at the end)
#   RSOLV_BENCH_CONNECTIONS    wrk connections, one run each (default "100 1000")
#   RSOLV_BENCH_POOL_SIZES     RSOLV_DB_POOL_SIZE values, one run each (default "16"; try "16 32")
#   RSOLV_BENCH_SECONDS        how long each run starts new signups (default 10)
#   RSOLV_BENCH_DRAIN_SECONDS  longest wait for the answers in flight after that (default 20)
#   RSOLV_BENCH_WRK_THREADS    wrk threads (default 2, at most 15)
#   RSOLV_BENCH_HTTP_THREADS   RSOLV_HTTP_THREADS (default 32, the service's own: an open connection holds no thread)
#   RSOLV_BENCH_HTTP_QUEUE     RSOLV_HTTP_QUEUE (default 1024, the service's own)
#   RSOLV_BENCH_BIN            the binary (default build/rsolv)
#   RSOLV_BENCH_KEEP=1         keep the work directory (server logs, wrk output, samples) and the PostgreSQL databases
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODE="${1:-both}"
case "$MODE" in
  sqlite) BACKENDS=(sqlite) ;;
  postgres|postgresql|pg) BACKENDS=(postgres) ;;
  both) BACKENDS=(sqlite postgres) ;;
  -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [sqlite|postgres|both]" >&2; exit 2 ;;
esac

BIN="${RSOLV_BENCH_BIN:-$ROOT/build/rsolv}"
LUA="$ROOT/bench/signup.lua"
read -r -a CONNECTIONS <<<"${RSOLV_BENCH_CONNECTIONS:-100 1000}"
read -r -a POOLS <<<"${RSOLV_BENCH_POOL_SIZES:-16}"
SECONDS_PER_RUN="${RSOLV_BENCH_SECONDS:-10}"
DRAIN="${RSOLV_BENCH_DRAIN_SECONDS:-20}"
WRK_THREADS="${RSOLV_BENCH_WRK_THREADS:-2}"
HTTP_QUEUE="${RSOLV_BENCH_HTTP_QUEUE:-1024}"
KEEP="${RSOLV_BENCH_KEEP:-0}"
PY=/usr/bin/python3
[ -x "$PY" ] || PY="$(command -v python3 || true)"

say() { printf '%s\n' "$*"; }
die() { printf 'signup-load: %s\n' "$*" >&2; exit 1; }

command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
command -v curl >/dev/null || die "curl is not installed"
[ -n "$PY" ] || die "python3 is needed (free ports, URL handling)"
[ -x "$BIN" ] || die "no $BIN: build it first (cmake -S . -B build && cmake --build build --target rsolv)"
[ -f "$LUA" ] || die "no $LUA"

# 1000 connections need ~1000 fds in wrk and ~2000 in the server (sockets, threads' files): raise the soft limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true

WORK="$(mktemp -d /tmp/rsolv-bench.XXXXXX)"
CLK_TCK="$(getconf CLK_TCK)"
SERVER_PID=""
SAMPLER_PID=""
WRK_PID=""
PG_STARTED_DIR=""
PG_DBS=()
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
# Run a private copy: a rebuild of build/rsolv during the bench must not change or break the binary between runs.
cp "$BIN" "$WORK/rsolv" || die "cannot copy $BIN"
say "binary: $BIN ($(date -r "$BIN" '+%Y-%m-%d %H:%M:%S'), copied to the work directory)"
BIN="$WORK/rsolv"

cleanup() {
  set +e
  [ -n "$WRK_PID" ] && kill "$WRK_PID" 2>/dev/null
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
  stop_server
  if [ "$KEEP" != 1 ] && [ -n "${PG_ADMIN_URL:-}" ]; then
    for db in "${PG_DBS[@]}"; do psql "$PG_ADMIN_URL" -qAt -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; done
  fi
  if [ -n "$PG_STARTED_DIR" ]; then bash "$ROOT/scripts/pg-test-cluster.sh" stop "$PG_STARTED_DIR" >/dev/null 2>&1; fi
  if [ "$KEEP" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# url_with_db URL DB: the same server and credentials, another database.
url_with_db() {
  "$PY" - "$1" "$2" <<'EOF'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(u.urlunsplit((p.scheme, p.netloc, "/" + sys.argv[2], p.query, p.fragment)))
EOF
}

cpu_ticks() {  # utime+stime of a process, in clock ticks (0 if gone)
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}
machine_busy() {  # "busy total irq+softirq" jiffies of the whole machine (irq time belongs to no process)
  awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t-$5-$6, t, $7+$8}' /proc/stat
}
pg_backend_ticks() {  # utime+stime summed over the backends of database $1
  local db="$1" sum=0 pid t
  for pid in $(pgrep -f "^postgres: [^ ]+ $db " 2>/dev/null); do
    t="$(cpu_ticks "$pid")"; sum=$((sum + t))
  done
  echo "$sum"
}

# ------------------------------------------------------------------------------------------------ the service
start_server() {  # start_server DATABASE_URL POOL HTTP_THREADS LOG
  local url="$1" pool="$2" threads="$3" log="$4"
  PORT="$(free_port)"
  ORIGIN="http://127.0.0.1:$PORT"
  mkdir -p "$WORK/var"
  env RSOLV_DATABASE_URL="$url" \
      RSOLV_LISTEN="127.0.0.1:$PORT" \
      RSOLV_PUBLIC_URL="$ORIGIN" \
      RSOLV_TRUSTED_PROXIES="127.0.0.1/32" \
      RSOLV_HTTP_THREADS="$threads" \
      RSOLV_HTTP_QUEUE="$HTTP_QUEUE" \
      RSOLV_DB_POOL_SIZE="$pool" \
      RSOLV_VAR_DIR="$WORK/var" \
      RSOLV_MAIL_URL="file:$WORK/mail" \
      RSOLV_SECRET_KEY="$SECRET_KEY" \
      RSOLV_FORM_MIN_FILL_SECONDS=0 \
      RSOLV_SIGNUP_CHALLENGE=off \
      RSOLV_LOG_LEVEL=warn \
      "$BIN" serve >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 150); do
    if curl -fsS -o /dev/null "$ORIGIN/healthz" 2>/dev/null; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$log" >&2; SERVER_PID=""; die "rsolv serve exited at start (log above)"; }
    sleep 0.2
  done
  tail -n 20 "$log" >&2
  die "rsolv serve did not answer /healthz within 30 s"
}

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "  (rsolv did not stop within 20 s of SIGTERM: killed)"
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

fetch_token() {  # sets COOKIE and CSRF from GET /signup
  local jar="$WORK/cookies" page
  rm -f "$jar"
  page="$(curl -fsS -c "$jar" "$ORIGIN/signup")" || die "GET /signup failed"
  CSRF="$(printf '%s' "$page" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -n 1)"
  COOKIE="$(awk '$6 == "rsolv_pre" || $6 == "__Host-rsolv_pre" {print $6 "=" $7}' "$jar" | head -n 1)"
  [ -n "$CSRF" ] || die "no csrf_token in the GET /signup page"
  [ -n "$COOKIE" ] || die "GET /signup set no rsolv_pre cookie"
}

# ------------------------------------------------------------------------------------------------ sampling
# One line every 0.5 s while wrk runs: seconds, server threads, fds of the SQLite file, and on PostgreSQL the client
# backends of the database: total, active, idle, idle in transaction, waiting on a lock.
sampler() {  # sampler BACKEND DB_OR_PATH OUT STOPFILE
  local backend="$1" target="$2" out="$3" stopfile="$4" t0 now threads fds pg total active idle idletx lock
  set +e +o pipefail  # a sample that fails (an fd closing under find, psql refused) must not end the sampler
  t0="$(date +%s.%N)"
  while [ ! -e "$stopfile" ]; do
    now="$(date +%s.%N)"
    threads="$(awk '/^Threads:/{print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)"
    if [ "$backend" = sqlite ]; then
      fds="$(find "/proc/$SERVER_PID/fd" -lname "$target" 2>/dev/null | wc -l)"
      printf '%.1f threads=%s sqlite_fds=%s\n' "$(echo "$now - $t0" | bc)" "$threads" "$fds" >>"$out"
    else
      pg="$(psql "$PG_ADMIN_URL" -qAt -F ' ' -c "SELECT count(*), count(*) FILTER (WHERE state = 'active'),
              count(*) FILTER (WHERE state = 'idle'), count(*) FILTER (WHERE state LIKE 'idle in transaction%'),
              count(*) FILTER (WHERE wait_event_type = 'Lock')
            FROM pg_stat_activity WHERE datname = '$target' AND backend_type = 'client backend'" 2>/dev/null || echo '? ? ? ? ?')"
      read -r total active idle idletx lock <<<"$pg"
      printf '%.1f threads=%s pg_total=%s active=%s idle=%s idle_in_tx=%s lock_wait=%s\n' \
        "$(echo "$now - $t0" | bc)" "$threads" "$total" "$active" "$idle" "$idletx" "$lock" >>"$out"
    fi
    sleep 0.5
  done
}

# field_stats FILE KEY: "min/avg/max" of KEY=value over the samples
field_stats() {
  awk -v k="$2" '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k && kv[2] ~ /^[0-9]+$/) {
      v = kv[2] + 0; n++; s += v; if (n == 1 || v < mn) mn = v; if (v > mx) mx = v } } }
    END { if (n) printf "%d/%.1f/%d", mn, s / n, mx; else printf "-" }' "$1"
}
field_series() {  # the values of KEY, one per sample, space-separated
  awk -v k="$2" '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) printf "%s ", kv[2] } }' "$1"
}

# ------------------------------------------------------------------------------------------------ database checks
# One SQL statement per check; each prints one number.
CHECK_SQL=(
  "SELECT count(*) FROM customers"
  "SELECT count(*) FROM api_keys"
  "SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.customer_id = c.id)"
  "SELECT count(*) FROM customers c WHERE (SELECT count(DISTINCT e.event_type) FROM provisioning_events e WHERE e.customer_id = c.id AND e.event_type IN ('customer_created', 'api_key_generated', 'welcome_email', 'session_started', 'provisioning_completed')) <> 5"
  "SELECT count(*) FROM provisioning_events WHERE event_type = 'provisioning_failed'"
)

run_checks_sqlite() {  # prints the numbers, one per line, or returns 1 when no client is available
  local path="$1"
  if [ -n "$PY" ] && "$PY" -c 'import sqlite3' 2>/dev/null; then
    "$PY" - "$path" "${CHECK_SQL[@]}" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True)
for sql in sys.argv[2:]:
    print(db.execute(sql).fetchone()[0])
EOF
  elif command -v sqlite3 >/dev/null; then
    local sql
    for sql in "${CHECK_SQL[@]}"; do sqlite3 -readonly "$path" "$sql;"; done
  else
    return 1
  fi
}

run_checks_pg() {
  local url="$1" args=() sql
  command -v psql >/dev/null || return 1
  for sql in "${CHECK_SQL[@]}"; do args+=(-c "$sql"); done
  psql "$url" -qAt "${args[@]}"
}

# check_db BACKEND TARGET ACCEPTED: prints the checks, sets DB_CHECK to OK, FAIL or SKIPPED
check_db() {
  local backend="$1" target="$2" accepted="$3" out
  if [ "$backend" = sqlite ]; then
    out="$(run_checks_sqlite "$target")" || {
      say "  DB check: SKIPPED (needs python3 with its sqlite3 module, or the sqlite3 CLI: apt-get install sqlite3)"
      DB_CHECK=SKIPPED; return; }
  else
    out="$(run_checks_pg "$target")" || { say "  DB check: SKIPPED (needs psql)"; DB_CHECK=SKIPPED; return; }
  fi
  local customers keys keyless missing failed ok=1
  { read -r customers; read -r keys; read -r keyless; read -r missing; read -r failed; } <<<"$out"
  check_line() {  # check_line LABEL GOT WANT
    local v=ok
    if [ "$2" != "$3" ]; then v=FAIL; ok=0; fi
    printf '    %-40s %8s (want %s): %s\n' "$1" "$2" "$3" "$v"
  }
  say "  DB check (one SQL each):"
  check_line "customers == 303 responses" "$customers" "$accepted"
  check_line "api_keys == customers" "$keys" "$customers"
  check_line "customers without an API key" "$keyless" 0
  check_line "customers missing one of the 5 events" "$missing" 0
  say "      (customer_created, api_key_generated, welcome_email, session_started, provisioning_completed)"
  say "    provisioning_failed events               $failed (information)"
  if [ "$ok" = 1 ]; then DB_CHECK=OK; else DB_CHECK=FAIL; fi
}

# ------------------------------------------------------------------------------------------------ one run
run_one() {  # run_one BACKEND CONNECTIONS POOL
  local backend="$1" conns="$2" pool="$3"
  local tag="${backend}-c${conns}-p${pool}" dir url target threads
  dir="$WORK/$tag"
  mkdir -p "$dir/done"
  threads="${RSOLV_BENCH_HTTP_THREADS:-32}"
  if [ "$backend" = sqlite ]; then
    target="$dir/rsolv.db"
    url="sqlite:$target"
  else
    target="bench_signup_$$_${RUN_SEQ}"
    psql "$PG_ADMIN_URL" -qAt -c "CREATE DATABASE $target" >/dev/null || die "CREATE DATABASE $target failed"
    PG_DBS+=("$target")
    url="$(url_with_db "$PG_BASE_URL" "$target")"
  fi
  RUN_SEQ=$((RUN_SEQ + 1))

  say ""
  say "=== $backend, $conns connections, pool $pool (RSOLV_HTTP_THREADS=$threads, RSOLV_HTTP_QUEUE=$HTTP_QUEUE) ==="
  start_server "$url" "$pool" "$threads" "$dir/server.log"
  fetch_token

  local server_t0 pg_t0 busy0 total0 irq0 busy1 total1 irq1 server_t1 pg_t1 started ended
  server_t0="$(cpu_ticks "$SERVER_PID")"
  pg_t0=0; [ "$backend" = postgres ] && pg_t0="$(pg_backend_ticks "$target")"
  read -r busy0 total0 irq0 < <(machine_busy)
  started="$(date +%s.%N)"

  sampler "$backend" "$target" "$dir/samples" "$dir/stop-sampler" &
  SAMPLER_PID=$!

  RSOLV_BENCH_RUN="$$r$RUN_SEQ" RSOLV_BENCH_COOKIE="$COOKIE" RSOLV_BENCH_CSRF="$CSRF" RSOLV_BENCH_ORIGIN="$ORIGIN" \
  RSOLV_BENCH_SECONDS="$SECONDS_PER_RUN" RSOLV_BENCH_DONE_DIR="$dir/done" RSOLV_BENCH_RESULT="$dir/result" \
    wrk -t"$WRK_THREADS" -c"$conns" -d"$((SECONDS_PER_RUN + DRAIN))s" --timeout 60s -s "$LUA" "$ORIGIN/signup" \
    >"$dir/wrk.out" 2>&1 &
  WRK_PID=$!
  # wrk stops at -d; end it sooner (SIGINT: wrk's "stop now") once every thread has its answers in.
  local drained_at="" wrk_ticks=0 t
  while kill -0 "$WRK_PID" 2>/dev/null; do
    t="$(cpu_ticks "$WRK_PID")"; [ "$t" -gt 0 ] && wrk_ticks="$t"
    if [ "$(find "$dir/done" -name 'drained.*' | wc -l)" -ge "$WRK_THREADS" ] && [ -z "$drained_at" ]; then
      drained_at="$(date +%s.%N)"
      kill -INT "$WRK_PID" 2>/dev/null || true
    fi
    sleep 0.1
  done
  wait "$WRK_PID" || true
  WRK_PID=""
  ended="$(date +%s.%N)"
  server_t1="$(cpu_ticks "$SERVER_PID")"
  pg_t1=0; [ "$backend" = postgres ] && pg_t1="$(pg_backend_ticks "$target")"
  read -r busy1 total1 irq1 < <(machine_busy)
  touch "$dir/stop-sampler"
  wait "$SAMPLER_PID" 2>/dev/null || true
  SAMPLER_PID=""

  sed -n '/^---- signup.lua/,/^-----------/p' "$dir/wrk.out" | sed 's/^/  /'
  if [ ! -s "$dir/result" ]; then
    sed 's/^/  wrk: /' "$dir/wrk.out" | tail -n 20
    die "wrk produced no result (output above)"
  fi
  [ -n "$drained_at" ] || say "  note: not every wrk thread drained within ${DRAIN}s; requests still in flight are 'unanswered'"

  # shellcheck disable=SC2034 # all of the result file is read; not every figure is used
  local issued answered accepted errors socket_errors window_s rate p50_ms p90_ms p99_ms max_ms statuses
  # shellcheck disable=SC2034
  local connect_errors read_errors write_errors timeout_errors
  while IFS='=' read -r k v; do printf -v "$k" '%s' "$v"; done <"$dir/result"
  local unanswered=$((issued - answered))
  local all_errors=$((errors + unanswered + ${connect_errors:-0} + ${timeout_errors:-0}))

  # Resources used during the run.
  local wall cpu_server cpu_pg cpu_machine cpu_wrk cpu_irq cpu_other
  wall="$(echo "$ended - $started" | bc -l)"
  cpu_wrk="$(echo "$wrk_ticks / $CLK_TCK / $wall * 100" | bc -l)"
  cpu_server="$(echo "($server_t1 - $server_t0) / $CLK_TCK / $wall * 100" | bc -l)"
  cpu_pg="$(echo "($pg_t1 - $pg_t0) / $CLK_TCK / $wall * 100" | bc -l)"
  cpu_machine="$(echo "($busy1 - $busy0) / ($total1 - $total0) * 100 * $(nproc)" | bc -l)"
  cpu_irq="$(echo "($irq1 - $irq0) / ($total1 - $total0) * 100 * $(nproc)" | bc -l)"
  cpu_other="$(echo "$cpu_machine - $cpu_server - $cpu_pg - $cpu_wrk - $cpu_irq" | bc -l)"
  say "  CPU over the run (${wall%.*} s wall, $(nproc) cores = $(($(nproc) * 100))%): rsolv $(printf '%.0f' "$cpu_server")%$(
    [ "$backend" = postgres ] && printf ', postgres backends %.0f%%' "$cpu_pg"), wrk $(printf '%.0f' "$cpu_wrk")%," \
      "irq/softirq $(printf '%.0f' "$cpu_irq")%," \
      "everything else $(printf '%.0f' "$cpu_other")% (machine $(printf '%.0f' "$cpu_machine")%)"
  local ms_rsolv="-" ms_pg="-" cost
  if [ "$accepted" -gt 0 ]; then
    ms_rsolv="$(printf '%.2f' "$(echo "($server_t1 - $server_t0) * 1000 / $CLK_TCK / $accepted" | bc -l)")"
    [ "$backend" = postgres ] && ms_pg="$(printf '%.2f' "$(echo "($pg_t1 - $pg_t0) * 1000 / $CLK_TCK / $accepted" | bc -l)")"
    say "  CPU per accepted signup: rsolv ${ms_rsolv} ms$([ "$backend" = postgres ] && echo ", postgres backends ${ms_pg} ms")" \
        "(rsolv's includes its job worker; depends far less on other load than signups/s)"
  fi
  cost="$ms_rsolv"; [ "$backend" = postgres ] && cost="$ms_rsolv+$ms_pg"
  if [ "$(printf '%.0f' "$cpu_other")" -gt 30 ]; then
    say "  WARNING: other processes used $(printf '%.0f' "$cpu_other")% CPU during this run: the figures are low"
  fi
  say "  server threads (min/avg/max over samples): $(field_stats "$dir/samples" threads)"
  local peak_db
  if [ "$backend" = sqlite ]; then
    say "  open fds on the SQLite file (≈ pooled connections, min/avg/max): $(field_stats "$dir/samples" sqlite_fds)"
    peak_db="$(field_stats "$dir/samples" sqlite_fds | awk -F/ '{print $3}')"
  else
    say "  pg_stat_activity for $target, client backends, min/avg/max over $(wc -l <"$dir/samples") samples (0.5 s):"
    say "    total $(field_stats "$dir/samples" pg_total)  active $(field_stats "$dir/samples" active)  idle $(field_stats "$dir/samples" idle)  idle-in-transaction $(field_stats "$dir/samples" idle_in_tx)  waiting-on-lock $(field_stats "$dir/samples" lock_wait)"
    say "    total over time:  $(field_series "$dir/samples" pg_total)"
    say "    active over time: $(field_series "$dir/samples" active)"
    peak_db="$(field_stats "$dir/samples" pg_total | awk -F/ '{print $3}')"
  fi
  local s503 s500
  s503="$(tr ',' '\n' <<<"$statuses" | awk -F= '$1 == 503 {print $2}')"
  s500="$(tr ',' '\n' <<<"$statuses" | awk -F= '$1 == 500 {print $2}')"
  [ -n "$s503" ] && say "  503 responses: $s503 (no database connection free within 5 s, or the database unavailable)"
  [ -n "$s500" ] && say "  500 responses: $s500"

  stop_server
  local logged
  logged="$(grep -cE ' (warning|error|critical) ' "$dir/server.log" || true)"
  if [ "${logged:-0}" -gt 0 ]; then
    say "  server log: $logged warning/error lines; the first distinct ones:"
    grep -E ' (warning|error|critical) ' "$dir/server.log" | sed -E 's/^[^ ]+ //; s/\[[0-9a-f-]+\] //' | sort | uniq -c | sort -rn \
      | head -n 5 | cut -c1-220 | sed 's/^/    /'
  fi

  DB_CHECK=SKIPPED
  if [ "$backend" = sqlite ]; then check_db sqlite "$target" "$accepted"; else check_db postgres "$url" "$accepted"; fi

  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$conns" "$pool" "$rate" "$p50_ms" "$p99_ms" \
    "$all_errors" "$DB_CHECK" "${peak_db:--}" "$accepted" "$cost" "$(printf '%.0f' "$cpu_other")" >>"$RESULTS"

  if [ "$backend" = postgres ] && [ "$KEEP" != 1 ]; then
    psql "$PG_ADMIN_URL" -qAt -c "DROP DATABASE IF EXISTS $target" >/dev/null 2>&1 || true
  fi
}

# ------------------------------------------------------------------------------------------------ main
SECRET_KEY="$("$PY" -c 'import secrets; print(secrets.token_hex(32))')"
RUN_SEQ=1
command -v bc >/dev/null || die "bc is needed (apt-get install bc)"

for backend in "${BACKENDS[@]}"; do
  if [ "$backend" = postgres ]; then
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
    psql "$PG_ADMIN_URL" -qAt -c 'SELECT 1' >/dev/null || die "cannot connect to $PG_ADMIN_URL"
    say "PostgreSQL: $(psql "$PG_ADMIN_URL" -qAt -c 'SHOW server_version') at ${PG_BASE_URL%%\?*}," \
        "max_connections $(psql "$PG_ADMIN_URL" -qAt -c 'SHOW max_connections')," \
        "fsync $(psql "$PG_ADMIN_URL" -qAt -c 'SHOW fsync')," \
        "synchronous_commit $(psql "$PG_ADMIN_URL" -qAt -c 'SHOW synchronous_commit')"
  fi
  for conns in "${CONNECTIONS[@]}"; do
    for pool in "${POOLS[@]}"; do
      run_one "$backend" "$conns" "$pool"
    done
  done
done

say ""
say "=== summary: $SECONDS_PER_RUN s of new signups per run, wrk -t$WRK_THREADS, $(nproc) cores ($(uname -r)) ==="
{
  printf 'backend\tconns\tpool\tsignups/s\tp50 ms\tp99 ms\terrors\tDB check\tpeak DB conns\taccepted\tCPU ms/signup\tother CPU%%\n'
  cat "$RESULTS"
} | column -t -s $'\t'
say "errors = non-303 responses + unanswered requests + connect errors + timeouts;"
say "peak DB conns = PostgreSQL client backends of the database, or open fds on the SQLite file (sampled every 0.5 s);"
say "CPU ms/signup = rsolv (+ postgres backends) CPU time per 303: what a signup costs, whatever else runs;"
say "other CPU% = CPU used by processes other than rsolv, its postgres backends and wrk, irq time aside (noise: keep it near 0)."
if grep -qv $'\tOK\t' "$RESULTS"; then exit 1; fi
