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
  # Started from the file's output folder with core dumps on: a crashed WebKit web
  # process leaves its core there, and a failed file prints its backtrace below.
  (
    cd "$BRM_TEST_OUTPUT"
    ulimit -c unlimited 2>/dev/null || true
    exec "$BRM_E2E_DRIVER" --port "$port" --native-port "$native_port" >"$BRM_TEST_OUTPUT/tauri-driver.log" 2>&1
  ) &
  driver_pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  cd "$ROOT/e2e"
  # The report also goes to node.log: a failed file's summary is printed again at the
  # very end of the suite, where a CI log cut to its last lines still shows it.
  # A file that hangs (seen once: WebKit's web process crashed, the session died, and the
  # next start of the app waited for a window forever) is stopped after
  # BRM_E2E_FILE_TIMEOUT seconds (default 480; the longest file takes about 150): it
  # then fails like any other, and a crashed web process gets its one retry below.
  BRM_WEBDRIVER_URL="http://127.0.0.1:$port/" \
    timeout --kill-after=15 "${BRM_E2E_FILE_TIMEOUT:-480}" \
    node --test --test-concurrency=1 --test-reporter=spec "$file" 2>&1 | tee "$BRM_TEST_OUTPUT/node.log" || rc=$?
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo "--- $(basename "$file"): parado depois de ${BRM_E2E_FILE_TIMEOUT:-480} s sem terminar ---" | tee -a "$BRM_TEST_OUTPUT/node.log" >&2
  fi
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

# One test file in a world of its own: fresh HOME and XDG_* folders, its own D-Bus
# session and keyring, its screenshots and the app's log in $OUT/<name>. Attempt N gets
# folders of its own.
run_file() {
  local file="$1" name="$2" dir="$TMP/$2-$3" ok=0 core exe
  mkdir -p "$dir"/{home,data,config,cache,runtime} "$OUT/$name"
  chmod 700 "$dir/runtime"
  # BRM_KEYRING_KEEP_DIRS: the keyring file goes to this file's XDG_DATA_HOME.
  if (
    export HOME="$dir/home" XDG_DATA_HOME="$dir/data" XDG_CONFIG_HOME="$dir/config" \
      XDG_CACHE_HOME="$dir/cache" XDG_RUNTIME_DIR="$dir/runtime"
    # A file may set the app's environment for itself: lines "// e2e-env: NAME=VALUE" at
    # its top (invoice-identity.test.js gives the bundled robot a fault this way).
    while IFS= read -r kv; do export "$kv"; done < <(sed -n 's#^// e2e-env: ##p' "$file")
    BRM_KEYRING_KEEP_DIRS=1 BRM_E2E_FILE="$file" BRM_E2E_DRIVER="$DRIVER" \
      BRM_APP_BINARY="$BIN" BRM_TEST_OUTPUT="$OUT/$name" \
      "$ROOT/scripts/with-keyring.sh" "$ROOT/scripts/e2e.sh"
  ); then
    ok=1
  fi
  # A process that crashed (WebKit's web process, the app) left a core in the output
  # folder: its backtrace goes to the report, the core (hundreds of MB) away.
  for core in "$OUT/$name"/core*; do
    [ -f "$core" ] || continue
    if ! command -v gdb >/dev/null; then
      echo "--- $name: um processo caiu e deixou $core (sem gdb para ler a pilha) ---" >&2
      continue
    fi
    exe="$(gdb -batch -q -c "$core" 2>/dev/null | sed -n "s/^Core was generated by \`\([^ ']*\).*/\1/p")"
    echo "--- $name: $exe caiu (core); pilha do thread que caiu ---" >&2
    timeout 180 gdb -batch -q -ex "bt 40" "$exe" "$core" 2>&1 | grep -E '^#|signal' >&2 || true
    rm -f "$core"
  done
  if [ "$ok" = 0 ]; then
    # What the app and WebKit said last (warnings, errors, a crashed web process): the
    # report of a failed run shows it, not only the test's own message.
    echo "--- $name: últimas linhas do aplicativo (tauri-driver.log) ---" >&2
    sed 's/\x1b\[[0-9;]*m//g' "$OUT/$name/tauri-driver.log" | grep -avE ' (INFO|DEBUG|TRACE) |GetCapabilities' | tail -n 40 >&2 || true
  fi
  [ "$ok" = 1 ]
}

# WebKit's web process crashed during the run (the app logs it, desktop/web_process.rs).
# The app survives that (it loads the page again), but WebKitWebDriver ends the session
# with the page, so the file cannot go on. Seen here once in about fifteen runs of the
# longest file (WebKitGTK 2.50.6); the file then runs again once, from zero, and the
# report says so. web-process.test.js crashes it on purpose: no retry. notifications.test.js
# crashes it on purpose in its last step; a failure there is retried like any other.
web_process_crashed() {
  [ "$1" != web-process ] &&
    sed 's/\x1b\[[0-9;]*m//g' "$OUT/$1/tauri-driver.log" | grep -aq 'web process ended; loading the page again reason="crashed"'
}

failed=()
retried=()
for file in "${FILES[@]}"; do
  name="$(basename "$file" .test.js)"
  run_file "$file" "$name" 1 && continue
  if web_process_crashed "$name"; then
    echo "--- $name: o processo web do WebKit caiu; o arquivo roda de novo, uma vez, do zero (a primeira tentativa fica em $OUT/$name-tentativa-1) ---" >&2
    retried+=("$name")
    mv "$OUT/$name" "$OUT/$name-tentativa-1"
    run_file "$file" "$name" 2 && continue
  fi
  failed+=("$name")
done
if [ ${#retried[@]} -gt 0 ]; then
  echo "Repetidos depois de uma queda do processo web do WebKit: ${retried[*]}" >&2
fi
echo "Capturas de tela: $OUT"
if [ ${#failed[@]} -gt 0 ]; then
  # Each failed file again, in short: node's own list of failing tests with their
  # messages (what the window showed, the banner), then the app's last warnings.
  for name in "${failed[@]}"; do
    echo "=== $name: testes que falharam ===" >&2
    sed 's/\x1b\[[0-9;]*m//g' "$OUT/$name/node.log" 2>/dev/null |
      sed -n '/failing tests:/,$p' | grep -av '^ *at ' | head -n 60 >&2 || true
    echo "=== $name: últimas linhas do aplicativo ===" >&2
    sed 's/\x1b\[[0-9;]*m//g' "$OUT/$name/tauri-driver.log" 2>/dev/null |
      grep -avE ' (INFO|DEBUG|TRACE) |GetCapabilities' | tail -n 15 >&2 || true
  done
  echo "Falharam: ${failed[*]}" >&2
  exit 1
fi
