#!/usr/bin/env bash
# A throw-away SMTP server for the e-mail tests (scripts/smtp-test-server.py, Debian's
# python3-aiosmtpd): on loopback only, with its certificates, pid, log and received mail in
# its own folder.
#   eval "$(scripts/smtp-test-server.sh start)"   exports BRM_SMTP_HOST (127.0.0.1),
#     BRM_SMTP_PORT (STARTTLS, required before AUTH), BRM_SMTP_TLS_PORT (implicit TLS),
#     BRM_SMTP_USER, BRM_SMTP_PASSWORD, BRM_SMTP_CA (the authority that signed the server's
#     certificate for 127.0.0.1 and localhost), BRM_SMTP_OTHER_CA (one that signed nothing
#     of it) and BRM_SMTP_DIR (the folder)
#   scripts/smtp-test-server.sh stop DIR     end the server and remove its folder
#   scripts/smtp-test-server.sh pause DIR    end the server, keep the folder (ports closed)
#   scripts/smtp-test-server.sh resume DIR   start it again on the same ports and folder
# In DIR: mail/ holds every accepted message as one .eml (sorted by arrival); a file
# `reject` (addresses, one a line) makes RCPT to them get 550; while a file `down` exists
# every connection is greeted with 421 and closed.
# BRM_SMTP_USER and BRM_SMTP_PASSWORD, when set at `start`, are the accepted login.
# BRM_SMTP_OWNER_PID, when set at `start`: the server ends and removes its folder once that
# process is gone (a test binary that starts its own server).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON=/usr/bin/python3

free_port() {
  "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# True when the pid file names a live process.
running() {
  [ -f "$1/server.pid" ] && kill -0 "$(cat "$1/server.pid")" 2>/dev/null
}

# True when the port greets (220, or 421 while `down`): the server is listening.
greets() {
  "$PYTHON" - "$1" <<'EOF' >/dev/null 2>&1
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as s:
    s.settimeout(2)
    line = s.makefile("rb").readline()
    sys.exit(0 if line[:3] in (b"220", b"421") else 1)
EOF
}

# Starts the server of DIR (its settings in DIR/server.env) and waits for both ports.
launch() {
  local dir="$1"
  # shellcheck disable=SC1091
  . "$dir/server.env"
  BRM_SMTP_USER="$BRM_SMTP_USER" BRM_SMTP_PASSWORD="$BRM_SMTP_PASSWORD" \
    setsid "$PYTHON" "$HERE/smtp-test-server.py" --dir "$dir" --port "$BRM_SMTP_PORT" \
    --tls-port "$BRM_SMTP_TLS_PORT" --cert "$dir/tls/server.crt" --key "$dir/tls/server.key" \
    --owner-pid "$BRM_SMTP_OWNER_PID" \
    >>"$dir/server.log" 2>&1 </dev/null &
  echo $! >"$dir/server.pid"
  for _ in $(seq 1 100); do
    if greets "$BRM_SMTP_PORT" && "$PYTHON" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2).close()' "$BRM_SMTP_TLS_PORT" 2>/dev/null; then
      return 0
    fi
    if ! running "$dir"; then
      echo "O servidor SMTP de teste terminou ao iniciar. Log em $dir/server.log:" >&2
      tail -n 20 "$dir/server.log" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  echo "O servidor SMTP de teste não respondeu em 10 s. Log em $dir/server.log." >&2
  return 1
}

# Ends the server of DIR and waits until its process (and so its ports) is gone.
halt() {
  local dir="$1" pid
  if running "$dir"; then
    pid="$(cat "$dir/server.pid")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/server.pid"
}

case "${1:-}" in
  start)
    "$PYTHON" -c 'import aiosmtpd' 2>/dev/null || {
      echo "Falta o módulo aiosmtpd do python3 do sistema: instale o pacote Debian python3-aiosmtpd." >&2
      exit 1
    }
    DIR="$(mktemp -d /tmp/brm-smtp-XXXXXX)"
    mkdir -p "$DIR/tls" "$DIR/mail"
    T="$DIR/tls"
    {
      openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=BRM SMTP teste AC" \
        -keyout "$T/ca.key" -out "$T/ca.crt"
      openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Outra AC" \
        -keyout "$T/other-ca.key" -out "$T/other-ca.crt"
      openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$T/server.key" -out "$T/server.csr"
      printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$T/ext"
      openssl x509 -req -in "$T/server.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" \
        -CAcreateserial -days 3650 -extfile "$T/ext" -out "$T/server.crt"
    } >"$DIR/openssl.log" 2>&1 || { cat "$DIR/openssl.log" >&2; rm -rf "$DIR"; exit 1; }
    PORT="$(free_port)"
    TLS_PORT="$(free_port)"
    while [ "$TLS_PORT" = "$PORT" ]; do TLS_PORT="$(free_port)"; done
    cat >"$DIR/server.env" <<ENV
BRM_SMTP_PORT=$PORT
BRM_SMTP_TLS_PORT=$TLS_PORT
BRM_SMTP_USER='${BRM_SMTP_USER:-remetente@brm-teste.localhost}'
BRM_SMTP_PASSWORD='${BRM_SMTP_PASSWORD:-senha-smtp-de-teste}'
BRM_SMTP_OWNER_PID=${BRM_SMTP_OWNER_PID:-0}
ENV
    launch "$DIR" || { halt "$DIR"; rm -rf "$DIR"; exit 1; }
    # shellcheck disable=SC1091
    . "$DIR/server.env"
    echo "export BRM_SMTP_DIR='$DIR' BRM_SMTP_HOST=127.0.0.1 BRM_SMTP_PORT=$PORT BRM_SMTP_TLS_PORT=$TLS_PORT BRM_SMTP_USER='$BRM_SMTP_USER' BRM_SMTP_PASSWORD='$BRM_SMTP_PASSWORD' BRM_SMTP_CA='$T/ca.crt' BRM_SMTP_OTHER_CA='$T/other-ca.crt'"
    ;;
  stop)
    DIR="${2:?pasta do servidor SMTP de teste}"
    halt "$DIR"
    rm -rf "$DIR"
    ;;
  pause)
    DIR="${2:?pasta do servidor SMTP de teste}"
    halt "$DIR"
    ;;
  resume)
    DIR="${2:?pasta do servidor SMTP de teste}"
    running "$DIR" && exit 0
    launch "$DIR" || { halt "$DIR"; exit 1; }
    ;;
  *)
    echo "uso: $0 start | stop DIR | pause DIR | resume DIR" >&2
    exit 2
    ;;
esac
