#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests, never the system one: its own folder,
# port and socket, trust authentication on loopback only.
#   eval "$(scripts/pg-test-cluster.sh start)"   exports BRM_TEST_POSTGRES_URL and BRM_PG_DIR
#   scripts/pg-test-cluster.sh stop "$BRM_PG_DIR"
#   scripts/pg-test-cluster.sh pause DIR / resume DIR   stop the server and start it again
#     on the same folder and port (the outage tests: the database goes away and comes back)
#   eval "$(scripts/pg-test-cluster.sh start-tls)"   a second cluster that speaks TLS, with
#     a certificate authority and a server certificate for "localhost" made here by
#     openssl, SCRAM passwords on TCP; exports BRM_TEST_POSTGRES_TLS_URL (role brm_tls,
#     owner of its database brm, host localhost, no sslmode: each test picks its own), BRM_PG_TLS_DIR, and
#     BRM_TEST_PG_CA / BRM_TEST_PG_OTHER_CA (an authority that signed nothing of it).
#     The plain cluster of `start` is the "server without TLS".
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
  start-tls)
    DIR="$(mktemp -d /tmp/brm-pg-tls-XXXXXX)"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$DIR"
    PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    as_pg "$BIN/initdb" -D "$DIR/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; exit 1; }
    CA="$DIR/ca"; mkdir -p "$CA"
    {
      openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=BRM teste AC" \
        -keyout "$CA/ca.key" -out "$CA/ca.crt"
      openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Outra AC" \
        -keyout "$CA/other-ca.key" -out "$CA/other-ca.crt"
      openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
        -keyout "$DIR/data/server.key" -out "$CA/server.csr"
      printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$CA/ext"
      openssl x509 -req -in "$CA/server.csr" -CA "$CA/ca.crt" -CAkey "$CA/ca.key" \
        -CAcreateserial -days 3650 -extfile "$CA/ext" -out "$DIR/data/server.crt"
    } >"$DIR/openssl.log" 2>&1 || { cat "$DIR/openssl.log" >&2; exit 1; }
    [ "$(id -u)" -eq 0 ] && chown postgres: "$DIR/data/server.key" "$DIR/data/server.crt"
    chmod 600 "$DIR/data/server.key"
    # Superuser over the socket only; TCP needs a password, with or without TLS (plain
    # TCP stays open so the same server can be timed both ways).
    cat >"$DIR/data/pg_hba.conf" <<HBA
local   all all                  trust
hostssl all all 127.0.0.1/32     scram-sha-256
host    all all 127.0.0.1/32     scram-sha-256
HBA
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
      -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on" start >/dev/null \
      || { cat "$DIR/server.log" >&2; exit 1; }
    as_pg psql -q -h "$DIR" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 \
      -c "CREATE ROLE brm_tls LOGIN PASSWORD 'senha-tls-de-teste'" -c "CREATE DATABASE brm OWNER brm_tls" \
      -c "CREATE ROLE brm_dono LOGIN CREATEROLE CREATEDB PASSWORD 'senha-dono-de-teste'" \
      -c "GRANT pg_signal_backend TO brm_dono" -c "CREATE DATABASE brm_compartilhado OWNER brm_dono" >/dev/null
    # brm_dono: the shared database's owner as the README has the database administrator
    # make it (CREATEROLE, pg_signal_backend), plus CREATEDB so each test prepares a
    # database of its own (the README's owner does not need it).
    echo "export BRM_PG_TLS_DIR='$DIR' BRM_TEST_PG_CA='$CA/ca.crt' BRM_TEST_PG_OTHER_CA='$CA/other-ca.crt' BRM_TEST_POSTGRES_TLS_URL='postgres://brm_tls:senha-tls-de-teste@localhost:$PORT/brm' BRM_TEST_PG_OWNER_URL='postgres://brm_dono:senha-dono-de-teste@localhost:$PORT/brm_compartilhado'"
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
    echo "uso: $0 start | start-tls | stop DIR | pause DIR | resume DIR" >&2
    exit 2
    ;;
esac
