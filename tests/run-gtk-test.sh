#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a GTK test in a private session bus (with a throwaway, unlocked
# keyring, as the console looks up connection passwords) and its own X
# server, as a desktop would give it, without touching the caller's display,
# bus or keyring. Starting the keyring ourselves also keeps D-Bus activation
# from printing the daemon's environment into the test's TAP output.
exec "$(dirname "$0")/run-keyring-test.sh" \
  xvfb-run -a -s "-screen 0 1920x1200x24 -nolisten tcp" "$@"
