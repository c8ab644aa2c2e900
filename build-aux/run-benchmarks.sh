#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Builds Mimic if needed and runs every benchmark of tests/bench/ (meson's
# 'bench' suite, one at a time, so they do not disturb each other), then
# prints the table of headline figures and writes them as JSON to
# BUILD_DIR/benchmarks.json. Each benchmark's full output is in
# BUILD_DIR/meson-logs/testlog.txt.
#
#   build-aux/run-benchmarks.sh [BUILD_DIR [BENCHMARK...]]
#
# e.g. build-aux/run-benchmarks.sh build bench-whatif bench-twin-store
set -euo pipefail

cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true

# Quiet unless the build fails.
setup_log=$(mktemp)
trap 'rm -f "$setup_log"' EXIT
if ! build-aux/setup.sh "$build_dir" >"$setup_log" 2>&1; then
  tail -40 "$setup_log"
  exit 1
fi

status=0
meson test -C "$build_dir" --suite bench --verbose --num-processes 1 "$@" || status=$?

python3 build-aux/bench-table.py "$build_dir/meson-logs/testlog.json" "$build_dir/benchmarks.json"
exit $status
