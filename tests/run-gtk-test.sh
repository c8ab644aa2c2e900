#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a GTK test in a private session bus and X server, as a desktop would
# give it, without touching the caller's display or bus.
exec dbus-run-session -- xvfb-run -a -s "-screen 0 1920x1200x24 -nolisten tcp" "$@"
