#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a test with a private session bus and a throwaway, unlocked keyring
# (gnome-keyring's Secret Service), so credential tests never touch the
# caller's keyring.
if [ -z "$MIMIC_KEYRING_BUS" ]; then
  MIMIC_KEYRING_BUS=1 exec dbus-run-session -- "$0" "$@"
fi

keyring_home=$(mktemp -d)
mkdir -m 700 "$keyring_home/data" "$keyring_home/runtime"
export XDG_DATA_HOME="$keyring_home/data"
export XDG_RUNTIME_DIR="$keyring_home/runtime"

# The password on stdin creates the "login" collection, unlocked. The
# daemon warns about things that are harmless to the test, so the test's
# G_DEBUG=fatal-warnings must not reach it.
printf 'mimic-test' | env -u G_DEBUG gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
daemon=$!
trap 'kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null; rm -rf "$keyring_home"' EXIT

# Wait until the daemon owns the Secret Service name (asking the service
# itself earlier would D-Bus-activate a second daemon with a locked keyring),
# then until its default collection exists and is unlocked.
wait_for () {
  tries=0
  until "$@" 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ]; then
      echo "Bail out! gnome-keyring-daemon did not start"
      exit 1
    fi
    sleep 0.05
  done
}
name_owned () {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q true
}
default_collection_unlocked () {
  dbus-send --session --print-reply --dest=org.freedesktop.secrets \
    /org/freedesktop/secrets/aliases/default org.freedesktop.DBus.Properties.Get \
    string:org.freedesktop.Secret.Collection string:Locked | grep -q 'boolean false'
}
wait_for name_owned
wait_for default_collection_unlocked

"$@"
