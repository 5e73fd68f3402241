#!/usr/bin/env bash
# E-mail digest benchmark (issue 21; prints figures, it is not a test and never fails on
# slowness): time from a digest's scheduled minute to the last message accepted by the
# server, with 500 invoices waiting and 10 approvers, on SQLite and on a throw-away
# PostgreSQL cluster, beside the same 10 messages sent straight through brm_mail::Mailer.
# Starts the SMTP test server (and the cluster unless BRM_TEST_POSTGRES_URL is set or
# --sqlite-only is given), builds and runs crates/brm-worker/examples/email_digest_bench.rs,
# and stops what it started. About 1 minute after the build (the release build, fat LTO,
# takes several minutes cold on 2 cores; --profile debug builds faster, runs slower).
#   scripts/bench-email.sh [--profile release|debug] [--sqlite-only] [--runs N]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

PROFILE=release
SQLITE_ONLY=0
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) PROFILE="${2:?--profile release|debug}"; shift 2 ;;
    --sqlite-only) SQLITE_ONLY=1; shift ;;
    --runs) ARGS+=(--runs "${2:?--runs N}"); shift 2 ;;
    *) echo "uso: $0 [--profile release|debug] [--sqlite-only] [--runs N]" >&2; exit 2 ;;
  esac
done

case "$PROFILE" in
  release) cargo build --release --quiet -p brm-worker --example email_digest_bench ;;
  debug) cargo build --quiet -p brm-worker --example email_digest_bench ;;
  *) echo "--profile release ou debug" >&2; exit 2 ;;
esac
BIN="${CARGO_TARGET_DIR:-target}/$PROFILE/examples/email_digest_bench"

SMTP_DIR=""
PG_DIR=""
cleanup() {
  [ -n "$SMTP_DIR" ] && scripts/smtp-test-server.sh stop "$SMTP_DIR" || true
  [ -n "$PG_DIR" ] && scripts/pg-test-cluster.sh stop "$PG_DIR" || true
}
trap cleanup EXIT

# The server ends by itself if this script dies without its trap.
eval "$(BRM_SMTP_OWNER_PID=$$ scripts/smtp-test-server.sh start)"
SMTP_DIR="$BRM_SMTP_DIR"

if [ "$SQLITE_ONLY" = 1 ]; then
  unset BRM_TEST_POSTGRES_URL
elif [ -z "${BRM_TEST_POSTGRES_URL:-}" ]; then
  eval "$(scripts/pg-test-cluster.sh start)"
  PG_DIR="$BRM_PG_DIR"
fi

echo "build: $PROFILE ($BIN)"
"$BIN" "${ARGS[@]}"
