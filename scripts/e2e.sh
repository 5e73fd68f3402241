#!/usr/bin/env bash
# End-to-end suite: drives the built application in WebKit through tauri-driver and
# WebKitWebDriver. Starts Xvfb and a D-Bus session when there is none, and points HOME
# and XDG_* at a throw-away folder so the run never touches a real user's data.
# Usage: scripts/e2e.sh [path/to/brm-desk]   (default: target/debug/brm-desk)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$(realpath "${1:-$ROOT/target/debug/brm-desk}")"
DRIVER="$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")"

OUT="$ROOT/test-output/e2e"
rm -rf "$OUT"
mkdir -p "$OUT"
TMP="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

if [ -z "${DISPLAY:-}" ]; then
  n=99
  while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
  Xvfb ":$n" -screen 0 1280x900x24 -nolisten tcp >"$OUT/xvfb.log" 2>&1 &
  pids+=($!)
  export DISPLAY=":$n"
  for _ in $(seq 1 50); do [ -e "/tmp/.X11-unix/X$n" ] && break; sleep 0.1; done
fi

# A D-Bus session bus of our own when none is running (CI has none); started after
# DISPLAY and HOME are set so that what it activates sees the test's display and folders.
mkdir -p "$TMP"/{home,data,config,cache,runtime}
chmod 700 "$TMP/runtime"
export HOME="$TMP/home" XDG_DATA_HOME="$TMP/data" XDG_CONFIG_HOME="$TMP/config" \
  XDG_CACHE_HOME="$TMP/cache" XDG_RUNTIME_DIR="$TMP/runtime"
unset BRM_DATABASE_URL
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  eval "$(dbus-launch --sh-syntax)"
  pids+=("$DBUS_SESSION_BUS_PID")
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT="$(free_port)"
NATIVE_PORT="$(free_port)"

"$DRIVER" --port "$PORT" --native-port "$NATIVE_PORT" >"$OUT/tauri-driver.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done

cd "$ROOT/e2e"
BRM_APP_BINARY="$BIN" BRM_WEBDRIVER_URL="http://127.0.0.1:$PORT/" BRM_TEST_OUTPUT="$OUT" \
  node --test --test-concurrency=1 --test-reporter=spec tests/
echo "Capturas de tela: $OUT"
