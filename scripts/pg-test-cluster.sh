#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, never the system one: its own folder,
# port and socket, trust authentication on loopback only.
#   eval "$(scripts/pg-test-cluster.sh start)"   exports BRM_TEST_POSTGRES_URL and BRM_PG_DIR
#   scripts/pg-test-cluster.sh stop "$BRM_PG_DIR"
#   scripts/pg-test-cluster.sh pause DIR / resume DIR   stop the server and start it again
#     on the same folder and port (the outage tests: the database goes away and comes back)
set -euo pipefail
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$BIN/initdb" ] || { echo "PostgreSQL não está instalado (initdb não encontrado)." >&2; exit 1; }

# initdb refuses to run as root: run the server as the postgres account when we are root.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    DIR="$(mktemp -d /tmp/brm-pg-XXXXXX)"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$DIR"
    PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    as_pg "$BIN/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; exit 1; }
    # One role must give its password (SCRAM), ahead of the trust lines: the test that
    # searches logs and files for secrets connects as it, so the database password is
    # really sent and checked (crates/brm-worker/tests/no_secrets.rs).
    sed -i '1i host all brm_com_senha 127.0.0.1/32 scram-sha-256' "$DIR/data/pg_hba.conf"
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
      || { cat "$DIR/server.log" >&2; exit 1; }
    echo "export BRM_PG_DIR='$DIR' BRM_TEST_POSTGRES_URL='postgres://postgres@127.0.0.1:$PORT/postgres'"
    ;;
  stop)
    DIR="${2:?pasta do cluster}"
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
  pause)
    DIR="${2:?pasta do cluster}"
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 30 stop >/dev/null
    ;;
  resume)
    DIR="${2:?pasta do cluster}"
    # "restart" on a stopped server starts it with the options it last ran with
    # (postmaster.opts): same port, socket and settings as `start` gave it.
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 restart >/dev/null 2>&1 \
      || { cat "$DIR/server.log" >&2; exit 1; }
    ;;
  *)
    echo "uso: $0 start | stop DIR | pause DIR | resume DIR" >&2
    exit 2
    ;;
esac
