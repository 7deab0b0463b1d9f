#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite.
#
#   scripts/pg-test-cluster.sh start [DIR]   create and start a cluster in DIR (a new dir under /tmp when omitted);
#                                            prints only its URL, postgresql://postgres@127.0.0.1:PORT/rsolv_test
#   scripts/pg-test-cluster.sh url DIR       print the URL of the cluster in DIR again
#   scripts/pg-test-cluster.sh stop DIR      stop it at once (pg_ctl stop -m immediate) and remove DIR
#   scripts/pg-test-cluster.sh restart DIR [fast|immediate]
#                                            restart it on the same port (the fault suite's PostgreSQL restarts);
#                                            returns once it accepts connections again
#
# The cluster listens on 127.0.0.1 only, on a free port, with its unix socket inside its own directory, trusts every
# local connection and is tuned for speed, not durability (fsync=off...). Its log is DIR/log.
# PostgreSQL refuses to run as root: run as root, the cluster belongs to the `postgres` user (runuser); run as anyone
# else, it belongs to that user. When the `postgres` user can't reach DIR (say under /root), the cluster lives in a
# new directory under /tmp and DIR only points to it; `stop DIR` removes both.
set -euo pipefail

die() { echo "pg-test-cluster: $*" >&2; exit 1; }
say() { echo "pg-test-cluster: $*" >&2; }

# --- the PostgreSQL server binaries (/usr/local/bin/initdb and friends may be wrappers or links: use the real ones)
find_bindir() {
  local d
  if command -v pg_config >/dev/null 2>&1; then
    d="$(pg_config --bindir 2>/dev/null || true)"
    if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
  fi
  for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5 -rn); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
  done
  die "no PostgreSQL server found (looked at pg_config --bindir and /usr/lib/postgresql/*/bin); run scripts/install-deps.sh --test"
}

# --- who owns the cluster: as root, `postgres`; otherwise the calling user
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user (is the postgresql package installed?)"
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

owner_can_use() {  # owner_can_use DIR: can the cluster owner create files in DIR?
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- test -d "$1" -a -w "$1" -a -x "$1" 2>/dev/null
  else
    test -d "$1" -a -w "$1" -a -x "$1"
  fi
}

# --- a free loopback port: ask the kernel for one, else scan from 55432 upwards
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  local py p
  for py in /usr/bin/python3 python3; do
    if command -v "$py" >/dev/null 2>&1; then
      p="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || true)"
      if [ -n "$p" ]; then echo "$p"; return; fi
    fi
  done
  p=$(( 55432 + RANDOM % 2000 ))
  while port_in_use "$p"; do p=$((p + 1)); done
  echo "$p"
}

# base: the directory the cluster really lives in (DIR itself, or the one DIR/cluster-dir names)
base_of() {
  if [ -f "$1/cluster-dir" ]; then cat "$1/cluster-dir"; else echo "$1"; fi
}

cmd_start() {
  local dir="${1:-}" bindir base port url attempt started=""
  bindir="$(find_bindir)"

  if [ -z "$dir" ]; then
    dir="$(mktemp -d /tmp/rsolv-pg.XXXXXX)"
    say "cluster directory $dir (stop it with: $0 stop $dir)"
  fi
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd -P)"

  # Already running here? Then just say where.
  if [ -f "$dir/url" ] && [ -f "$(base_of "$dir")/data/postmaster.pid" ]; then
    port="$(sed -n 's#.*:\([0-9]*\)/.*#\1#p' "$dir/url")"
    if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2; then cat "$dir/url"; return 0; fi
    say "stale cluster in $dir: starting afresh"
    cmd_stop_cluster "$dir" "$bindir"
    if [ -f "$dir/cluster-dir" ]; then rm -rf "$(base_of "$dir")" "$dir/cluster-dir" "$dir/log"; fi
  fi

  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir" 2>/dev/null || true; fi
  if owner_can_use "$dir"; then
    base="$dir"
  else
    base="$(mktemp -d /tmp/rsolv-pg.XXXXXX)"
    say "the 'postgres' user can't use $dir; the cluster lives in $base"
    echo "$base" >"$dir/cluster-dir"
  fi
  if [ "$(id -u)" -eq 0 ]; then chown postgres: "$base"; fi
  chmod 700 "$base"
  rm -rf "$base/data" "$base/log"
  as_owner touch "$base/log"
  [ "$base" = "$dir" ] || ln -sfn "$base/log" "$dir/log"

  as_owner "$bindir/initdb" -D "$base/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
    >>"$base/log" 2>&1 || { tail -n 20 "$base/log" >&2; die "initdb failed (log: $base/log)"; }

  # The socket path must fit in sun_path (107 bytes); with a long DIR, listen on TCP only.
  local sockdir="$base"
  [ ${#sockdir} -le 80 ] || sockdir=""

  for attempt in 1 2 3 4 5; do
    port="$(pick_port)"
    cat >"$base/data/postgresql.auto.conf" <<EOF
# Throwaway test cluster: fast, not durable.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
max_connections = 300
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 1GB
checkpoint_timeout = 30min
max_parallel_workers_per_gather = 0
jit = off
log_min_messages = warning
log_min_error_statement = error
EOF
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$base/data/postgresql.auto.conf"; fi
    # shellcheck disable=SC2094 # pg_ctl's own chatter and the server's log share the file, both appending
    if as_owner "$bindir/pg_ctl" start -D "$base/data" -l "$base/log" -w -t 60 >>"$base/log" 2>&1 \
       && "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 30; then
      started=1; break
    fi
    say "start on port $port failed (attempt $attempt), retrying"
    as_owner "$bindir/pg_ctl" stop -D "$base/data" -m immediate >/dev/null 2>&1 || true
  done
  [ -n "$started" ] || { tail -n 30 "$base/log" >&2; die "could not start PostgreSQL (log: $base/log)"; }

  # Trust auth over TCP: any OS user may connect as postgres.
  "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres rsolv_test \
    || { cmd_stop_cluster "$dir" "$bindir"; die "createdb rsolv_test failed"; }

  url="postgresql://postgres@127.0.0.1:$port/rsolv_test"
  echo "$url" >"$dir/url"
  echo "$url"
}

cmd_stop_cluster() {  # stop the server, keep nothing running; no removal
  local dir="$1" bindir="$2" base
  base="$(base_of "$dir")"
  if [ -f "$base/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" stop -D "$base/data" -m immediate -w -t 30 >/dev/null 2>&1 || true
  fi
}

cmd_stop() {
  local dir="${1:-}" bindir base
  [ -n "$dir" ] || die "usage: $0 stop DIR"
  [ -d "$dir" ] || return 0
  bindir="$(find_bindir)"
  base="$(base_of "$dir")"
  cmd_stop_cluster "$dir" "$bindir"
  [ "$base" = "$dir" ] || rm -rf "$base"
  rm -rf "$dir"
}

cmd_restart() {
  local dir="${1:-}" mode="${2:-fast}" bindir base port
  [ -n "$dir" ] || die "usage: $0 restart DIR [fast|immediate]"
  case "$mode" in fast|immediate) ;; *) die "restart mode must be fast or immediate, not $mode" ;; esac
  [ -f "$dir/url" ] || die "no cluster in $dir"
  bindir="$(find_bindir)"
  base="$(base_of "$dir")"
  port="$(sed -n 's#.*:\([0-9]*\)/.*#\1#p' "$dir/url")"
  as_owner "$bindir/pg_ctl" restart -D "$base/data" -m "$mode" -l "$base/log" -w -t 60 >>"$base/log" 2>&1 \
    || { tail -n 20 "$base/log" >&2; die "restart ($mode) failed (log: $base/log)"; }
  "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 30 || die "PostgreSQL did not come back on port $port"
}

cmd_url() {
  local dir="${1:-}"
  [ -n "$dir" ] || die "usage: $0 url DIR"
  [ -f "$dir/url" ] || die "no cluster in $dir"
  cat "$dir/url"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop)  shift; cmd_stop "$@" ;;
  restart) shift; cmd_restart "$@" ;;
  url)   shift; cmd_url "$@" ;;
  *) echo "usage: $0 start [DIR] | url DIR | stop DIR | restart DIR [fast|immediate]" >&2; exit 2 ;;
esac
