#!/usr/bin/env bash
# End-to-end suite: drives the built application in WebKit through tauri-driver and
# WebKitWebDriver. Starts Xvfb when there is no display. Every test file runs in a world
# of its own: HOME and XDG_* point at a fresh throw-away folder (each file starts at the
# first-run screen and never touches a real user's data), inside a private D-Bus session
# with an unlocked GNOME Keyring (scripts/with-keyring.sh), because the app seals the
# client portal passwords under a key kept in the OS keyring (Secret Service). A
# tauri-driver of its own per file, since the app inherits the driver's environment.
# Usage: scripts/e2e.sh [path/to/brm-desk] [e2e/tests/x.test.js ...]
#   (default: target/debug/brm-desk and every e2e/tests/*.test.js; screenshots in
#   test-output/e2e, or in BRM_E2E_OUT)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# One test file, inside the keyring's D-Bus session (re-entered through with-keyring.sh).
run_one() {
  local file="$1" port native_port driver_pid rc=0
  port="$(free_port)"
  native_port="$(free_port)"
  "$BRM_E2E_DRIVER" --port "$port" --native-port "$native_port" >"$BRM_TEST_OUTPUT/tauri-driver.log" 2>&1 &
  driver_pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  cd "$ROOT/e2e"
  BRM_WEBDRIVER_URL="http://127.0.0.1:$port/" \
    node --test --test-concurrency=1 --test-reporter=spec "$file" || rc=$?
  kill "$driver_pid" 2>/dev/null || true
  wait "$driver_pid" 2>/dev/null || true
  return "$rc"
}

if [ -n "${BRM_E2E_FILE:-}" ]; then
  run_one "$BRM_E2E_FILE"
  exit $?
fi

BIN="$(realpath "${1:-$ROOT/target/debug/brm-desk}")"
[ $# -gt 0 ] && shift
FILES=()
if [ $# -gt 0 ]; then
  for f in "$@"; do FILES+=("$(realpath "$f")"); done
else
  for f in "$ROOT"/e2e/tests/*.test.js; do FILES+=("$f"); done
fi
DRIVER="$(command -v tauri-driver || echo "$HOME/.cargo/bin/tauri-driver")"

OUT="${BRM_E2E_OUT:-$ROOT/test-output/e2e}" # scripts/test.sh's package stage keeps its own
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
unset BRM_DATABASE_URL
# The bundled robot simulator, quick enough for a test and slow enough that the first
# screens still see the processes waiting: polls every 3 s, jobs of 10-12 s.
export BRM_WORKER_POLL_SECS=3 BRM_SIM_JOB_SECS=10,12

failed=()
for file in "${FILES[@]}"; do
  name="$(basename "$file" .test.js)"
  dir="$TMP/$name"
  mkdir -p "$dir"/{home,data,config,cache,runtime} "$OUT/$name"
  chmod 700 "$dir/runtime"
  # BRM_KEYRING_KEEP_DIRS: the keyring file goes to this file's XDG_DATA_HOME.
  if ! (
    export HOME="$dir/home" XDG_DATA_HOME="$dir/data" XDG_CONFIG_HOME="$dir/config" \
      XDG_CACHE_HOME="$dir/cache" XDG_RUNTIME_DIR="$dir/runtime"
    BRM_KEYRING_KEEP_DIRS=1 BRM_E2E_FILE="$file" BRM_E2E_DRIVER="$DRIVER" \
      BRM_APP_BINARY="$BIN" BRM_TEST_OUTPUT="$OUT/$name" \
      "$ROOT/scripts/with-keyring.sh" "$ROOT/scripts/e2e.sh"
  ); then
    failed+=("$name")
    # What the app and WebKit said last (warnings, errors, a crashed web process): the
    # report of a failed run shows it, not only the test's own message.
    echo "--- $name: últimas linhas do aplicativo (tauri-driver.log) ---" >&2
    sed 's/\x1b\[[0-9;]*m//g' "$OUT/$name/tauri-driver.log" | grep -avE ' (INFO|DEBUG|TRACE) |GetCapabilities' | tail -n 40 >&2 || true
  fi
done
echo "Capturas de tela: $OUT"
if [ ${#failed[@]} -gt 0 ]; then
  echo "Falharam: ${failed[*]}" >&2
  exit 1
fi
