#!/usr/bin/env bash
# Command 2 of the README (and all of CI): installs what is missing and runs every test:
# formatting and lints, the Rust tests of the workspace, the OS keyring, the interface's
# tests, the installers, and the end-to-end suite in the real window.
#
# Every stage prints its time when it ends, and the run ends with a table of all of them
# (scripts/stages.sh), so the next person sees at once which stage grew. A failing stage
# does not stop the stages after it (their results are still worth knowing); the run
# fails at the end, naming every stage that failed.
#
# The end-to-end files drive the release binary taken out of the .deb, the one a person
# installs: building a debug app as well cost ~5 minutes of a cold run (Tauri is compiled
# again without the "test" feature the command tests enable), and testing the shipped
# build is the stronger check. `scripts/e2e.sh` alone still defaults to the debug build.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
. "$ROOT/scripts/stages.sh"
cd "$ROOT"

# Disk. CI's machine once ran out of space in the middle of the Rust tests (the linker
# died with a bus error, then every later stage had no room to start): a cold run had
# grown to about 11 GB in target/. Three things made it that large, none of them useful
# in a run that builds once and tests once:
# - the incremental caches (about 2.5 GB), which only pay back on the next small change;
# - the debug line tables, copied into each of about 50 test binaries of 50-130 MB
#   (a panic still names its file and line without them: that is in the message);
# - the test binaries themselves (about 2.6 GB), still on disk while the release build
#   writes its own 2 GB: drop_test_binaries removes them once their stages are over.
# A caller's own setting of either variable wins.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-false}"
report_disk "no início"
at_exit "report_disk 'no fim'"

stage_in_shell "Preparação da máquina (pacotes, Rust, Node.js, npm, tauri-driver)" setup_tests
stage_or_stop "Ferramentas que os testes chamam (e o autoteste dessa verificação)" \
  bash -c 'scripts/check-test-tools.sh && scripts/check-test-tools.sh --self-test'
stage "Interface (ui/dist)" build_ui
stage "cargo fmt --check" cargo fmt --all -- --check
stage "cargo clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings

# The services live for the whole run (in this shell: their exports reach later stages).
at_exit stop_test_services
stage_in_shell "PostgreSQL, S3 (moto) e SMTP descartáveis" start_test_services
export BRM_REQUIRE_POSTGRES=1 BRM_REQUIRE_S3=1 BRM_REQUIRE_SMTP=1

stage "Testes Rust (workspace; SQLite, PostgreSQL, S3 e o simulador do robô por HTTP)" \
  cargo test --workspace --quiet
# --workspace: the same features as the build above, so nothing is compiled again.
stage "Testes do chaveiro do sistema (Secret Service real, gnome-keyring numa sessão D-Bus)" \
  scripts/with-keyring.sh env BRM_REQUIRE_KEYRING=1 cargo test --workspace --quiet --test os_keyring
stage "Espaço em disco: binários de teste já usados removidos" drop_test_binaries
stage "Testes da interface (vitest)" bash -c 'cd ui && npx vitest run'
stage "Pacotes .deb e .rpm (versão de produção)" scripts/bundle.sh deb,rpm
stage "Conferência dos pacotes (e o autoteste dessa conferência)" \
  bash -c 'scripts/check-bundles.sh && scripts/check-bundles.sh --self-test'
# check-bundles.sh leaves the .deb extracted in target/bundle-check/deb.
stage "Testes ponta a ponta no binário do .deb (tauri-driver + WebKitWebDriver)" \
  scripts/e2e.sh target/bundle-check/deb/usr/bin/brm-desk e2e/tests/*.test.js e2e/package/installed-package.test.js \
  e2e/package/prepare-shared-database.test.js
finish_stages
