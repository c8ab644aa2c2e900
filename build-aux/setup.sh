#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs the Debian 12 packages Mimic needs (only those missing; with sudo
# when not root), then configures and builds it. Called by run-console.sh and
# run-tests.sh; safe to run again.
#
#   build-aux/setup.sh [BUILD_DIR [MESON_OPTION...]]
set -euo pipefail

cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true

packages=(
  # toolchain
  gcc clang libclang-rt-14-dev meson ninja-build pkg-config gettext python3
  # libraries (DESIGN.md "Chosen dependencies")
  libglib2.0-dev libglib2.0-dev-bin libgtk-4-dev libepoxy-dev libassimp-dev
  librsvg2-dev libsoup-3.0-dev libjson-glib-dev libmosquitto-dev libgsl-dev
  libsqlite3-dev libsecret-1-dev
  # running the tests: a broker, a display, a session bus, software GL,
  # validators for the desktop files, TLS certificates
  mosquitto mosquitto-clients xvfb xauth dbus libgl1-mesa-dri
  desktop-file-utils appstream-util openssl sqlite3
  # a throwaway Secret Service for the credential tests
  gnome-keyring
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "setup: not root and no sudo; install these packages first: ${missing[*]}" >&2
      exit 1
    fi
    sudo=(sudo)
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

if [ -f "$build_dir/build.ninja" ]; then
  meson setup --reconfigure "$build_dir" "$@" >/dev/null
else
  meson setup "$build_dir" "$@"
fi
meson compile -C "$build_dir"
