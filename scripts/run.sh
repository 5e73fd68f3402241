#!/usr/bin/env bash
# Command 1 of the README: installs what is missing, builds and starts BRM RPA Desk on the
# embedded default (SQLite in the OS app-data folder).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
setup_app
build_ui
say "Compilando e iniciando o BRM RPA Desk"
cd "$ROOT"
exec cargo run --release -p brm-desk
