#!/usr/bin/env bash
# Benchmark of the background worker's poll cycle with 1,000 jobs in flight (issue 4).
# The simulator runs as its own process so that the CPU figures are the worker's only.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet -p brm-simulator --bin brm-simulator
cargo run --quiet -p brm-worker --example bench_poll -- target/debug/brm-simulator
