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
TEST_PACKAGES=(xvfb webkit2gtk-driver dbus-x11 at-spi2-core python3 python3-dbusmock gnome-keyring
  postgresql
  # e2e/tests/diagnostics.test.js reads "Copiar diagnóstico" back from the X clipboard.
  xclip
  # scripts/check-bundles.sh: opens the .rpm, validates the desktop entry, and puts
  # check-jsonschema (PyPI) in a venv.
  rpm cpio desktop-file-utils python3-venv)

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

ensure_node() {
  if ! command -v node >/dev/null 2>&1; then
    apt_install_missing nodejs npm
  fi
  # Vite 8 needs Node.js 20.19 or newer.
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    echo "Node.js $(node --version) é antigo demais: instale o Node.js 20.19 ou mais novo e rode de novo." >&2
    exit 1
  fi
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
  apt_install_missing "${APP_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
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
