#!/usr/bin/env bash
# Fails at once, one line per missing tool with the Debian package that has it, when a
# command the tests call is not on this machine (the table is TEST_TOOLS in setup.sh).
# Also checks what setup.sh installs by other means: Node.js (20.19 or newer), npm, npx,
# cargo and tauri-driver. Without it, a missing tool shows up as a timeout deep inside an
# end-to-end file.
#   scripts/check-test-tools.sh              check this machine
#   scripts/check-test-tools.sh --self-test  hide secret-tool and Debian's python module
#                                            dbusmock, and fail unless both are named
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

# The tools that are missing, one "what: how to get it" line each. BRM_HIDE_TOOLS (names,
# space-separated) makes tools count as missing: the self-test's way to remove one.
missing_tools() {
  local t kind name pkg hidden=" ${BRM_HIDE_TOOLS:-} "
  for t in "${TEST_TOOLS[@]}"; do
    pkg="${t##*:}"
    case "$t" in
      python3-module:*)
        name="${t#python3-module:}"
        name="${name%%:*}"
        if [[ "$hidden" == *" $name "* ]] || ! /usr/bin/python3 -c "import $name" >/dev/null 2>&1; then
          echo "módulo Python '$name' do python3 do sistema (/usr/bin/python3): pacote Debian $pkg"
        fi
        ;;
      postgresql-bin:*)
        name="${t#postgresql-bin:}"
        name="${name%%:*}"
        if [[ "$hidden" == *" $name "* ]] || ! compgen -G "/usr/lib/postgresql/*/bin/$name" >/dev/null; then
          echo "comando '$name' do PostgreSQL (/usr/lib/postgresql/*/bin): pacote Debian $pkg"
        fi
        ;;
      *)
        kind="${t%:*}"
        if [[ "$hidden" == *" $kind "* ]] || ! command -v "$kind" >/dev/null 2>&1; then
          echo "comando '$kind': pacote Debian $pkg"
        fi
        ;;
    esac
  done
  for name in cargo node npm npx; do
    if [[ "$hidden" == *" $name "* ]] || ! command -v "$name" >/dev/null 2>&1; then
      echo "comando '$name': scripts/setup.sh o instala (Rust pelo rustup; Node.js do sistema ou do PyPI)"
    fi
  done
  if [[ "$hidden" != *" tauri-driver "* ]] && { command -v tauri-driver >/dev/null 2>&1 || [ -x "$HOME/.cargo/bin/tauri-driver" ]; }; then
    :
  else
    echo "comando 'tauri-driver': cargo install --locked tauri-driver (scripts/setup.sh instala)"
  fi
  if command -v node >/dev/null 2>&1 && [[ "$hidden" != *" node "* ]] && ! node_is_recent; then
    echo "Node.js $(node --version) é antigo demais (precisa de 20.19 ou mais novo): scripts/setup.sh instala um do PyPI"
  fi
}

report() {
  local lines
  lines="$(missing_tools)"
  if [ -n "$lines" ]; then
    echo "Faltam ferramentas que os testes chamam:" >&2
    sed 's/^/  - /' <<<"$lines" >&2
    return 1
  fi
  echo "Todas as $((${#TEST_TOOLS[@]} + 5)) ferramentas que os testes chamam estão instaladas."
}

if [ "${1:-}" = --self-test ]; then
  out="$(BRM_HIDE_TOOLS="secret-tool dbusmock" report 2>&1)" && {
    echo "autoteste: a verificação passou com secret-tool escondido" >&2
    exit 1
  }
  grep -q "comando 'secret-tool': pacote Debian libsecret-tools" <<<"$out" &&
    grep -q "módulo Python 'dbusmock' .*pacote Debian python3-dbusmock" <<<"$out" || {
    echo "autoteste: a mensagem não nomeia os pacotes que faltam:" >&2
    echo "$out" >&2
    exit 1
  }
  echo "autoteste: a falta de secret-tool e de dbusmock é apontada com os seus pacotes:"
  echo "$out" | sed 's/^/  | /'
  exit 0
fi
report
