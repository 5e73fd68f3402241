#!/usr/bin/env bash
# Command 2 of the README (and all of CI): installs what is missing and runs every test:
# formatting and lints, the Rust tests of the workspace, the interface's tests, and the
# end-to-end suite in the real window.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
START=$(date +%s)
setup_tests
build_ui
cd "$ROOT"

say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
say "PostgreSQL descartável para os testes"
eval "$(scripts/pg-test-cluster.sh start)"
say "Servidor S3 descartável (moto) para os testes do armazenamento"
eval "$(scripts/s3-test-server.sh start)"
trap 'scripts/pg-test-cluster.sh stop "$BRM_PG_DIR"; scripts/s3-test-server.sh stop' EXIT
export BRM_REQUIRE_POSTGRES=1 BRM_REQUIRE_S3=1
say "Testes Rust (workspace; SQLite, PostgreSQL, S3 e o simulador do robô por HTTP)"
cargo test --workspace --quiet
say "Testes do chaveiro do sistema (Secret Service real, gnome-keyring numa sessão D-Bus)"
scripts/with-keyring.sh env BRM_REQUIRE_KEYRING=1 cargo test -p brm-secrets --quiet --test os_keyring
say "Testes da interface (vitest)"
(cd ui && npx vitest run)
say "Compilando o aplicativo para o teste ponta a ponta"
cargo build -p brm-desk --quiet
say "Testes ponta a ponta (tauri-driver + WebKitWebDriver)"
scripts/e2e.sh target/debug/brm-desk
say "Pacotes .deb e .rpm (versão de produção; o teste abre o binário extraído do .deb)"
scripts/bundle.sh deb,rpm
scripts/check-bundles.sh
scripts/check-bundles.sh --self-test
BRM_E2E_OUT="$ROOT/test-output/e2e-package" \
  scripts/e2e.sh target/bundle-check/deb/usr/bin/brm-desk e2e/package/installed-package.test.js
say "Tudo certo em $(($(date +%s) - START)) s"
