#!/usr/bin/env bash
# An approval through the shared database's function (brm_approve, as the approver's own
# login) beside today's store UPDATE, on 480,000 processes, on the throw-away TLS cluster
# (pg-test-cluster.sh start-tls, whose brm_dono is the owner role the README describes).
# Prints figures; it is not a test and never fails on slowness. About 2 minutes.
#   scripts/bench-shared-approval.sh [N]   (N approvals per path, default 500)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
cargo build --release --quiet -p brm-store --example bench_shared_approval
eval "$(scripts/pg-test-cluster.sh start-tls)"
trap 'scripts/pg-test-cluster.sh stop "$BRM_PG_TLS_DIR"' EXIT
target/release/examples/bench_shared_approval "${1:-500}"
