#!/usr/bin/env bash
# Job queue and email bench: builds bench/jobs_bench.cpp, starts two local aiosmtpd servers (a discarding Sink and a
# recorder that logs "<epoch_ns> <rcpt>" per DATA), makes fresh databases, runs the three scenarios on each backend,
# cleans up and prints a summary.
#
#   bench/jobs-bench.sh                  # sqlite and postgres
#   bench/jobs-bench.sh postgres         # or: sqlite
#
# Environment (all optional):
#   RSOLV_BENCH_DATABASE_URL   PostgreSQL cluster URL whose user may CREATE DATABASE (default: the URL in /tmp/pgurl)
#   RSOLV_BENCH_BUILD_DIR      build directory (default: build); RSOLV_BENCH_SKIP_BUILD=1 uses the binary there as is
#   RSOLV_BENCH_PG_JOBS        empty jobs for the first batch size on PostgreSQL (20000); other batch sizes get 1/4
#   RSOLV_BENCH_SQLITE_JOBS    same on SQLite (5000)
#   RSOLV_BENCH_BATCHES        worker batch sizes, first one is the main figure (10,1,50)
#   RSOLV_BENCH_PG_EMAILS      welcome emails on PostgreSQL (2000); RSOLV_BENCH_SQLITE_EMAILS (1000)
#   RSOLV_BENCH_RAW_SMTP       bare SmtpMailer sends for the SMTP baseline (1000; 0 skips)
#   RSOLV_BENCH_CONCURRENT     concurrent HTTP signups for the latency run (100)
#   RSOLV_BENCH_SMTP_DELAY_MS  one more latency run, on the last backend, against an SMTP server that waits this long
#                              before each reply to EHLO/MAIL/RCPT/DATA (10; 0 skips)
#   RSOLV_BENCH_STOP_TRIALS    Worker::stop() timings with jobs running, on SQLite (5; 0 skips; each may take 10 s)
#   RSOLV_BENCH_DRAIN_EMAILS   welcome emails waiting through an SMTP outage, timed from the server's return (2000; 0 skips)
#   RSOLV_BENCH_DRAIN_OUTAGE_S how long the SMTP server stays down first (20)
#   RSOLV_BENCH_KEEP=1         keep the work directory and the PostgreSQL databases
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${RSOLV_BENCH_BUILD_DIR:-$ROOT/build}
PY=/usr/bin/python3   # has aiosmtpd; the python3 first on PATH may not
BACKENDS=("$@")
[[ ${#BACKENDS[@]} -eq 0 ]] && BACKENDS=(sqlite postgres)
PG_JOBS=${RSOLV_BENCH_PG_JOBS:-20000}
SQLITE_JOBS=${RSOLV_BENCH_SQLITE_JOBS:-5000}
BATCHES=${RSOLV_BENCH_BATCHES:-10,1,50}
PG_EMAILS=${RSOLV_BENCH_PG_EMAILS:-2000}
SQLITE_EMAILS=${RSOLV_BENCH_SQLITE_EMAILS:-1000}
RAW_SMTP=${RSOLV_BENCH_RAW_SMTP:-1000}
CONCURRENT=${RSOLV_BENCH_CONCURRENT:-100}
STOP_TRIALS=${RSOLV_BENCH_STOP_TRIALS:-5}
SMTP_DELAY_MS=${RSOLV_BENCH_SMTP_DELAY_MS:-10}
DRAIN_EMAILS=${RSOLV_BENCH_DRAIN_EMAILS:-2000}
DRAIN_OUTAGE_S=${RSOLV_BENCH_DRAIN_OUTAGE_S:-20}
SLOW_PORT=""
KEEP=${RSOLV_BENCH_KEEP:-0}

WORK=$(mktemp -d /tmp/rsolv-jobs-bench.XXXXXX)
PIDS=()
PG_DBS=()
PG_ADMIN=""

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ $KEEP != 1 ]]; then
        local db
        for db in "${PG_DBS[@]}"; do psql "$PG_ADMIN" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
        rm -rf "$WORK"
    else
        echo "kept $WORK and databases: ${PG_DBS[*]:-none}"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    "$PY" - "$1" <<'EOF'
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close(); sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
}

# ---- build -----------------------------------------------------------------------------------------------------
if [[ ${RSOLV_BENCH_SKIP_BUILD:-0} != 1 ]]; then
    echo "building jobs_bench in $BUILD ..."
    cmake -S "$ROOT" -B "$BUILD" >/dev/null
    cmake --build "$BUILD" -j2 --target jobs_bench >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; exit 1; }
fi
cp "$BUILD/jobs_bench" "$WORK/jobs_bench"   # a private copy: a concurrent rebuild cannot change it mid-run
BIN=$WORK/jobs_bench
started=$(date +%s)

# ---- SMTP servers ------------------------------------------------------------------------------------------------
"$PY" -c 'import aiosmtpd' 2>/dev/null || { echo "$PY has no aiosmtpd (apt-get install python3-aiosmtpd)"; exit 1; }
SINK_PORT=$(free_port)
"$PY" -m aiosmtpd -n -l "127.0.0.1:$SINK_PORT" -c aiosmtpd.handlers.Sink >"$WORK/sink.log" 2>&1 &
SINK_PID=$!
PIDS+=($SINK_PID)

cat >"$WORK/recorder.py" <<'EOF'
# Accepts every message and appends "<epoch_ns> <rcpt>" per recipient to a file when DATA ends (just before the 250).
# A third argument DELAY_MS delays the replies to EHLO, MAIL, RCPT and DATA, like a relay that is far away.
import asyncio, sys, threading, time
from aiosmtpd.controller import Controller

class Recorder:
    def __init__(self, path, delay):
        self.out = open(path, "a", buffering=1)
        self.delay = delay
    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        t = time.time_ns()
        self.out.write("".join(f"{t} {r}\n" for r in envelope.rcpt_tos))
        self.out.flush()
        return "250 2.0.0 OK"

class SlowRecorder(Recorder):
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        await asyncio.sleep(self.delay)
        session.host_name = hostname
        return responses
    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        await asyncio.sleep(self.delay)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

port, path = int(sys.argv[1]), sys.argv[2]
delay = float(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0.0
handler = (SlowRecorder if delay > 0 else Recorder)(path, delay)
controller = Controller(handler, hostname="127.0.0.1", port=port)
controller.start()
threading.Event().wait()
EOF
REC_PORT=$(free_port)
: >"$WORK/accepted.log"
"$PY" "$WORK/recorder.py" "$REC_PORT" "$WORK/accepted.log" >"$WORK/recorder.log" 2>&1 &
REC_PID=$!
PIDS+=($REC_PID)
if [[ $SMTP_DELAY_MS != 0 ]]; then
    SLOW_PORT=$(free_port)
    : >"$WORK/accepted-slow.log"
    "$PY" "$WORK/recorder.py" "$SLOW_PORT" "$WORK/accepted-slow.log" "$SMTP_DELAY_MS" >"$WORK/recorder-slow.log" 2>&1 &
    SLOW_PID=$!
    PIDS+=($SLOW_PID)
    wait_port "$SLOW_PORT" || { echo "slow SMTP recorder did not start"; cat "$WORK/recorder-slow.log"; exit 1; }
fi
wait_port "$SINK_PORT" || { echo "SMTP sink did not start"; cat "$WORK/sink.log"; exit 1; }
wait_port "$REC_PORT" || { echo "SMTP recorder did not start"; cat "$WORK/recorder.log"; exit 1; }
echo "SMTP: sink 127.0.0.1:$SINK_PORT (aiosmtpd Sink), recorder 127.0.0.1:$REC_PORT${SLOW_PORT:+, recorder with $SMTP_DELAY_MS ms per reply 127.0.0.1:$SLOW_PORT}"

# ---- databases ---------------------------------------------------------------------------------------------------
make_db() {  # make_db BACKEND SCENARIO: a fresh database, its URL in DB_URL
    if [[ $1 == sqlite ]]; then
        mkdir -p "$WORK/sqlite-$2"
        DB_URL="sqlite:$WORK/sqlite-$2/rsolv.db"
    else
        local name="rsolv_jobs_bench_$$_$2"
        psql "$PG_ADMIN" -qAtc "CREATE DATABASE $name" >/dev/null
        PG_DBS+=("$name")
        DB_URL=$("$PY" -c 'import sys, urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$PG_ADMIN" "$name")
    fi
}
if [[ " ${BACKENDS[*]} " == *" postgres "* ]]; then
    PG_ADMIN=${RSOLV_BENCH_DATABASE_URL:-$(cat /tmp/pgurl 2>/dev/null || true)}
    if [[ -z $PG_ADMIN ]] || ! psql "$PG_ADMIN" -qAtc 'SELECT 1' >/dev/null 2>&1; then
        echo "no usable PostgreSQL: set RSOLV_BENCH_DATABASE_URL (or /tmp/pgurl)"; exit 1
    fi
    echo "PostgreSQL: $(psql "$PG_ADMIN" -qAtc "SELECT split_part(version(), ' ', 2) || ', fsync=' || current_setting('fsync') || ', synchronous_commit=' || current_setting('synchronous_commit') || ', max_connections=' || current_setting('max_connections')")"
fi
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- runs --------------------------------------------------------------------------------------------------------
LOG=$WORK/results.log
: >"$LOG"
status=0
run() {  # run LABEL -- ARGS...: the bench with a time limit, output shown and kept
    local label=$1; shift; shift
    echo
    if ! timeout 170 "$BIN" "$@" 2>"$WORK/stderr.txt" | tee -a "$LOG"; then
        echo "!! $label exited with an error"; status=1
    fi
    if [[ -s $WORK/stderr.txt ]]; then
        echo "  stderr ($label), distinct lines (digits as N):"
        sed -e 's/^\[[^]]*\] //' -e 's/[0-9]\+/N/g' "$WORK/stderr.txt" | sort | uniq -c | sort -rn | head -8 | sed 's/^/    /'
    fi
}
for backend in "${BACKENDS[@]}"; do
    if [[ $backend == sqlite ]]; then jobs=$SQLITE_JOBS; emails=$SQLITE_EMAILS; else jobs=$PG_JOBS; emails=$PG_EMAILS; fi
    make_db "$backend" empty
    run "$backend empty" -- empty --db "$DB_URL" --n "$jobs" --batches "$BATCHES"
    make_db "$backend" email
    run "$backend email" -- email --db "$DB_URL" --n "$emails" --raw "$RAW_SMTP" --smtp-port "$SINK_PORT" --smtp-pid "$SINK_PID"
    RAW_SMTP=0   # the SMTP baseline does not depend on the backend: once is enough
    : >"$WORK/accepted.log"
    make_db "$backend" latency
    run "$backend latency" -- latency --db "$DB_URL" --n "$CONCURRENT" --smtp-port "$REC_PORT" --smtp-pid "$REC_PID" \
        --accept-log "$WORK/accepted.log"
done

# The latency run again against an SMTP server that takes SMTP_DELAY_MS per reply (a relay that is not on loopback),
# on the last backend only.
if [[ $SMTP_DELAY_MS != 0 ]]; then
    last=${BACKENDS[${#BACKENDS[@]}-1]}
    make_db "$last" latency_slow
    run "$last latency, slow SMTP" -- latency --db "$DB_URL" --n "$CONCURRENT" --smtp-port "$SLOW_PORT" \
        --smtp-pid "$SLOW_PID" --accept-log "$WORK/accepted-slow.log" --wake-variant 0 \
        --label "SMTP +${SMTP_DELAY_MS} ms/reply"
fi

# The mail drain after an SMTP outage (issue 10): the recorder is started by the bench itself, on a port where nothing
# listened while the emails were queued.
if [[ $DRAIN_EMAILS -gt 0 ]]; then
    for backend in "${BACKENDS[@]}"; do
        DRAIN_PORT=$(free_port)
        : >"$WORK/accepted-drain-$backend.log"
        make_db "$backend" drain
        run "$backend drain" -- drain --db "$DB_URL" --n "$DRAIN_EMAILS" --outage-s "$DRAIN_OUTAGE_S" \
            --smtp-port "$DRAIN_PORT" --accept-log "$WORK/accepted-drain-$backend.log" \
            --smtp-cmd "exec $PY $WORK/recorder.py $DRAIN_PORT $WORK/accepted-drain-$backend.log >$WORK/recorder-drain.log 2>&1"
    done
fi

# Worker::stop() with jobs running (the SIGTERM path); backend-independent, once, on SQLite.
if [[ $STOP_TRIALS -gt 0 ]]; then
    make_db sqlite stop
    run "stop" -- stop --db "$DB_URL" --trials "$STOP_TRIALS" --job-us 2000
fi

# ---- summary -----------------------------------------------------------------------------------------------------
echo
echo "================ summary ($(($(date +%s) - started)) s wall, build excluded) ================"
"$PY" - "$LOG" "${BACKENDS[@]}" <<'EOF'
import sys
log, backends = sys.argv[1], sys.argv[2:]
rows, order = {}, []
for line in open(log):
    if not line.startswith("SUMMARY|"):
        continue
    _, backend, metric, value = line.rstrip("\n").split("|", 3)
    if metric not in rows:
        rows[metric] = {}
        order.append(metric)
    rows[metric][backend] = value
    if backend not in backends:
        backends.append(backend)
w = max(len(m) for m in order) if order else 10
print(f"{'metric':<{w}}  " + "  ".join(f"{b:>9}" for b in backends))
for m in order:
    print(f"{m:<{w}}  " + "  ".join(f"{rows[m].get(b, '-'):>9}" for b in backends))
print("targets (lead's note): p99 signup->accepted < 2000 ms; >= 1000 empty jobs/s on PostgreSQL;")
print("         issue 10: 2000 waiting welcome emails all delivered within 30 s of the SMTP server's return, 0 duplicates")
EOF
exit $status
