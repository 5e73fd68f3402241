#!/usr/bin/env bash
# A throw-away S3-compatible server for the brm-storage tests: moto in server mode, on
# loopback only, with its pid and log in its own folder. Nothing is kept between runs
# (moto holds buckets in memory).
#   eval "$(scripts/s3-test-server.sh start)"   exports BRM_S3_TEST_ENDPOINT
#   scripts/s3-test-server.sh stop
# Settings: BRM_S3_TEST_PORT (default 9390), BRM_S3_TEST_DIR (default /tmp/brm-s3-test).
# `start` is idempotent: when the server is already up it only prints the export line.
#
#   eval "$(scripts/s3-test-server.sh start-auth)"   a second moto that checks keys and
#     permissions (issue 19: read-only keys for the desktops): it creates a bucket, a
#     writer and a reader (GetObject only) and exports BRM_S3_AUTH_* with their keys.
#   scripts/s3-test-server.sh stop-auth
set -euo pipefail

AUTH=""
case "${1:-}" in
  start-auth | stop-auth) AUTH=1 ;;
esac
if [ -n "$AUTH" ]; then
  PORT="${BRM_S3_AUTH_PORT:-9391}"
  DIR="${BRM_S3_TEST_DIR:-/tmp/brm-s3-test}-auth"
  # moto checks keys from the request after this many: the set-up's own (bucket, two
  # users, their policies and keys) and the first "is it up" probe.
  export INITIAL_NO_AUTH_ACTION_COUNT=8
else
  PORT="${BRM_S3_TEST_PORT:-9390}"
  DIR="${BRM_S3_TEST_DIR:-/tmp/brm-s3-test}"
fi
PIDFILE="$DIR/moto.pid"
LOG="$DIR/moto.log"
ENDPOINT="http://127.0.0.1:$PORT"
PYTHON="${PYTHON:-python3}"
MOTO_VERSION="5.2.1"

# True when the pid file names a live process.
running() {
  [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

# True when something answers HTTP on the port (any status code counts).
answers() {
  "$PYTHON" - "$ENDPOINT" <<'EOF' >/dev/null 2>&1
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1] + "/", timeout=2)
except urllib.error.HTTPError:
    pass
EOF
}

# The auth server's users and keys (made once, right after it starts).
auth_setup() {
  if [ -f "$DIR/keys.env" ]; then
    cat "$DIR/keys.env"
    return 0
  fi
  "$PYTHON" "$(dirname "$0")/s3-read-only-keys.py" "$ENDPOINT" >"$DIR/keys.env"
  cat "$DIR/keys.env"
}

announce() {
  if [ -n "$AUTH" ]; then
    auth_setup
  else
    echo "export BRM_S3_TEST_ENDPOINT=$ENDPOINT"
  fi
}

case "${1:-}" in
  start | start-auth)
    mkdir -p "$DIR"
    if running && answers; then
      announce
      exit 0
    fi
    if answers; then
      echo "A porta $PORT já está em uso por outro processo; defina BRM_S3_TEST_PORT com outra porta." >&2
      exit 1
    fi
    # moto from the Python on PATH when it has it; otherwise in a virtual environment of
    # the project (.tools/moto): Debian's own Python refuses packages installed into it
    # (PEP 668), and a fresh machine has no moto.
    if ! "$PYTHON" -c 'import moto.server, flask, flask_cors' >/dev/null 2>&1; then
      VENV="$(cd "$(dirname "$0")/.." && pwd)/.tools/moto"
      if ! "$VENV/bin/python" -c 'import moto.server, flask, flask_cors' >/dev/null 2>&1; then
        echo "Instalando o moto (servidor S3 de teste) em .tools/moto..." >&2
        rm -rf "$VENV"
        /usr/bin/python3 -m venv "$VENV" >&2
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
      fi
      PYTHON="$VENV/bin/python"
    fi
    # Own session (setsid) so the server outlives this shell and `stop` can end its group.
    setsid "$PYTHON" -m moto.server -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    rm -f "$DIR/keys.env"
    for _ in $(seq 1 150); do
      if answers; then
        announce
        exit 0
      fi
      if ! running; then
        echo "O servidor S3 de teste (moto) terminou ao iniciar. Log em $LOG:" >&2
        tail -n 20 "$LOG" >&2 || true
        rm -f "$PIDFILE"
        exit 1
      fi
      sleep 0.2
    done
    echo "O servidor S3 de teste (moto) não respondeu em 30 s. Log em $LOG." >&2
    exit 1
    ;;
  stop | stop-auth)
    if running; then
      PID="$(cat "$PIDFILE")"
      kill "$PID" 2>/dev/null || true
      for _ in $(seq 1 50); do
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$PID" 2>/dev/null || true
    fi
    rm -f "$PIDFILE" "$DIR/keys.env"
    ;;
  *)
    echo "uso: $0 start | stop | start-auth | stop-auth" >&2
    exit 2
    ;;
esac
