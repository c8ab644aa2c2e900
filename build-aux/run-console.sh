#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Sets up and builds Mimic, then opens the console on the demo fleet (the
# device simulator runs as its child). Extra arguments go to the
# console (see `build/app/mimic --help`).
set -euo pipefail

cd "$(dirname "$0")/.."
build-aux/setup.sh build
exec build/app/mimic --demo "$@"
