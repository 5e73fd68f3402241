#!/usr/bin/env bash
# PostgreSQL connection set-up with TLS (verify-full, the office CA) beside the same
# connection without TLS, on the throw-away TLS cluster (pg-test-cluster.sh start-tls).
# Prints figures; it is not a test and never fails on slowness.
#   scripts/bench-pg-tls.sh [N]   (N fresh connections per mode, default 200)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
cargo build --release --quiet -p brm-store --example bench_pg_tls
eval "$(scripts/pg-test-cluster.sh start-tls)"
trap 'scripts/pg-test-cluster.sh stop "$BRM_PG_TLS_DIR"' EXIT
target/release/examples/bench_pg_tls "${1:-200}"
