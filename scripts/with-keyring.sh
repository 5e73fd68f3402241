#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked GNOME Keyring, so code
# that uses the OS keyring (Secret Service) meets a real one, and nobody's own keyring
# is touched. Both the bus and the keyring daemon end with the command.
#   scripts/with-keyring.sh env BRM_REQUIRE_KEYRING=1 cargo test -p brm-secrets
#
# The keyring file goes to a throw-away XDG_DATA_HOME (and XDG_RUNTIME_DIR) that is
# removed at the end. HOME is left alone: cargo and rustup live under it. Set
# BRM_KEYRING_KEEP_DIRS=1 to keep the caller's XDG folders (e2e.sh already points them
# at a temporary folder). The keyring's password is random unless BRM_KEYRING_PASSWORD
# is set. The command sees BRM_KEYRING_SESSION=1 (the keyring tests run only then).
# Needs: dbus-run-session, dbus-send (Debian: dbus, dbus-x11) and gnome-keyring.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "uso: $0 COMANDO [ARGUMENTOS...]" >&2
  exit 2
fi
for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$0: falta '$tool'; instale os pacotes gnome-keyring e dbus-x11 (scripts/test.sh instala)." >&2
    exit 1
  fi
done

if [ "${BRM_KEYRING_KEEP_DIRS:-}" != 1 ]; then
  KEYRING_TMP="$(mktemp -d)"
  trap 'rm -rf "$KEYRING_TMP"' EXIT
  mkdir -p "$KEYRING_TMP/data" "$KEYRING_TMP/runtime"
  chmod 700 "$KEYRING_TMP/runtime"
  export XDG_DATA_HOME="$KEYRING_TMP/data" XDG_RUNTIME_DIR="$KEYRING_TMP/runtime"
fi
BRM_KEYRING_PASSWORD="${BRM_KEYRING_PASSWORD:-$(head -c 18 /dev/urandom | base64)}"
export BRM_KEYRING_PASSWORD

# Inside the new session: start the daemon with the password on stdin (it creates the
# "login" keyring with it on first run, unlocked and the default collection), wait until
# that collection answers unlocked, then become the command.
# shellcheck disable=SC2016 # expanded by the inner shell
dbus-run-session -- bash -c '
  set -euo pipefail
  printf %s "$BRM_KEYRING_PASSWORD" \
    | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  unset BRM_KEYRING_PASSWORD
  # Tells tests that this keyring is a throw-away one they may write to.
  export BRM_KEYRING_SESSION=1
  # Ready means the default collection answers and is unlocked, not only that the name
  # is taken: a locked one makes the first read raise an unlock prompt on the display,
  # which nobody answers in a test.
  # The name is asked of the bus first: a call to an unowned name would have D-Bus start
  # a second daemon, one without the password.
  for _ in $(seq 1 100); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
      | grep -q "boolean true" &&
      dbus-send --session --print-reply --dest=org.freedesktop.secrets \
        /org/freedesktop/secrets/aliases/default org.freedesktop.DBus.Properties.Get \
        string:org.freedesktop.Secret.Collection string:Locked 2>/dev/null \
      | grep -q "boolean false"; then
      exec "$@"
    fi
    sleep 0.1
  done
  echo "with-keyring.sh: o gnome-keyring-daemon não abriu o chaveiro padrão em 10 s." >&2
  exit 1
' with-keyring "$@"
