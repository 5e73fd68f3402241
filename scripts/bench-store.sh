#!/usr/bin/env bash
# Store benchmark (prints figures; it is not a test and never fails on slowness).
# Seeds 20,000 clients x 24 months on SQLite and on a throw-away PostgreSQL cluster and
# prints p50/p95 of the process list, the dashboard counts and an approval through the
# store beside the same SQL sent straight through the driver. Targets: SQLite list p95
# under 20 ms and store/driver p95 ratio at most 2. About 3 minutes for both backends.
#   scripts/bench-store.sh [--backend sqlite|postgres|both] [--clients N] [--months N]
#                          [--iterations N] [...]   (all options: bench_store --help)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

ARGS=("$@")
BACKEND=""
for ((i = 0; i < ${#ARGS[@]}; i++)); do
  [ "${ARGS[$i]}" = --backend ] && BACKEND="${ARGS[$((i + 1))]:-}"
done
if [ -z "$BACKEND" ]; then
  BACKEND=both
  ARGS=(--backend both "${ARGS[@]}")
fi

cargo build --release --quiet -p brm-store --example bench_store

if [ "$BACKEND" != sqlite ]; then
  eval "$(scripts/pg-test-cluster.sh start)"
  trap 'scripts/pg-test-cluster.sh stop "$BRM_PG_DIR"' EXIT
fi
target/release/examples/bench_store "${ARGS[@]}"
