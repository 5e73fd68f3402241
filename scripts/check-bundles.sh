#!/usr/bin/env bash
# Checks the installers that scripts/bundle.sh built, and the CI workflow that builds the
# Windows and macOS ones. Exits non-zero, naming every problem, when something is off.
#   .deb  dpkg-deb: Version == tauri.conf.json's version, Depends on WebKitGTK 4.1, a
#         postinst that refreshes the desktop database; the contents below.
#   .rpm  rpm -qp: the same version, requires and scriptlets; contents via rpm2cpio.
#   contents  /usr/bin/brm-desk (executable ELF, stripped), one desktop entry with
#         Name=BRM RPA Desk, Exec=brm-desk %u, Icon=brm-desk,
#         MimeType=x-scheme-handler/brm-desk (desktop-file-validate when present), the
#         icons under usr/share/icons/hicolor/*/apps/brm-desk.png, the worker's systemd
#         user unit usr/lib/systemd/user/brm-desk-worker.service (ExecStart=/usr/bin/
#         brm-desk worker; `systemd-analyze --user verify` silent on it, run against the
#         package's own binary).
#   .yml  check-jsonschema against its bundled GitHub workflow schema (PyPI, in a venv
#         under target/bundle-check/venv); no `if:` that reads a secret (GitHub refuses
#         it at run time, the schema does not); and, told apart by their `name:`:
#         "Testes no Windows e no macOS" runs on windows-latest and macos-latest, builds
#         the interface, runs cargo test and cargo build -p brm-desk after it;
#         "Instaladores Windows e macOS" builds the macOS DMG for universal-apple-darwin
#         with both Rust targets added, reads the Windows and Apple signing secrets and
#         prints "Instaladores NÃO assinados: segredos ... ausentes" without them.
#   .plist the worker's macOS LaunchAgent (packaging/macos): a property list Python's
#         plistlib reads, labelled <identifier>.worker, running the app's own binary
#         with `worker`, and shipped by tauri.conf.json's bundle.macOS.files (the DMG
#         itself is built on a macOS runner, not here).
# Usage:
#   scripts/check-bundles.sh              the bundles in target/release/bundle/{deb,rpm} and
#                                         .github/workflows/*.yml; the .deb is left extracted
#                                         in target/bundle-check/deb (for the e2e file
#                                         e2e/package/installed-package.test.js)
#   scripts/check-bundles.sh FILE...      only these files (.deb, .rpm, .yml/.yaml)
#   scripts/check-bundles.sh --self-test  feeds the checker broken copies of the bundles
#                                         and of the workflows, and fails unless each one
#                                         is refused for the right reason
#   scripts/check-bundles.sh --self-test-workflows
#                                         only the workflows' part of it (no bundles
#                                         needed)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BUNDLE_DIR="$TARGET/release/bundle"
WORK="$ROOT/target/bundle-check"
VERSION="${BRM_EXPECT_VERSION:-$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$ROOT/tauri.conf.json")}"
SCHEMA_TOOL_VERSION="0.39.0"
PROBLEMS=0

fail() {
  echo "ERRO: $*" >&2
  PROBLEMS=$((PROBLEMS + 1))
}
ok() { echo "  ok: $*"; }

# The files a package installs, extracted under $1; $2 names the package in messages.
check_tree() {
  local dir="$1" what="$2" bin="$1/usr/bin/brm-desk" desktops desktop icons
  if [ -f "$bin" ] && [ -x "$bin" ]; then
    if [ "$(head -c 4 "$bin" | od -An -c | tr -d ' ')" != '177ELF' ]; then
      fail "$what: /usr/bin/brm-desk não é um executável ELF"
    elif readelf -S -W "$bin" | grep -q '\.symtab'; then
      fail "$what: /usr/bin/brm-desk não foi despojado dos símbolos (strip)"
    else
      ok "$what: /usr/bin/brm-desk"
    fi
  else
    fail "$what: falta o executável /usr/bin/brm-desk"
  fi

  mapfile -t desktops < <(find "$dir/usr/share/applications" -name '*.desktop' 2>/dev/null)
  if [ "${#desktops[@]}" -ne 1 ]; then
    fail "$what: esperava um arquivo .desktop em /usr/share/applications, há ${#desktops[@]}"
  else
    desktop="${desktops[0]}"
    grep -qx 'Name=BRM RPA Desk' "$desktop" || fail "$what: a entrada de menu não tem Name=BRM RPA Desk"
    grep -Eqx 'Exec=brm-desk %[uU]' "$desktop" ||
      fail "$what: a entrada de menu não tem Exec=brm-desk %u (o link brm-desk:// não chegaria ao aplicativo)"
    grep -qx 'Icon=brm-desk' "$desktop" || fail "$what: a entrada de menu não tem Icon=brm-desk"
    grep -Eq '^MimeType=(.*;)?x-scheme-handler/brm-desk(;|$)' "$desktop" ||
      fail "$what: a entrada de menu não registra MimeType=x-scheme-handler/brm-desk"
    if command -v desktop-file-validate >/dev/null 2>&1; then
      local msgs
      msgs="$(desktop-file-validate "$desktop" 2>&1 | grep -v ': hint:' || true)"
      [ -z "$msgs" ] || fail "$what: desktop-file-validate: $msgs"
    fi
    ok "$what: entrada de menu $(basename "$desktop")"
  fi

  check_unit "$dir" "$what"

  mapfile -t icons < <(cd "$dir" && find usr/share/icons/hicolor -path '*/apps/brm-desk.png' 2>/dev/null | sort)
  if [ "${#icons[@]}" -eq 0 ]; then
    fail "$what: nenhum ícone em usr/share/icons/hicolor/*/apps/brm-desk.png"
  else
    ok "$what: ícones ${icons[*]}"
  fi
}

# The worker's systemd user unit under $1 (an extracted package).
check_unit() {
  local dir="$1" what="$2" unit="$1/usr/lib/systemd/user/brm-desk-worker.service" vdir msgs
  if [ ! -f "$unit" ]; then
    fail "$what: falta a unidade do systemd usr/lib/systemd/user/brm-desk-worker.service"
    return
  fi
  grep -qx 'ExecStart=/usr/bin/brm-desk worker' "$unit" ||
    fail "$what: a unidade do systemd não roda ExecStart=/usr/bin/brm-desk worker"
  # Verified as shipped, but pointing at the package's own binary (not installed here),
  # with a private runtime folder for the user manager's offline check. Any message fails
  # it: an unknown key is only a warning for systemd.
  vdir="$(mktemp -d)"
  chmod 700 "$vdir"
  sed "s#^ExecStart=/usr/bin/brm-desk #ExecStart=$(cd "$dir" && pwd)/usr/bin/brm-desk #" \
    "$unit" >"$vdir/brm-desk-worker.service"
  msgs="$(cd "$vdir" && XDG_RUNTIME_DIR="$vdir" systemd-analyze --user verify ./brm-desk-worker.service 2>&1)" ||
    msgs="${msgs:-systemd-analyze falhou sem mensagem}"
  rm -rf "$vdir"
  if [ -n "$msgs" ]; then
    fail "$what: systemd-analyze verify recusa a unidade do systemd: $msgs"
  else
    ok "$what: unidade do systemd brm-desk-worker.service (systemd-analyze verify)"
  fi
}

check_deb() {
  local deb="$1" dest="$2" what v
  what="$(basename "$deb")"
  if ! dpkg-deb --info "$deb" >/dev/null 2>&1; then
    fail "$what: não é um pacote .deb válido"
    return
  fi
  v="$(dpkg-deb -f "$deb" Version)"
  [ "$v" = "$VERSION" ] || fail "$what: versão $v, mas tauri.conf.json diz $VERSION"
  # Outputs kept in variables: `cmd | grep -q` would trip pipefail with SIGPIPE.
  local depends postinst listing
  depends="$(dpkg-deb -f "$deb" Depends)"
  postinst="$(dpkg-deb -I "$deb" postinst 2>/dev/null || true)"
  listing="$(dpkg-deb -c "$deb")"
  grep -q 'libwebkit2gtk-4\.1-0' <<<"$depends" || fail "$what: Depends não inclui libwebkit2gtk-4.1-0"
  grep -q 'libayatana-appindicator3-1' <<<"$depends" ||
    fail "$what: Depends não inclui libayatana-appindicator3-1 (o ícone da bandeja)"
  grep -q update-desktop-database <<<"$postinst" || fail "$what: falta o postinst com update-desktop-database"
  grep -Eq ' (\./)?usr/bin/brm-desk$' <<<"$listing" || fail "$what: a lista do pacote não tem usr/bin/brm-desk"
  rm -rf "$dest"
  mkdir -p "$dest"
  dpkg-deb -x "$deb" "$dest" || fail "$what: dpkg-deb -x falhou"
  check_tree "$dest" "$what"
}

check_rpm() {
  local rpm="$1" dest="$2" what v
  what="$(basename "$rpm")"
  if ! v="$(rpm -qp --qf '%{VERSION}' "$rpm" 2>/dev/null)"; then
    fail "$what: não é um pacote .rpm válido"
    return
  fi
  [ "$v" = "$VERSION" ] || fail "$what: versão $v, mas tauri.conf.json diz $VERSION"
  local requires scripts listing
  requires="$(rpm -qp --requires "$rpm" 2>/dev/null)"
  scripts="$(rpm -qp --scripts "$rpm" 2>/dev/null)"
  listing="$(rpm -qlp "$rpm" 2>/dev/null)"
  grep -q '^libwebkit2gtk-4\.1\.so' <<<"$requires" || fail "$what: Requires não inclui a WebKitGTK 4.1"
  grep -q '^libayatana-appindicator-gtk3' <<<"$requires" ||
    fail "$what: Requires não inclui libayatana-appindicator-gtk3 (o ícone da bandeja)"
  grep -q update-desktop-database <<<"$scripts" || fail "$what: falta o script pós-instalação com update-desktop-database"
  grep -qx '/usr/bin/brm-desk' <<<"$listing" || fail "$what: a lista do pacote não tem /usr/bin/brm-desk"
  rm -rf "$dest"
  mkdir -p "$dest"
  # rpm2cpio 4.18 exits 1 on the bundler's (complete) gzip payload: judge the result by
  # cpio and by every listed file being there.
  (cd "$dest" && { rpm2cpio "$rpm" || true; } | cpio -idm --quiet) || fail "$what: cpio não extraiu o conteúdo"
  local p missing=0
  while IFS= read -r p; do [ -e "$dest$p" ] || missing=$((missing + 1)); done <<<"$listing"
  [ "$missing" -eq 0 ] || fail "$what: $missing arquivo(s) da lista não vieram na extração"
  check_tree "$dest" "$what"
}

schema_tool() {
  local venv="$WORK/venv"
  if ! "$venv/bin/check-jsonschema" --version 2>/dev/null | grep -q "$SCHEMA_TOOL_VERSION"; then
    echo "Instalando check-jsonschema $SCHEMA_TOOL_VERSION em ${venv#"$ROOT"/}" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "check-jsonschema==$SCHEMA_TOOL_VERSION" >&2
  fi
  echo "$venv/bin/check-jsonschema"
}

check_workflow() {
  local yml="$1" what out tool
  what="${yml#"$ROOT"/}"
  tool="$(schema_tool)"
  if out="$("$tool" --builtin-schema vendor.github-workflows "$yml" 2>&1)"; then
    ok "$what: válido pelo esquema de workflows do GitHub"
  else
    fail "$what: inválido pelo esquema de workflows do GitHub:
$out"
    return
  fi
  # What the schema cannot say, read with the YAML parser check-jsonschema brought.
  if out="$("$(dirname "$tool")/python" - "$yml" <<'PY' 2>&1
import re, sys
from ruamel.yaml import YAML

with open(sys.argv[1], encoding="utf-8") as f:
    wf = YAML(typ="safe", pure=True).load(f)
jobs = wf.get("jobs") or {}
problems = []

def runners(job):
    runs_on = job.get("runs-on")
    found = set(runs_on if isinstance(runs_on, list) else [runs_on])
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    if isinstance(matrix, dict):
        found.update(matrix.get("os") or [])
        found.update(i.get("os") for i in matrix.get("include") or [] if isinstance(i, dict))
    return {r for r in found if isinstance(r, str)}

def step_text(step):
    parts = [step.get("run") or "", step.get("uses") or ""]
    parts += [str(v) for v in (step.get("with") or {}).values()]
    return "\n".join(parts)

def all_text(job):
    return "\n".join(step_text(st) for st in job.get("steps") or [])

def first_step(job, pattern):
    for i, st in enumerate(job.get("steps") or []):
        if re.search(pattern, step_text(st)):
            return i
    return None

# Secrets are not available to `if:` (GitHub fails the run); map them to env first.
for jname, job in jobs.items():
    conds = [("job", job.get("if"))] + [
        (st.get("name") or f"passo {i + 1}", st.get("if")) for i, st in enumerate(job.get("steps") or [])
    ]
    for where, cond in conds:
        if isinstance(cond, str) and "secrets." in cond:
            problems.append(f"segredo em if: ({jname}, {where}): passe-o por env antes")

name = wf.get("name")
if name == "Testes no Windows e no macOS":
    every = set().union(*(runners(j) for j in jobs.values())) if jobs else set()
    for os_ in ("windows-latest", "macos-latest"):
        if os_ not in every:
            problems.append(f"nenhum job roda em {os_}")
    for job_name, job in jobs.items():
        test = first_step(job, r"\bcargo test\b")
        build = first_step(job, r"\bcargo build -p brm-desk\b")
        ui = first_step(job, r"\bnpm run build\b")
        if test is None:
            problems.append(f"{job_name}: não roda cargo test")
        if build is None:
            problems.append(f"{job_name}: não roda cargo build -p brm-desk")
        elif ui is None or ui > build:
            problems.append(f"{job_name}: a interface (npm run build) não é gerada antes de cargo build -p brm-desk")
elif name == "Instaladores Windows e macOS":
    for job_name, job in jobs.items():
        text = all_text(job)
        matrix = ((job.get("strategy") or {}).get("matrix") or {}).get("include") or []
        mac = [i for i in matrix if isinstance(i, dict) and str(i.get("os", "")).startswith("macos")]
        if not mac or any(i.get("target") != "universal-apple-darwin" for i in mac):
            problems.append(f"{job_name}: o macOS não é compilado para universal-apple-darwin (arm64 e x86_64)")
        elif any("universal-apple-darwin/release/bundle/dmg" not in str(i.get("files")) for i in mac):
            problems.append(f"{job_name}: o DMG publicado não é o de target/universal-apple-darwin")
        if "BRM_TAURI_TARGET: ${{ matrix.target }}" not in "\n".join(
            f"{k}: {v}" for st in job.get("steps") or [] for k, v in (st.get("env") or {}).items()
        ):
            problems.append(f"{job_name}: scripts/bundle.sh não recebe o alvo (BRM_TAURI_TARGET)")
        if not re.search(r"rustup target add (aarch64-apple-darwin x86_64-apple-darwin|x86_64-apple-darwin aarch64-apple-darwin)", text):
            problems.append(f"{job_name}: falta rustup target add aarch64-apple-darwin x86_64-apple-darwin")
        if "Instaladores NÃO assinados: segredos" not in text:
            problems.append(f'{job_name}: não avisa "Instaladores NÃO assinados: segredos ... ausentes"')
        env_text = "\n".join(str(v) for st in job.get("steps") or [] for v in (st.get("env") or {}).values())
        for secret in ("WINDOWS_CERTIFICATE", "WINDOWS_CERTIFICATE_PASSWORD", "APPLE_CERTIFICATE",
                       "APPLE_CERTIFICATE_PASSWORD", "APPLE_SIGNING_IDENTITY", "APPLE_ID",
                       "APPLE_PASSWORD", "APPLE_TEAM_ID"):
            if not re.search(r"secrets\." + secret + r"\b", env_text):
                problems.append(f"{job_name}: não usa o segredo {secret}")
sys.exit("; ".join(problems) if problems else 0)
PY
)"; then
    ok "$what: runners, comandos e segredos"
  else
    fail "$what: $out"
  fi
}

check_launch_agent() {
  local plist="$1" what out
  what="${plist#"$ROOT"/}"
  if out="$(python3 - "$plist" "$ROOT/tauri.conf.json" <<'PY' 2>&1
import json, plistlib, sys
plist, conf = sys.argv[1], json.load(open(sys.argv[2]))
try:
    d = plistlib.load(open(plist, "rb"))
except Exception as e:
    sys.exit(f"não é uma lista de propriedades válida ({e})")
problems = []
if d.get("Label") != conf["identifier"] + ".worker":
    problems.append(f"Label {d.get('Label')!r}, esperado {conf['identifier']}.worker")
args = d.get("ProgramArguments") or []
app = f"/Applications/{conf['productName']}.app/Contents/MacOS/{conf.get('mainBinaryName', 'brm-desk')}"
if args != [app, "worker"]:
    problems.append(f"ProgramArguments {args!r}, esperado [{app!r}, 'worker']")
files = conf.get("bundle", {}).get("macOS", {}).get("files", {})
name = plist.rsplit("/", 1)[-1]
if not any(str(v).endswith(name) for v in files.values()):
    problems.append("tauri.conf.json não o põe no aplicativo (bundle.macOS.files)")
sys.exit("; ".join(problems) if problems else 0)
PY
)"; then
    ok "$what: LaunchAgent do serviço de robôs"
  else
    fail "$what: LaunchAgent inválido: $out"
  fi
}

check_files() {
  local f n=0
  for f in "$@"; do
    n=$((n + 1))
    f="$(realpath "$f")"
    case "$f" in
      *.deb) check_deb "$f" "$WORK/deb-$n" ;;
      *.rpm) check_rpm "$f" "$WORK/rpm-$n" ;;
      *.yml | *.yaml) check_workflow "$f" ;;
      *.plist) check_launch_agent "$f" ;;
      *) fail "$f: tipo de arquivo desconhecido" ;;
    esac
  done
}

# One broken input: the checker must exit non-zero and say $2.
expect_refused() {
  local file="$1" reason="$2" out
  if out="$("$0" "$file" 2>&1)"; then
    fail "autoteste: $(basename "$file") foi aceito, mas devia ser recusado por \"$reason\""
  elif ! grep -qF -- "$reason" <<<"$out"; then
    fail "autoteste: $(basename "$file") foi recusado, mas sem \"$reason\":
$out"
  else
    ok "autoteste: $(basename "$file") recusado: $reason"
  fi
}

self_test() {
  local deb rpm tmp
  deb="$(find "$BUNDLE_DIR/deb" -maxdepth 1 -name '*.deb' | head -n 1)"
  rpm="$(find "$BUNDLE_DIR/rpm" -maxdepth 1 -name '*.rpm' | head -n 1)"
  [ -n "$deb" ] && [ -n "$rpm" ] || {
    echo "autoteste: rode scripts/bundle.sh antes (faltam o .deb e o .rpm)" >&2
    exit 1
  }
  tmp="$WORK/self-test"
  rm -rf "$tmp"
  mkdir -p "$tmp"

  # The good ones pass (otherwise every refusal below proves nothing).
  if "$0" "$deb" "$rpm" >"$tmp/good.log" 2>&1; then ok "autoteste: os pacotes gerados passam"; else
    fail "autoteste: os pacotes gerados não passam:
$(cat "$tmp/good.log")"
  fi

  # .deb: unpacked, one thing broken, packed again.
  dpkg-deb -R "$deb" "$tmp/src"
  broken_deb() { # name, then a shell command run inside a fresh copy of the unpacked tree
    rm -rf "$tmp/b"
    cp -a "$tmp/src" "$tmp/b"
    (cd "$tmp/b" && bash -c "$2")
    dpkg-deb --root-owner-group -Zgzip -z1 -b "$tmp/b" "$tmp/$1" >/dev/null
  }
  broken_deb sem-mimetype.deb "sed -i '/^MimeType=/d' usr/share/applications/*.desktop"
  expect_refused "$tmp/sem-mimetype.deb" "MimeType=x-scheme-handler/brm-desk"
  broken_deb sem-exec-u.deb "sed -i 's/^Exec=brm-desk %u\$/Exec=brm-desk/' usr/share/applications/*.desktop"
  expect_refused "$tmp/sem-exec-u.deb" "Exec=brm-desk %u"
  broken_deb versao-errada.deb "sed -i 's/^Version: .*/Version: 0.0.1/' DEBIAN/control"
  expect_refused "$tmp/versao-errada.deb" "versão 0.0.1, mas tauri.conf.json diz $VERSION"
  broken_deb sem-icones.deb "rm -r usr/share/icons"
  expect_refused "$tmp/sem-icones.deb" "nenhum ícone"
  broken_deb sem-binario.deb "rm usr/bin/brm-desk"
  expect_refused "$tmp/sem-binario.deb" "falta o executável /usr/bin/brm-desk"
  broken_deb sem-unidade.deb "rm usr/lib/systemd/user/brm-desk-worker.service"
  expect_refused "$tmp/sem-unidade.deb" "falta a unidade do systemd"
  broken_deb unidade-errada.deb "sed -i 's/^Restart=/Restartt=/' usr/lib/systemd/user/brm-desk-worker.service"
  expect_refused "$tmp/unidade-errada.deb" "systemd-analyze verify recusa"
  broken_deb sem-postinst.deb "rm DEBIAN/postinst"
  expect_refused "$tmp/sem-postinst.deb" "falta o postinst"
  head -c 1000 "$deb" >"$tmp/cortado.deb"
  expect_refused "$tmp/cortado.deb" "não é um pacote .deb válido"

  # .rpm: the real payload, re-packed by rpmbuild with a wrong version and no desktop entry.
  mkdir -p "$tmp/rpm/root" "$tmp/rpm/top"
  (cd "$tmp/rpm/root" && { rpm2cpio "$rpm" || true; } | cpio -idm --quiet && rm -r usr/share/applications)
  cat >"$tmp/rpm/broken.spec" <<SPEC
Name: brm-rpa-desk
Version: 0.0.2
Release: 1
Summary: broken copy for the checker's self-test
License: UNLICENSED
AutoReqProv: no
%define debug_package %{nil}
%define __os_install_post %{nil}
%define _build_id_links none
%description
broken copy
%install
cp -a $tmp/rpm/root/. %{buildroot}/
%files
/usr
SPEC
  rpmbuild --quiet -bb --define "_topdir $tmp/rpm/top" --define '_binary_payload w2.xzdio' \
    "$tmp/rpm/broken.spec" >"$tmp/rpm/build.log" 2>&1 || {
    cat "$tmp/rpm/build.log" >&2
    fail "autoteste: rpmbuild não gerou o .rpm quebrado"
  }
  local bad_rpm
  bad_rpm="$(find "$tmp/rpm/top/RPMS" -name '*.rpm' | head -n 1)"
  if [ -n "$bad_rpm" ]; then
    cp "$bad_rpm" "$tmp/quebrado.rpm"
    expect_refused "$tmp/quebrado.rpm" "versão 0.0.2, mas tauri.conf.json diz $VERSION"
    expect_refused "$tmp/quebrado.rpm" "esperava um arquivo .desktop em /usr/share/applications, há 0"
    expect_refused "$tmp/quebrado.rpm" "Requires não inclui a WebKitGTK 4.1"
  fi
  head -c 1000 "$rpm" >"$tmp/cortado.rpm"
  expect_refused "$tmp/cortado.rpm" "não é um pacote .rpm válido"

  self_test_workflows

  # LaunchAgent: cut short, and running something else.
  local la
  la="$(find "$ROOT/packaging/macos" -name '*.plist' | head -n 1)"
  head -c 300 "$la" >"$tmp/cortado.plist"
  expect_refused "$tmp/cortado.plist" "não é uma lista de propriedades válida"
  sed 's#<string>worker</string>#<string>janela</string>#' "$la" >"$tmp/outro-comando.plist"
  expect_refused "$tmp/outro-comando.plist" "ProgramArguments"
}

# One broken copy of a workflow: $1 the original, $2 the copy's name, $3 a sed script
# that must change it, $4 the reason the checker must give.
broken_workflow() {
  local tmp="$WORK/self-test-workflows"
  sed "$3" "$1" >"$tmp/$2"
  if cmp -s "$1" "$tmp/$2"; then
    fail "autoteste: $3 não mudou $(basename "$1") (o autoteste ficou desatualizado)"
  else
    expect_refused "$tmp/$2" "$4"
  fi
}

self_test_workflows() {
  local tmp="$WORK/self-test-workflows" dir="$ROOT/.github/workflows" out
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # The committed ones pass (otherwise every refusal below proves nothing).
  if out="$("$0" "$dir"/*.yml 2>&1)"; then ok "autoteste: os workflows do repositório passam"; else
    fail "autoteste: os workflows do repositório não passam:
$out"
  fi
  local wf="$dir/bundles.yml" tests="$dir/tests-windows-macos.yml"
  # Schema: a job without runs-on, and a step with an unknown key.
  broken_workflow "$wf" sem-runs-on.yml '/runs-on:/d' "inválido pelo esquema"
  broken_workflow "$wf" chave-errada.yml 's/^\(\s*\)uses: actions\/checkout@/\1usa: actions\/checkout@/' \
    "inválido pelo esquema"
  # Installers: the macOS target, its Rust targets, the unsigned notice, a secret, a
  # secret read in `if:`.
  broken_workflow "$wf" sem-universal.yml 's/target: universal-apple-darwin/target: aarch64-apple-darwin/' \
    "universal-apple-darwin (arm64 e x86_64)"
  broken_workflow "$wf" dmg-errado.yml 's#target/universal-apple-darwin/release/bundle/dmg#target/release/bundle/dmg#' \
    "o DMG publicado não é o de target/universal-apple-darwin"
  broken_workflow "$wf" sem-alvos-rust.yml 's/rustup target add aarch64-apple-darwin x86_64-apple-darwin/rustup target add aarch64-apple-darwin/' \
    "falta rustup target add"
  broken_workflow "$wf" sem-aviso.yml 's/Instaladores NÃO assinados: segredos/Instaladores sem assinatura: segredos/' \
    "Instaladores NÃO assinados"
  broken_workflow "$wf" sem-segredo-apple.yml 's/secrets\.APPLE_TEAM_ID/secrets.APPLE_TEAM/g' \
    "não usa o segredo APPLE_TEAM_ID"
  broken_workflow "$wf" segredo-no-if.yml "s/if: runner.os == 'Windows' \&\& steps.signing.outputs.sign == 'true'/if: secrets.WINDOWS_CERTIFICATE != ''/" \
    "segredo em if:"
  # Tests on Windows and macOS: the runners, the commands, the interface first.
  broken_workflow "$tests" sem-macos.yml 's/os: \[windows-latest, macos-latest\]/os: [windows-latest]/' \
    "nenhum job roda em macos-latest"
  broken_workflow "$tests" sem-windows.yml 's/os: \[windows-latest, macos-latest\]/os: [ubuntu-latest, macos-latest]/' \
    "nenhum job roda em windows-latest"
  broken_workflow "$tests" sem-cargo-test.yml 's/env -u CI cargo test /env -u CI cargo nextest run /; s/^\(\s*\)cargo test -p/\1cargo nextest run -p/' \
    "não roda cargo test"
  broken_workflow "$tests" sem-build.yml 's/run: cargo build -p brm-desk/run: cargo check -p brm-desk/' \
    "não roda cargo build -p brm-desk"
  broken_workflow "$tests" sem-interface.yml 's/npm run build/npm run lint/' \
    "a interface (npm run build) não é gerada antes"
}

mkdir -p "$WORK"
if [ "${1:-}" = "--self-test-workflows" ]; then
  echo "Autoteste da verificação dos workflows"
  self_test_workflows
elif [ "${1:-}" = "--self-test" ]; then
  echo "Autoteste do verificador de pacotes (versão esperada $VERSION)"
  self_test
elif [ $# -gt 0 ]; then
  check_files "$@"
else
  echo "Verificando os pacotes (versão esperada $VERSION) e o workflow dos instaladores"
  mapfile -t debs < <(find "$BUNDLE_DIR/deb" -maxdepth 1 -name '*.deb' 2>/dev/null)
  mapfile -t rpms < <(find "$BUNDLE_DIR/rpm" -maxdepth 1 -name '*.rpm' 2>/dev/null)
  [ "${#debs[@]}" -eq 1 ] || fail "esperava um .deb em target/release/bundle/deb, há ${#debs[@]} (rode scripts/bundle.sh)"
  [ "${#rpms[@]}" -eq 1 ] || fail "esperava um .rpm em target/release/bundle/rpm, há ${#rpms[@]} (rode scripts/bundle.sh)"
  [ "${#debs[@]}" -eq 1 ] && check_deb "${debs[0]}" "$WORK/deb"
  [ "${#rpms[@]}" -eq 1 ] && check_rpm "${rpms[0]}" "$WORK/rpm"
  for wf in "$ROOT"/.github/workflows/*.yml; do check_workflow "$wf"; done
  for la in "$ROOT"/packaging/macos/*.plist; do check_launch_agent "$la"; done
fi

if [ "$PROBLEMS" -gt 0 ]; then
  echo "$PROBLEMS problema(s) encontrado(s)." >&2
  exit 1
fi
echo "Tudo certo."
