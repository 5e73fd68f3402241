#!/usr/bin/env bash
# Builds the installers with the Tauri bundler (the npm package @tauri-apps/cli of ui/):
# the interface, the release binary (profile.release of Cargo.toml: LTO, opt-level "s",
# strip, with the custom-protocol feature the CLI passes) and the bundles, then prints
# each bundle's path and size and the binary's size.
# Usage: scripts/bundle.sh [BUNDLES]
#   BUNDLES: comma-separated Tauri bundle names; default "deb,rpm" (Linux). The CI
#   workflow .github/workflows/bundles.yml runs "nsis,msi" on Windows and "dmg" on macOS
#   (Git Bash there; the apt set-up is Linux-only).
# Environment (set by that workflow; all optional):
#   BRM_TAURI_TARGET  a target triple for the CLI's --target; "universal-apple-darwin"
#                     builds the macOS app for arm64 and x86_64 and joins them (lipo).
#                     The bundles then land in target/<triple>/release/bundle.
#   BRM_WINDOWS_CERT_THUMBPRINT  SHA-1 thumbprint of a code-signing certificate already
#                     imported into the current user's store: the CLI signs the app and
#                     the installers with signtool (bundle.windows.certificateThumbprint,
#                     SHA-256, timestamped by BRM_WINDOWS_TIMESTAMP_URL or DigiCert's).
#   APPLE_*           read by the CLI itself to sign and notarise the macOS app.
#
# How the CLI is pointed at the app: it wants the Tauri config and the crate's
# Cargo.toml (with [package]) in one folder, but the config lives at the workspace root
# (where tauri-build and generate_context! read it) and the root Cargo.toml is only a
# workspace. So for the length of the run src-tauri/tauri.conf.json is a link to the
# root file (never committed; removed on exit) and the paths in it (frontendDist,
# icons, the Linux desktop template and scripts), written relative to the root, are
# handed over as absolute paths with --config (the CLI passes that on to the build as
# TAURI_CONFIG, so the binary embeds the same ui/dist).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
START=$(date +%s)
BUNDLES="${1:-deb,rpm}"

case "$(uname -s)" in
  Linux) setup_app ;;
  *) # Windows (Git Bash) and macOS runners: Node and Rust come from the workflow.
    ensure_rust
    ensure_node
    npm_ci "$ROOT/ui"
    ;;
esac

# Native form of a path for the CLI (C:/... under Git Bash).
native() { if command -v cygpath >/dev/null 2>&1; then cygpath -m "$1"; else printf '%s\n' "$1"; fi; }

TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
# Unchanged interface files keep their times (see build_ui): no needless release build.
build_ui

LINK="$ROOT/src-tauri/tauri.conf.json"
if [ -e "$LINK" ] && ! cmp -s "$LINK" "$ROOT/tauri.conf.json"; then
  echo "src-tauri/tauri.conf.json existe e difere de tauri.conf.json: remova-o (a configuração fica só na raiz)." >&2
  exit 1
fi
rm -f "$LINK"
ln -s ../tauri.conf.json "$LINK" # Git Bash copies instead of linking: removed all the same
trap 'rm -f "$LINK"' EXIT

PATHS_JSON="$(node -e '
  const fs = require("fs"), path = require("path");
  const root = process.argv[1];
  const c = JSON.parse(fs.readFileSync(path.join(root, "tauri.conf.json"), "utf8"));
  const abs = (p) => path.resolve(root, p).split(path.sep).join("/");
  const absValues = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, abs(v)]));
  const patch = { build: { frontendDist: abs(c.build.frontendDist) }, bundle: { icon: c.bundle.icon.map(abs) } };
  const linux = (c.bundle.linux ?? {});
  for (const kind of ["deb", "rpm"]) {
    const out = {};
    for (const key of ["desktopTemplate", "preInstallScript", "postInstallScript", "preRemoveScript", "postRemoveScript", "changelog"]) {
      if (linux[kind]?.[key]) out[key] = abs(linux[kind][key]);
    }
    // Extra files (the systemd unit of the worker): destination -> absolute source.
    if (linux[kind]?.files) out.files = absValues(linux[kind].files);
    if (Object.keys(out).length) ((patch.bundle.linux ??= {})[kind] = out);
  }
  // The extra files of the macOS bundle (the LaunchAgent of the worker), the same way.
  if (c.bundle.macOS?.files) patch.bundle.macOS = { files: absValues(c.bundle.macOS.files) };
  // Windows signing, only when the workflow imported a certificate (never in the file).
  const thumbprint = (process.env.BRM_WINDOWS_CERT_THUMBPRINT || "").trim();
  if (thumbprint) {
    patch.bundle.windows = {
      certificateThumbprint: thumbprint,
      digestAlgorithm: "sha256",
      timestampUrl: process.env.BRM_WINDOWS_TIMESTAMP_URL || "http://timestamp.digicert.com",
    };
  }
  process.stdout.write(JSON.stringify(patch));
' "$(native "$ROOT")")"

# With --target the CLI builds into target/<triple>/release.
RELEASE="$TARGET/${BRM_TAURI_TARGET:+$BRM_TAURI_TARGET/}release"
TARGET_ARGS=()
[ -n "${BRM_TAURI_TARGET:-}" ] && TARGET_ARGS=(--target "$BRM_TAURI_TARGET")
OUT="$RELEASE/bundle"
# Only this run's bundles are listed at the end.
for b in ${BUNDLES//,/ }; do
  case "$b" in
    app) rm -rf "$OUT/macos" ;;
    *) rm -rf "${OUT:?}/$b" ;;
  esac
done

say "Compilando a versão de produção e gerando os pacotes: $BUNDLES${BRM_TAURI_TARGET:+ ($BRM_TAURI_TARGET)}"
# BRM_TAURI_CLI_PREFIX: a command the CLI is started through; scripts/test-moved-clock.sh
# starts it with the real clock (under libfaketime its native part waits for as long as
# the clock was moved).
# shellcheck disable=SC2086 # the prefix is a command and its arguments
(cd "$ROOT/src-tauri" && ${BRM_TAURI_CLI_PREFIX:-} "$ROOT/ui/node_modules/.bin/tauri" build --ci --bundles "$BUNDLES" ${TARGET_ARGS[@]+"${TARGET_ARGS[@]}"} --config "$PATHS_JSON")

# Sizes in pt-BR: "7,9 MiB".
human() {
  LC_ALL=C awk -v b="$1" 'BEGIN { split("B KiB MiB GiB", u, " "); i = 1
    while (b >= 1024 && i < 4) { b /= 1024; i++ }
    s = (i == 1) ? sprintf("%d %s", b, u[i]) : sprintf("%.1f %s", b, u[i]); sub(/\./, ",", s); print s }'
}
size_of() { wc -c <"$1" | tr -d ' '; }

say "Pacotes gerados"
found=0
while IFS= read -r -d '' f; do
  printf '  %s: %s\n' "${f#"$ROOT"/}" "$(human "$(size_of "$f")")"
  found=$((found + 1))
done < <(find "$OUT" -maxdepth 2 -type f \( -name '*.deb' -o -name '*.rpm' -o -name '*.msi' -o -name '*.exe' -o -name '*.dmg' -o -name '*.AppImage' \) -print0 | sort -z)
if [ "$found" -eq 0 ]; then
  echo "Nenhum pacote foi gerado em ${OUT#"$ROOT"/}." >&2
  exit 1
fi
BIN="$RELEASE/brm-desk"
[ -f "$BIN.exe" ] && BIN="$BIN.exe"
printf '  binário sem símbolos %s: %s\n' "${BIN#"$ROOT"/}" "$(human "$(size_of "$BIN")")"
say "Pacotes prontos em $(($(date +%s) - START)) s"
