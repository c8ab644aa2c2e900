#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Sets up and builds Mimic, then runs the whole default test suite twice: in
# the normal build, and in a second build with AddressSanitizer and
# UndefinedBehaviorSanitizer; then runs each fuzz target for a minute
# (build-aux/run-fuzzers.sh). GTK tests bring their own Xvfb and session bus,
# the feed tests their own Mosquitto broker on a free loopback port.
set -euo pipefail

cd "$(dirname "$0")/.."

# Each step's wall time, printed at the end.
step_times=()
timed () {
  local name=$1 start=$SECONDS
  shift
  "$@"
  step_times+=("$name: $((SECONDS - start)) s")
}

timed "build" build-aux/setup.sh build
timed "test" meson test -C build --print-errorlogs --num-processes 2

timed "build (ASan+UBSan)" build-aux/setup.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false
timed "test (ASan+UBSan)" meson test -C build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 3

# Each libFuzzer target for a minute (clang, ASan+UBSan; docs/fuzzing.md).
# A fuzzer's new finding is printed with its input but does not fail the
# command: each run explores new inputs, so a finding is a new open bug to
# turn into a regression seed (docs/fuzzing.md), not a regression.
timed "fuzz" bash -c 'build-aux/run-fuzzers.sh 60 || echo "fuzz: NEW FINDINGS above; see docs/fuzzing.md"'

printf '%s\n' "${step_times[@]}"

# One closing line over both runs, in the plain form CI logs are read in.
python3 - build/meson-logs/testlog.json build-asan/meson-logs/testlog.json <<'PY'
import json, sys
passed = failed = skipped = 0
for path in sys.argv[1:]:
    with open(path, encoding='utf-8') as log:
        for line in log:
            result = json.loads(line)['result']
            if result in ('OK', 'EXPECTEDFAIL'):
                passed += 1
            elif result == 'SKIP':
                skipped += 1
            else:
                failed += 1
print(f'{passed} passed, {failed} failed, {skipped} skipped')
PY
