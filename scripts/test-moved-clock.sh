#!/usr/bin/env bash
# Runs a command with the clock moved, for every process it starts (the tests, the app and
# its WebKit processes, the worker, PostgreSQL, the robot simulator): the proof that no
# test depends on today's date. libfaketime (Debian's faketime) shifts the wall clock by a
# fixed offset, so every process agrees on the moved time and it keeps running. Monotonic
# clocks move by the same offset (left alone, libfaketime breaks absolute sleeps such as
# Python's time.sleep with EINVAL). rustc, rustdoc and clippy-driver run with the
# real clock: they hang under libfaketime (its start-up and rustc's jemalloc wait on each
# other), so cargo is handed shims that start them without it (RUSTC, RUSTDOC,
# RUSTC_WRAPPER; a warm target folder stays warm); so is the Tauri CLI that makes the
# packages. Build scripts and test binaries, which cargo starts itself, the app, WebKit
# and everything else run with the moved clock.
#   scripts/test-moved-clock.sh "2027-01-01 00:20:00" [COMMAND ARG...]
#     DATE is UTC; COMMAND defaults to scripts/test.sh. Build first without a moved clock
#     (a warm target folder): the moved run then only runs the tests.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
if [ $# -lt 1 ]; then
  echo "uso: $0 \"AAAA-MM-DD HH:MM:SS\" [COMANDO ARGUMENTOS...]" >&2
  exit 2
fi
WHEN="$1"
shift
[ $# -gt 0 ] || set -- "$ROOT/scripts/test.sh"
apt_install_missing faketime
LIB="$(dpkg -L libfaketime 2>/dev/null | grep -m1 '/libfaketime.so.1$')"
[ -n "$LIB" ] || { echo "libfaketime.so.1 não encontrada (pacote libfaketime)." >&2; exit 1; }
SHIMS="${CARGO_TARGET_DIR:-$ROOT/target}/moved-clock-shims"
SYSROOT_BIN="$(rustc --print sysroot)/bin"
mkdir -p "$SHIMS"
printf '#!/bin/sh\nunset LD_PRELOAD\nexec "$@"\n' >"$SHIMS/real-clock"
for tool in rustc rustdoc; do
  printf '#!/bin/sh\nunset LD_PRELOAD\nexec %s/%s "$@"\n' "$SYSROOT_BIN" "$tool" >"$SHIMS/$tool"
done
chmod +x "$SHIMS"/*
export RUSTC="$SHIMS/rustc" RUSTDOC="$SHIMS/rustdoc" RUSTC_WRAPPER="$SHIMS/real-clock"
# The Tauri CLI (scripts/bundle.sh) too: its native part sleeps for the whole offset.
export BRM_TAURI_CLI_PREFIX="$SHIMS/real-clock"
TARGET_SECS="$(date -u -d "$WHEN" +%s)"
OFFSET=$((TARGET_SECS - $(date -u +%s)))
say "Relógio movido para $(date -u -d "@$TARGET_SECS" '+%Y-%m-%d %H:%M:%S') UTC (deslocamento de $OFFSET s): $*"
export LD_PRELOAD="$LIB${LD_PRELOAD:+:$LD_PRELOAD}"
[ "$OFFSET" -ge 0 ] && OFFSET="+$OFFSET"
export FAKETIME="$OFFSET"
# The test run sees the moved date too (it says so in its output).
date -u '+  agora, para os processos do teste: %Y-%m-%d %H:%M:%S UTC'
exec "$@"
