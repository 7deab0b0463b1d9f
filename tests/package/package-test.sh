#!/usr/bin/env bash
# The Debian package, installed for real on this machine:
#
#   tests/package/package-test.sh [BUILD_DIR]     (root, or a user with sudo; scripts/test.sh runs it)
#
#  1. cpack builds rsolv_<version>_<arch>.deb from BUILD_DIR (default build/); its control data is checked
#  2. dpkg -i installs it: system user, /etc/rsolv (rsolv.env a conffile, secret.env generated), /var/lib/rsolv
#  3. systemd-analyze verifies both units and scores their exposure
#  4. the installed binary runs with the installed configuration, as the rsolv user, against the fresh database:
#     it tells NOTIFY_SOCKET it is ready only once /readyz already answers 200, and says STOPPING on SIGTERM
#  5. Debian's nginx runs the shipped site configuration (TLS, throwaway certificate) in front of it; a signup goes
#     through it from 127.0.0.5 with a forged X-Forwarded-For, and the provisioning events must name 127.0.0.5;
#     /metrics is not served; an oversized body stops at nginx with 413
#  6. reinstalling keeps an edited configuration and the secret; dpkg -r keeps data and configuration; --purge removes them
# The package is purged at the end, whatever happened. Prints a summary; exits non-zero on any failure.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd -P)"
BUILD="$(cd "${1:-$ROOT/build}" && pwd -P)"
PY=/usr/bin/python3
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

WORK="$(mktemp -d /tmp/rsolv-package.XXXXXX)"
chmod 755 "$WORK"   # nginx's workers and the rsolv user must reach what is here
RSOLV_PID="" NGINX_PID="" NOTIFY_PID=""
summary=()

say() { echo "package-test: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
check() { local what="$1"; shift; if "$@"; then say "ok: $what"; else fail "$what"; fi; }
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cleanup() {
  local rc=$?
  [ -n "$RSOLV_PID" ] && kill "$RSOLV_PID" 2>/dev/null || true
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  [ -n "$NOTIFY_PID" ] && kill "$NOTIFY_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if dpkg-query -W -f='${Status}' rsolv 2>/dev/null | grep -Eq ' (installed|config-files)$'; then
    $SUDO dpkg --purge rsolv >/dev/null 2>&1 || true
  fi
  if [ "$rc" -ne 0 ]; then
    for f in rsolv.log nginx-error.log; do [ -f "$WORK/$f" ] && { say "--- $f"; tail -n 40 "$WORK/$f" >&2; }; done
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT

# --- 1. build the package ---------------------------------------------------------------------------------------
say "building the package"
(cd "$WORK" && cpack --config "$BUILD/CPackConfig.cmake" -B "$WORK/out" >"$WORK/cpack.log" 2>&1) \
  || { cat "$WORK/cpack.log" >&2; fail "cpack"; }
DEB="$(ls "$WORK"/out/rsolv_*.deb)"
size_kib=$(( $(stat -c %s "$DEB") / 1024 ))
installed_kib="$(dpkg-deb -f "$DEB" Installed-Size)"
depends="$(dpkg-deb -f "$DEB" Depends)"
say "$(basename "$DEB"): ${size_kib} KiB, installed ${installed_kib} KiB; Depends: $depends"
summary+=("package: $(basename "$DEB") ${size_kib} KiB (installed ${installed_kib} KiB)")
for lib in libpqxx libsodium libsqlite3 libsystemd libpoco libstdc++ libc6; do
  check "Depends names $lib (computed by dpkg-shlibdeps)" grep -q "$lib" <<<"$depends"
done
dpkg-deb --ctrl-tarfile "$DEB" | tar -xO ./conffiles >"$WORK/conffiles"
check "/etc/rsolv/rsolv.env is a conffile" grep -qx /etc/rsolv/rsolv.env "$WORK/conffiles"
dpkg-deb -c "$DEB" >"$WORK/contents"
for f in ./usr/bin/rsolv ./usr/bin/rsolv-admin ./lib/systemd/system/rsolv.service ./lib/systemd/system/rsolv-worker@.service \
         ./usr/share/rsolv/nginx/rsolv.conf ./etc/rsolv/rsolv.env; do
  check "the package holds $f" grep -q " $f\$" "$WORK/contents"
done

# --- 2. install ---------------------------------------------------------------------------------------------------
if dpkg-query -W -f='${Status}' rsolv 2>/dev/null | grep -Eq ' (installed|config-files)$'; then
  say "removing an rsolv package left by an earlier run"
  $SUDO dpkg --purge rsolv >/dev/null
fi
say "installing with dpkg -i"
$SUDO env DEBIAN_FRONTEND=noninteractive dpkg -i "$DEB" >"$WORK/dpkg.log" 2>&1 || { cat "$WORK/dpkg.log" >&2; fail "dpkg -i"; }
check "the rsolv system user exists" bash -c "getent passwd rsolv >/dev/null"
check "rsolv.env is root:rsolv 0640" test "$(stat -c '%U:%G %a' /etc/rsolv/rsolv.env)" = "root:rsolv 640"
check "secret.env was generated, root:rsolv 0640" test "$(stat -c '%U:%G %a' /etc/rsolv/secret.env)" = "root:rsolv 640"
check "the secret is 64 hex digits" grep -Eq '^RSOLV_SECRET_KEY=[0-9a-f]{64}$' /etc/rsolv/secret.env
check "/var/lib/rsolv is rsolv's, 0700" test "$(stat -c '%U %a' /var/lib/rsolv)" = "rsolv 700"
check "/usr/bin/rsolv runs" /usr/bin/rsolv --help >/dev/null

# --- 3. the units ---------------------------------------------------------------------------------------------------
cp /lib/systemd/system/rsolv-worker@.service "$WORK/rsolv-worker@1.service"
for unit in /lib/systemd/system/rsolv.service "$WORK/rsolv-worker@1.service"; do
  out="$(systemd-analyze verify "$unit" 2>&1 || echo "exit status $?")"
  [ -z "$out" ] || { echo "$out" >&2; fail "systemd-analyze verify $(basename "$unit")"; }
  say "ok: systemd-analyze verify $(basename "$unit") is clean"
done
for unit in /lib/systemd/system/rsolv.service "$WORK/rsolv-worker@1.service"; do
  score="$(systemd-analyze security --offline=true --no-pager "$unit" 2>/dev/null | grep -o 'Overall exposure level.*' || true)"
  [ -n "$score" ] || fail "systemd-analyze security gave no score for $(basename "$unit")"
  say "$(basename "$unit"): $score"
  summary+=("$(basename "$unit"): ${score#Overall exposure level for * }")
done

# --- 4. the installed binary with the installed configuration ---------------------------------------------------
RSOLV_PORT="$(free_port)"
start_rsolv() {  # start_rsolv [VAR=VALUE...]: /usr/bin/rsolv serve as systemd would start it, plus overrides
  rm -f "$WORK/notify.sock" "$WORK/notify.log"
  "$PY" - "$WORK/notify.sock" "$WORK/notify.log" <<'PYEOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        log.write(s.recv(4096).decode().replace("\n", " ") + "\n")
PYEOF
  NOTIFY_PID=$!
  for _ in $(seq 50); do [ -S "$WORK/notify.sock" ] && break; sleep 0.1; done
  # EnvironmentFile= semantics for these files: KEY=VALUE lines, comments, no quoting.
  local env_args=()
  while IFS= read -r line; do env_args+=("$line"); done < <(grep -hE '^[A-Z0-9_]+=' /etc/rsolv/rsolv.env /etc/rsolv/secret.env)
  (cd /var/lib/rsolv && exec env -i PATH=/usr/bin:/bin NOTIFY_SOCKET="$WORK/notify.sock" "${env_args[@]}" \
      RSOLV_LISTEN="127.0.0.1:$RSOLV_PORT" RSOLV_METRICS_LISTEN="127.0.0.1:$(free_port)" "$@" \
      setpriv --reuid=rsolv --regid=rsolv --init-groups /usr/bin/rsolv serve) >>"$WORK/rsolv.log" 2>&1 &
  RSOLV_PID=$!
  local i
  for i in $(seq 300); do
    grep -q "READY=1" "$WORK/notify.log" 2>/dev/null && break
    kill -0 "$RSOLV_PID" 2>/dev/null || fail "rsolv exited before it was ready"
    sleep 0.1
  done
  grep -q "READY=1" "$WORK/notify.log" || fail "rsolv never told NOTIFY_SOCKET it was ready"
  # Ready means ready: the very first request after READY=1 must succeed.
  check "/readyz answers 200 as soon as READY=1 arrives" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$RSOLV_PORT/readyz")" = 200
}
stop_rsolv() {
  kill -TERM "$RSOLV_PID"
  local rc=0; wait "$RSOLV_PID" || rc=$?
  RSOLV_PID=""
  check "rsolv exits 0 on SIGTERM" test "$rc" -eq 0
  check "rsolv told NOTIFY_SOCKET it was stopping" grep -q "STOPPING=1" "$WORK/notify.log"
  kill "$NOTIFY_PID" 2>/dev/null || true; wait "$NOTIFY_PID" 2>/dev/null || true; NOTIFY_PID=""
}

say "starting the installed binary with the installed configuration"
start_rsolv
check "the fresh database is in /var/lib/rsolv, owned by rsolv" test "$(stat -c %U /var/lib/rsolv/rsolv.db)" = rsolv
stop_rsolv

# --- 5. nginx with the shipped configuration ------------------------------------------------------------------------
TLS_PORT="$(free_port)"; HTTP_PORT="$(free_port)"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -addext subjectAltName=DNS:localhost \
  -keyout "$WORK/tls.key" -out "$WORK/tls.crt" >/dev/null 2>&1 || fail "openssl could not make a certificate"
site="$WORK/site.conf"
sed -e "s|^\(\s*\)listen 443 ssl http2;|\1listen 127.0.0.1:$TLS_PORT ssl http2;|" \
    -e "s|^\(\s*\)listen 80;|\1listen 127.0.0.1:$HTTP_PORT;|" \
    -e '/listen \[::\]/d' \
    -e "s|server 127.0.0.1:4000;|server 127.0.0.1:$RSOLV_PORT;|" \
    -e "s|/etc/ssl/certs/ssl-cert-snakeoil.pem|$WORK/tls.crt|" \
    -e "s|/etc/ssl/private/ssl-cert-snakeoil.key|$WORK/tls.key|" \
    /usr/share/rsolv/nginx/rsolv.conf >"$site"
for expected in "listen 127.0.0.1:$TLS_PORT ssl" "listen 127.0.0.1:$HTTP_PORT;" "server 127.0.0.1:$RSOLV_PORT;" "$WORK/tls.crt"; do
  check "the shipped nginx configuration has the line this test adapts ($expected)" grep -qF "$expected" "$site"
done
mkdir -p "$WORK/nginx-temp"
cat >"$WORK/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 256; }
http {
    access_log $WORK/nginx-access.log;
    client_body_temp_path $WORK/nginx-temp/body;
    proxy_temp_path $WORK/nginx-temp/proxy;
    fastcgi_temp_path $WORK/nginx-temp/fastcgi;
    uwsgi_temp_path $WORK/nginx-temp/uwsgi;
    scgi_temp_path $WORK/nginx-temp/scgi;
    include $site;
}
EOF
check "nginx -t accepts the shipped configuration" nginx -q -t -c "$WORK/nginx.conf" -p "$WORK"
nginx -c "$WORK/nginx.conf" -p "$WORK" &
NGINX_PID=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$TLS_PORT") 2>/dev/null && break; sleep 0.1; done

say "restarting rsolv behind nginx, public URL https://localhost:$TLS_PORT"
start_rsolv RSOLV_PUBLIC_URL="https://localhost:$TLS_PORT" RSOLV_MAIL_URL="file:/var/lib/rsolv/mail" \
            RSOLV_FORM_MIN_FILL_SECONDS=0
result="$("$PY" "$ROOT/tests/package/signup_through_proxy.py" localhost "$TLS_PORT" "$WORK/tls.crt" 127.0.0.5 \
          ada@example.com)"
say "signup through nginx: $result"
field() { "$PY" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$result" "$1"; }
check "the signup through nginx answers 303" test "$(field signup_status)" = 303
check "it leads to the public URL's /welcome" test "$(field location)" = "https://localhost:$TLS_PORT/welcome"
check "the welcome page shows the key" test "$(field welcome_status) $(field key_shown)" = "200 True"
check "behind https the session cookie is __Host- prefixed" grep -q "__Host-" <<<"$(field cookie_names)"
ips="$(sqlite3 /var/lib/rsolv/rsolv.db \
  "SELECT DISTINCT json_extract(details, '$.ip') FROM provisioning_events WHERE json_extract(details, '$.ip') IS NOT NULL")"
say "client addresses in provisioning_events: $(tr '\n' ' ' <<<"$ips")"
check "the provisioning events name the client (127.0.0.5)" grep -qx 127.0.0.5 <<<"$ips"
check "and neither nginx (127.0.0.1) nor the forged 203.0.113.9" test "$(grep -cvx 127.0.0.5 <<<"$ips" || true)" = 0
check "/metrics is not served through nginx" \
  test "$(curl -s --cacert "$WORK/tls.crt" -o /dev/null -w '%{http_code}' "https://localhost:$TLS_PORT/metrics")" = 404
check "a body over 64 KiB stops at nginx with 413" test "$(head -c 100000 /dev/zero | curl -s --cacert "$WORK/tls.crt" \
  -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @- "https://localhost:$TLS_PORT/api/v1/fix-attempts")" = 413
check "plain http redirects to https" \
  test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: localhost' "http://127.0.0.1:$HTTP_PORT/signup")" = 301
stop_rsolv
kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=""

# rsolv-admin runs `rsolv admin` with the installed configuration, as the rsolv user.
check "rsolv-admin adds the first operator" $SUDO rsolv-admin operators add ops@example.com --role admin --reason "package test"
check "rsolv-admin finds the customer who signed up through nginx" \
  bash -c "$SUDO rsolv-admin customers list --query ada@example.com --json | grep -q ada@example.com"
summary+=("signup through nginx over TLS: 303, client 127.0.0.5 recorded")

# --- 6. upgrade, remove, purge ----------------------------------------------------------------------------------------
echo "# edited by package-test" | $SUDO tee -a /etc/rsolv/rsolv.env >/dev/null
secret_before="$(sha256sum /etc/rsolv/secret.env)"
$SUDO env DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold "$DEB" >"$WORK/dpkg.log" 2>&1 || fail "reinstalling"
check "reinstalling keeps the edited configuration" grep -q "edited by package-test" /etc/rsolv/rsolv.env
check "reinstalling keeps the secret" test "$(sha256sum /etc/rsolv/secret.env)" = "$secret_before"
$SUDO dpkg -r rsolv >/dev/null 2>&1 || fail "dpkg -r"
check "removal keeps the database" test -f /var/lib/rsolv/rsolv.db
check "removal keeps the configuration" test -f /etc/rsolv/rsolv.env -a -f /etc/rsolv/secret.env
check "removal removes the binary" test ! -e /usr/bin/rsolv
$SUDO dpkg --purge rsolv >/dev/null 2>&1 || fail "dpkg --purge"
check "purge removes the data" test ! -e /var/lib/rsolv
check "purge removes the configuration" test ! -e /etc/rsolv

echo "package-test: summary"
for line in "${summary[@]}"; do echo "  $line"; done
echo "package-test: PASSED"
