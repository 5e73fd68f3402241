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
  postgresql)

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

build_ui() {
  say "Gerando a interface (ui/dist)"
  (cd "$ROOT/ui" && npm run --silent build -- --logLevel warn)
}
