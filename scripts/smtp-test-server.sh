#!/usr/bin/env bash
# A real SMTP server for tests: Debian's aiosmtpd, storing every message it accepts in a Maildir.
#
#   scripts/smtp-test-server.sh start DIR   start it on a free port of 127.0.0.1; prints only the PORT.
#                                           Messages land in DIR/maildir/new, its log is DIR/log, its pid DIR/pid.
#   scripts/smtp-test-server.sh stop DIR    stop it (DIR and the messages stay; remove DIR yourself)
#
# It speaks plain SMTP (no TLS, no AUTH). /usr/bin/python3 on purpose: the python3 first on PATH may be another
# interpreter without aiosmtpd (scripts/install-deps.sh --test installs python3-aiosmtpd).
set -euo pipefail

PY=/usr/bin/python3
die() { echo "smtp-test-server: $*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

cmd_start() {
  local dir="${1:-}" port pid attempt
  [ -n "$dir" ] || die "usage: $0 start DIR"
  [ -x "$PY" ] || die "$PY not found"
  "$PY" -c 'import aiosmtpd' 2>/dev/null || die "aiosmtpd is missing for $PY: run scripts/install-deps.sh --test"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd -P)"
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    [ -f "$dir/port" ] && port_open "$(cat "$dir/port")" && { cat "$dir/port"; return 0; }
    kill "$(cat "$dir/pid")" 2>/dev/null || true
  fi
  rm -f "$dir/pid" "$dir/port"
  # A whole Maildir (aiosmtpd only makes the tmp/new/cur folders when the directory itself is absent).
  mkdir -p "$dir/maildir/tmp" "$dir/maildir/new" "$dir/maildir/cur"

  for attempt in 1 2 3 4 5; do
    port="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
    # stdin/stdout/stderr away from the caller's pipes, or `$(... start DIR)` would wait for the server to exit.
    PYTHONUNBUFFERED=1 "$PY" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$dir/maildir" \
      </dev/null >>"$dir/log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do   # up to 10 s
      if port_open "$port"; then
        echo "$pid" >"$dir/pid"
        echo "$port" >"$dir/port"
        echo "$port"
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "smtp-test-server: start on port $port failed (attempt $attempt)" >&2
  done
  tail -n 20 "$dir/log" >&2 || true
  die "could not start aiosmtpd (log: $dir/log)"
}

cmd_stop() {
  local dir="${1:-}" pid
  [ -n "$dir" ] || die "usage: $0 stop DIR"
  [ -f "$dir/pid" ] || return 0
  pid="$(cat "$dir/pid")"
  # Only our aiosmtpd, never a process that reused the pid.
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "aiosmtpd.*$dir/maildir" && kill "$pid" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/pid" "$dir/port"
}

case "${1:-}" in
  start) shift; cmd_start "$@" ;;
  stop)  shift; cmd_stop "$@" ;;
  *) echo "usage: $0 start DIR | stop DIR" >&2; exit 2 ;;
esac
